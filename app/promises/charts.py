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
