"""The colours of the risk ratings: the one table the heat map, its Word picture and the style
sheets draw from.

Each rating (the keys of app/plan_sections/types/risk.py's RATINGS) has a light colour for an
empty heat-map cell and the score badge, and a strong one for a cell holding risks and the
rating's swatch. The heat map's SVG carries them as fill attributes (WeasyPrint draws an inline
SVG with nothing of the page's CSS), the Word document paints its picture with them, and
tests/plan_sections/test_heat_colours.py fails when app.css or plan-document.css says otherwise.
"""

# rating key → (empty cell, cell holding risks)
HEAT_COLOURS = {
    "low": ("#d6eedd", "#8fcfa3"),
    "medium": ("#fbefc6", "#f2d16b"),
    "high": ("#fbdcc0", "#f0a563"),
    "critical": ("#f7d0cd", "#e07068"),
}


def cell_fill(rating: str, count: int) -> str:
    """A heat-map cell's colour: its rating's strong colour when it holds risks, light when not."""
    empty, filled = HEAT_COLOURS[rating]
    return filled if count else empty
