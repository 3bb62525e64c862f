"""The section summaries of the plan (the risk heat map, the measures, the asset values, the
initiative pipeline) as they read in the Word document.

The PDF draws each summary from its template (templates/plan_sections/types/<key>.html); Word
has no use for that HTML, so each summary's dict is written here, one function per section
type, registered in `SUMMARY_WRITERS` by the type's key. A section type without a writer shows
no summary in Word: its item tables carry the same facts.

The heat map is an image, drawn with Pillow (already installed: WeasyPrint needs it) from the
same grid, geometry and colours as the SVG on the page and in the PDF. Nothing renders SVG to
PNG without a heavy dependency: WeasyPrint lost PNG output in version 53, cairosvg needs
cairo, and rasterising the PDF needs poppler at run time. The picture carries the SVG's text
description as its alternative text, and the counts are also written as a list under it.
"""

import io
import os
from collections.abc import Callable

from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from app.plan_versions.word_markup import MUTED, paragraph_in, restart_numbering, set_numbering, simple_table

FONT_FOLDER = os.path.join(os.path.dirname(__file__), os.pardir, "static", "fonts", "source-sans-3")
SCALE = 3  # pixels per SVG unit: sharp when printed at the width it is placed at

# The SVG heat map's geometry and text colours (templates/plan_sections/types/risk_assessment.html);
# each cell's fill comes with the grid, from app/plan_sections/heat_colours.py.
CELL_W, CELL_H, GAP, LEFT, TOP = 58, 44, 3, 104, 6


def _font(weight: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(os.path.join(FONT_FOLDER, f"SourceSans3-{weight}.ttf"), round(size * SCALE))


def heat_map_png(summary: dict) -> bytes:
    """The 5×5 heat map as a PNG: likelihood rows (5 at the top), impact columns, each cell
    coloured by its rating and darker when it holds risks, with the count of active risks."""
    grid_w, grid_h = CELL_W * 5 + GAP * 4, CELL_H * 5 + GAP * 4
    width, height = LEFT + grid_w + 4, TOP + grid_h + 46
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    score_font, count_font = _font("Regular", 9), _font("Bold", 17)
    axis_font, sub_font = _font("Semibold", 10.5), _font("Regular", 9)

    def at(x, y):
        return x * SCALE, y * SCALE

    for r, row in enumerate(summary["grid"]):
        likelihood = row[0]["likelihood"]
        label = f"{likelihood} {summary['likelihood_labels'][likelihood - 1]}"
        draw.text(at(LEFT - 8, TOP + r * (CELL_H + GAP) + CELL_H / 2), label, font=axis_font, fill="#3d4657",
                  anchor="rm")
        for c, cell in enumerate(row):
            x, y = LEFT + c * (CELL_W + GAP), TOP + r * (CELL_H + GAP)
            draw.rounded_rectangle((*at(x, y), *at(x + CELL_W, y + CELL_H)), radius=4 * SCALE, fill=cell["fill"])
            draw.text(at(x + 5, y + 11), str(cell["score"]), font=score_font, fill="#6b7383", anchor="ls")
            if cell["count"]:
                draw.text(at(x + CELL_W / 2, y + CELL_H / 2 + 3), str(cell["count"]), font=count_font,
                          fill="#1d2433", anchor="mm")
    for c, label in enumerate(summary["impact_labels"]):
        x = LEFT + c * (CELL_W + GAP) + CELL_W / 2
        draw.text(at(x, TOP + grid_h + 14), str(c + 1), font=axis_font, fill="#3d4657", anchor="ms")
        draw.text(at(x, TOP + grid_h + 27), label, font=sub_font, fill="#5b6475", anchor="ms")
    draw.text(at(LEFT + grid_w / 2, TOP + grid_h + 43), "Impact →", font=axis_font, fill="#5b6475", anchor="ms")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(72 * SCALE, 72 * SCALE))
    return buffer.getvalue()


def heat_map_description(summary: dict) -> str:
    """The SVG's <desc>: what the picture shows, for screen readers."""
    parts = [
        f"{cell['count']} risk{'' if cell['count'] == 1 else 's'} at likelihood {cell['likelihood']} and impact "
        f"{cell['impact']} (score {cell['score']}, {cell['rating_label']})."
        for row in summary["grid"] for cell in row if cell["count"]
    ]
    return "Risk heat map: likelihood against impact. " + (" ".join(parts) or "No active risks.")


def _title(document, text: str) -> None:
    paragraph_in(document, text, "Heading 3")


def _numbered(document, lines: list[str]) -> None:
    num_id = None
    for line in lines:
        paragraph = paragraph_in(document, line, "List Number")
        if num_id is None:
            num_id = restart_numbering(document, paragraph)
        else:
            set_numbering(paragraph, num_id)


def write_risks(document, summary: dict) -> None:
    caption = paragraph_in(document, style="Caption")
    live = summary["live"]
    caption.add_run(f"Heat map of {live} active risk{'' if live == 1 else 's'} ")
    closed = summary["total"] - live
    note = caption.add_run(f"(open, being treated or monitoring{f'; {closed} closed not shown' if closed else ''})")
    note.font.color.rgb = MUTED
    picture = document.add_paragraph()
    picture.paragraph_format.keep_with_next = True
    shape = picture.add_run().add_picture(io.BytesIO(heat_map_png(summary)), width=Cm(11.5))
    shape._inline.docPr.set("descr", heat_map_description(summary))
    shape._inline.docPr.set("title", "Risk heat map: likelihood against impact")
    _title(document, "Active risks by rating")
    for band in summary["by_rating"]:
        paragraph_in(document, f"{band['label']} (score {band['low']}–{band['high']}): {band['count']}",
                     "List Bullet")
    _title(document, "All risks by status")
    for status in summary["by_status"]:
        paragraph_in(document, f"{status['label']}: {status['count']}", "List Bullet")
    if summary["top"]:
        _title(document, "Highest active risks")
        _numbered(document, [f"{risk['score']} {risk['rating'][1]} — {risk['title']}" for risk in summary["top"]])


def write_measures(document, summary: dict) -> None:
    if not summary["measures"]:
        return
    _title(document, "Joint performance measures")
    rows = []
    for measure in summary["measures"]:
        change = f" ({measure['change']:+g}% from baseline)" if measure["change"] is not None else ""
        better = "Higher is better" if measure["direction"] == "higher" else "Lower is better"
        rows.append([measure["name"], measure["baseline"] or "—", f"{measure['target']}{change}", measure["unit"],
                     better, f"{measure['frequency']} · data from {measure['owner']}"])
    simple_table(document, ["Measure", "Baseline", "Target", "Unit", "Direction", "Frequency"], rows,
           [4.2, 2.0, 2.8, 2.2, 2.6, 3.2])


def write_assets(document, summary: dict) -> None:
    if not summary["count"]:
        return
    rows = []
    for party in summary["parties"]:
        share = f"{party['share']}%" if party["share"] is not None else "—"
        rows.append([party["name"], "\n".join(party["values"]) or "No values declared", str(party["count"]), share])
    unvalued = f", {summary['unvalued']} without a value" if summary["unvalued"] else ""
    rows.append(["Declared in total", "\n".join(summary["totals"]) or "No values declared",
                 f"{summary['count']}{unvalued}", ""])
    table = simple_table(document, ["Party", "Declared value", "Resources", "Share of the value"], rows,
                   [5.0, 5.0, 3.5, 3.5])
    for cell in table.rows[-1].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    if len(summary["totals"]) > 1:
        note = paragraph_in(document, "Currencies are not converted.")
        note.runs[0].font.size = Pt(9)


def write_pipeline(document, summary: dict) -> None:
    if not summary["total"]:
        return
    total = summary["total"]
    _title(document, f"Pipeline of {total} initiative{'' if total == 1 else 's'}")
    rows = [[stage["label"], str(stage["count"]), ", ".join(stage["values"]) or "—"] for stage in summary["stages"]]
    simple_table(document, ["Stage", "Initiatives", "Estimated value"], rows, [6.0, 3.0, 8.0])


SUMMARY_WRITERS: dict[str, Callable] = {
    "risk_assessment": write_risks,
    "business_case": write_measures,
    "asset_register": write_assets,
    "continuous_improvement": write_pipeline,
}
