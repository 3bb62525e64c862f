"""The rating colours have one source, app/plan_sections/heat_colours.py: the heat map's cells
are filled from it, and the style sheets (the page's and the PDF's) must say the same."""

import re
from pathlib import Path

from app.plan_sections.heat_colours import HEAT_COLOURS
from app.plan_sections.types.risk import RATINGS, heat_map

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "css"


def declarations(css: str, pattern: str) -> dict[str, str]:
    """rating key → the colour a `pattern` (with one group for the key) is set to."""
    return {match.group(1): match.group(2).lower() for match in re.finditer(pattern, css)}


def test_every_rating_has_its_colours():
    assert set(HEAT_COLOURS) == {key for key, *_ in RATINGS}


def test_the_page_style_sheet_agrees_with_the_table():
    css = (CSS / "app.css").read_text()
    assert declarations(css, r"--rate-(\w+):\s*(#[0-9a-fA-F]{6})") == {k: c[0] for k, c in HEAT_COLOURS.items()}
    assert declarations(css, r"--rate-(\w+)-strong:\s*(#[0-9a-fA-F]{6})") == {
        k: c[1] for k, c in HEAT_COLOURS.items()
    }


def test_the_document_style_sheet_agrees_with_the_table():
    css = (CSS / "plan-document.css").read_text()
    assert declarations(css, r"\.score--(\w+)\s*\{\s*background:\s*(#[0-9a-fA-F]{6})") == {
        k: c[0] for k, c in HEAT_COLOURS.items()
    }
    assert declarations(css, r"\.rating-swatch--(\w+)\s*\{\s*background:\s*(#[0-9a-fA-F]{6})") == {
        k: c[1] for k, c in HEAT_COLOURS.items()
    }


def test_a_cell_is_light_when_empty_and_strong_when_it_holds_risks():
    risk = {"id": "rsk-1", "title": "Port strike", "likelihood": 5, "impact": 4, "status": "open"}
    grid = heat_map({"items": {"risks": [risk]}}, None)["grid"]
    cells = {(cell["likelihood"], cell["impact"]): cell for row in grid for cell in row}
    assert cells[5, 4]["fill"] == HEAT_COLOURS["critical"][1]
    assert cells[5, 5]["fill"] == HEAT_COLOURS["critical"][0]
    assert cells[1, 1]["fill"] == HEAT_COLOURS["low"][0]
