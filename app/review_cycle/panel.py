"""The cycle's block on the partnership's home page: the latest health index and its trend,
and where the open cycle stands."""

from app.review_cycle import charts, cycles, results
from app.review_cycle.stepper import stepper
from app.types import utcnow


def panel_for(membership, loaded=None) -> dict:
    """`loaded`: the partnership's cycles of both kinds (cycles.partnership_cycles), if held."""
    partnership_id = membership.partnership_id
    points = [p for p in results.trend(partnership_id, loaded=loaded) if p.index is not None]
    current = cycles.open_cycle_of(partnership_id, loaded=loaded)
    return {
        "latest": points[-1] if points else None,
        "previous": points[-2] if len(points) > 1 else None,
        "sparkline": charts.sparkline([p.index for p in points], width=120, height=30),
        "cycle": current,
        "steps": stepper(current, utcnow().date()) if current is not None else None,
    }
