"""A party's p-chart as inline SVG (presentation attributes only, as app/review_cycle/charts.py
draws: no inline style or script, every text escaped): the share kept on time per period, the
centre line, each period's 3-sigma lower limit, and the special-cause drops marked."""

from markupsafe import Markup, escape

from app.promises.reliability import Reliability
from app.review_cycle.charts import GRID, INK

WIDTH, HEIGHT = 520, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 34, 14, 34
DROP = "#a3283c"


def p_chart(party: Reliability, colour: str) -> Markup:
    points = [p for p in party.points if p.figure.share is not None]
    if not points or party.centre is None:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0

    def x(i: int) -> float:
        return LEFT + (i * step if len(points) > 1 else plot_w / 2)

    def y(share: float) -> float:
        return TOP + (1 - share) * plot_h

    name = escape(party.party.name)
    parts = [f'<svg class="p-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="p-chart-{party.party.id}-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="p-chart-{party.party.id}-title">{name}: share of promises kept on time per period, '
             f'with the centre line at {party.centre:.0%} and the 3-sigma lower limit</title>']
    for share in (0, 0.5, 1):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
                     f'stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{share:.0%}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(party.centre):.1f}" y2="{y(party.centre):.1f}" '
                 f'stroke="{INK}" stroke-dasharray="6 4"/>')
    lower = " ".join(f"{x(i):.1f},{y(p.lower):.1f}" for i, p in enumerate(points))
    parts.append(f'<polyline points="{lower}" fill="none" stroke="{DROP}" stroke-dasharray="2 3"/>')
    line = " ".join(f"{x(i):.1f},{y(p.figure.share):.1f}" for i, p in enumerate(points))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        f = p.figure
        tip = escape(f"{f.period}{'' if f.complete else ' so far'}: {f.on_time} of {f.due} on time ({f.share:.0%})"
                     + ("; below the lower limit: a special-cause drop" if p.special_cause else ""))
        if p.special_cause:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(f.share):.1f}" r="7" fill="none" stroke="{DROP}" '
                         f'stroke-width="2.5"><title>{tip}</title></circle>')
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(f.share):.1f}" r="4" fill="{colour}">'
                     f'<title>{tip}</title></circle>')
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(f.period)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every text in it is escaped


BAND_FILL = "#eef3f9"


def balance_chart(history, unit: str, parties, band_points: int, colours: dict[int, str]) -> Markup:
    """Each party's position in `unit` per period (points of share), the band shaded around
    zero; periods without a position leave a gap. Empty when no period has one."""
    labels = [p.period + ("" if p.complete else " so far") for p in history]
    series = {}
    for party in parties:
        values = []
        for period in history:
            found = period.unit(unit)
            share = found.share_of(party.id) if found is not None else None
            values.append(share.position_points if share is not None else None)
        if any(v is not None for v in values):
            series[party.id] = (party, values)
    if not series:
        return Markup("")
    top = max([band_points + 10, *(abs(v) for _p, vs in series.values() for v in vs if v is not None)])
    top = min(100, ((int(top) + 9) // 10) * 10)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(history)

    def x(i: int) -> float:
        return LEFT + (i * plot_w / (count - 1) if count > 1 else plot_w / 2)

    def y(points: float) -> float:
        return TOP + (top - points) / (2 * top) * plot_h

    key = escape(unit).replace(" ", "-")
    parts = [f'<svg class="p-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="balance-{key}-title" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="balance-{key}-title">Each party\'s position in {escape(unit)} per period, in points of '
             f'share, with the band of ±{band_points} points shaded</title>',
             f'<rect x="{LEFT}" y="{y(band_points):.1f}" width="{plot_w}" '
             f'height="{y(-band_points) - y(band_points):.1f}" fill="{BAND_FILL}"/>']
    for mark in (top, 0, -top):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(mark):.1f}" y2="{y(mark):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(mark) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{mark:+d}</text>' if mark else
                     f'fill="{INK}">0</text>')
    parts.append(f'<text x="{WIDTH - RIGHT + 4}" y="{y(0) + 4:.1f}" font-size="10" fill="{INK}">±{band_points}</text>')
    for party, values in series.values():
        colour = colours.get(party.id, INK)
        runs, run = [], []
        for i, value in enumerate(values):
            if value is None:
                runs, run = (runs + [run]) if run else runs, []
            else:
                run.append((i, value))
        runs = runs + [run] if run else runs
        for run in runs:
            if len(run) > 1:
                line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for i, value in enumerate(values):
            if value is None:
                continue
            tip = escape(f"{party.name}, {labels[i]}: {value:+.0f} points"
                         + (" (out of the band)" if abs(value) > band_points else ""))
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="{colour}"><title>{tip}</title>'
                         '</circle>')
    for i, period in enumerate(history):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(period.period)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every text in it is escaped
