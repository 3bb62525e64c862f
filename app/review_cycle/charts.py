"""Inline SVG charts (radar, trend lines, sparklines) drawn on the server.

They use presentation attributes only (no inline style, no script), so they pass the
Content-Security-Policy and print the same in the PDF report. Every text is escaped.
"""

import math

from markupsafe import Markup, escape

# One colour per party, in the partnership's party order; readable on white and in print.
PALETTE = ["#1f5fa8", "#c2571a", "#2e7d4f", "#7b3fa0", "#a3283c", "#4b5563"]
GRID = "#d5dbe3"
INK = "#3a4452"


def party_colour(position: int) -> str:
    return PALETTE[position % len(PALETTE)]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _figure(value: float) -> str:
    """A value as a tooltip shows it: 72, 3.4."""
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def radar(axes: list[str], series: list[tuple[str, str, list[int | None]]], *, size: int = 360,
          title: str = "Scores by dimension") -> Markup:
    """`series`: (label, colour, one score 1–5 or None per axis)."""
    if len(axes) < 3:
        return Markup("")
    pad = 112  # room for a label of two 14-character lines beside the chart, inside it
    width = size + 2 * pad
    cx, cy, r = width / 2, size / 2 + 52, size / 2 - 10
    step = 2 * math.pi / len(axes)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + i * step
        return cx + r * value / 5 * math.cos(angle), cy + r * value / 5 * math.sin(angle)

    parts = [f'<svg class="chart chart--radar" viewBox="0 0 {width} {size + 84}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for level in range(1, 6):
        ring = " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, level) for i in range(len(axes))))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
    for i, name in enumerate(axes):
        x, y = point(i, 5)
        parts.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>')
        lx, ly = point(i, 5.5)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        lines = _label_lines(name)
        # Labels above the centre grow upwards, those below downwards: never over the chart.
        first_y = ly + 4 - (14 * (len(lines) - 1) if ly < cy - 8 else 0)
        spans = "".join(f'<tspan x="{_n(lx)}" y="{_n(first_y + 14 * n)}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        parts.append(f'<text text-anchor="{anchor}" font-size="13" fill="{INK}"><title>{escape(name)}</title>'
                     f'{spans}</text>')
    for level in (1, 3, 5):
        x, y = point(0, level)
        parts.append(f'<text x="{_n(x + 4)}" y="{_n(y + 4)}" font-size="10" fill="#6b7380">{level}</text>')
    for n, (label, colour, values) in enumerate(series):
        pts = [point(i, v) for i, v in enumerate(values) if v is not None]
        # Overlapping fills stay legible: light fills, and every other outline dashed, so each
        # party's shape reads apart without relying on colour.
        dash = ' stroke-dasharray="7 4"' if n % 2 else ""
        if len(pts) >= 3:
            shape = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
            parts.append(f'<polygon points="{shape}" fill="{colour}" fill-opacity="0.1" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}><title>{escape(label)}</title></polygon>')
        for x, y in pts:
            marker = (f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7" fill="{colour}"/>' if n % 2
                      else f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}"/>')
            parts.append(marker)
    parts.append(_legend(series, 12, 18))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _label_lines(name: str, width: int = 14) -> list[str]:
    """`name` in at most two lines of about `width` characters, broken between words."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [line if len(line) <= width + 2 else line[: width + 1] + "…" for line in lines]


def _legend(series, x: float, y: float) -> str:
    parts, offset = [], 0.0
    for n, (label, colour, _values) in enumerate(series):
        text = label if len(label) <= 30 else label[:29] + "…"
        dash = ' stroke-dasharray="5 3"' if n % 2 else ""  # as the chart draws this series
        parts.append(f'<line x1="{_n(x + offset)}" y1="{_n(y - 4)}" x2="{_n(x + offset + 18)}" y2="{_n(y - 4)}" '
                     f'stroke="{colour}" stroke-width="3"{dash}/>'
                     f'<text x="{_n(x + offset + 23)}" y="{_n(y)}" font-size="12" fill="{INK}">{escape(text)}</text>')
        offset += 36 + 7 * len(text)
    return "".join(parts)


def trend_chart(periods: list[str], series: list[tuple[str, str, list[float | None]]], *,
                title: str = "Health index over the cycles", scale: tuple[float, float] = (0, 100),
                ticks: tuple[float, ...] = (0, 25, 50, 75, 100)) -> Markup:
    """Lines of values on `scale` (0–100 unless told) over the periods; `series`: (label, colour, values)."""
    if not periods:
        return Markup("")
    low, high = scale
    width, height, left, right, top, bottom = 640, 250, 56, 44, 46, 34
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(periods) - 1, 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        x = left + (i * step if len(periods) > 1 else inner_w / 2)
        return x, top + inner_h * (1 - (value - low) / (high - low))

    parts = [f'<svg class="chart chart--trend" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for level in ticks:
        _, y = xy(0, level)
        parts.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right + 20}" y2="{_n(y)}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" font-size="10" '
                     f'fill="#6b7380">{_figure(level)}</text>')
    for i, period in enumerate(periods):
        x, _ = xy(i, 0)
        parts.append(f'<text x="{_n(x)}" y="{height - 12}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(period)}</text>')
    for n, (label, colour, values) in enumerate(series):
        pts = [(xy(i, v), v) for i, v in enumerate(values) if v is not None]
        dash = ' stroke-dasharray="7 4"' if n % 2 else ""  # as the legend shows it
        if len(pts) > 1:
            line = " ".join(f"{_n(x)},{_n(y)}" for (x, y), _ in pts)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for (x, y), v in pts:
            parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}"><title>{escape(label)}: '
                         f"{_figure(v)}</title></circle>")
    parts.append(_legend(series, left, 16))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def sparkline(values: list[float | None], *, width: int = 84, height: int = 22, label: str = "Health trend",
              scale: tuple[float, float] = (0, 100)) -> Markup:
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return Markup("")
    low, high = scale
    step = (width - 4) / (len(points) - 1)
    coords = [(2 + i * step, 2 + (height - 4) * (1 - (v - low) / (high - low))) for i, v in enumerate(points)]
    line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
    last_x, last_y = coords[-1]
    return Markup(  # noqa: S704  # nosec B704
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}: {", ".join(_figure(v) for v in points)}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.8"/>'
        f'<circle cx="{_n(last_x)}" cy="{_n(last_y)}" r="2.4" fill="{PALETTE[0]}"/></svg>'
    )
