"""The plan PDF: metadata, content hash, watermark, fonts, running footer, contents, fields."""

import re
import subprocess
import sys

import pytest

from app.signing import pades
from app.signing.pades import read_content_hash
from app.signing.rendering import CONTENT_HASH_KEY
from app.signing.rendering.pdf import render_pdf
from tests.support.poppler import poppler
from tests.support.sample_plan import CONTENT_HASH, SECTIONS
from tests.support.signing import page_texts

# No database: these run once, on the first engine's pass (see tests/conftest.py).
pytestmark = pytest.mark.engine_independent


@pytest.fixture(scope="module")
def draft_pages(draft_plan_pdf):
    count = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(draft_plan_pdf)))[1])
    return page_texts(draft_plan_pdf, count)


def test_metadata_is_in_the_information_dictionary(draft_plan_pdf):
    info = pades.open_reader(draft_plan_pdf.read_bytes()).trailer_view["/Info"].get_object()
    assert str(info["/Title"]) == "Northwind–Contoso Logistics Alliance — ERMP v1.2"
    assert str(info["/Author"]) == "Northwind Logistics Ltd, Contoso Manufacturing GmbH"
    assert str(info["/Subject"]) == "Enterprise Relationship Management Plan, version 1.2"
    assert str(info["/Keywords"]) == "ERMP, v1.2, partnership plan"
    assert str(info[CONTENT_HASH_KEY]) == CONTENT_HASH


def test_content_hash_reads_back(draft_plan_pdf):
    assert read_content_hash(draft_plan_pdf.read_bytes()) == CONTENT_HASH


def test_no_content_hash_when_none_given():
    pdf = render_pdf("<p>Hello</p>", title="t", author="a", subject="s")
    assert read_content_hash(pdf) is None


def test_draft_watermark_on_every_page(draft_plan_pdf, draft_pages):
    assert len(draft_pages) > 20
    for number in range(1, len(draft_pages) + 1):
        # The rotated watermark comes out one glyph per line; raw order keeps them together.
        raw = poppler("pdftotext", "-raw", "-f", str(number), "-l", str(number), str(draft_plan_pdf), "-")
        assert "DRAFT" in re.sub(r"\s+", "", raw), f"no watermark on page {number}"


def test_final_pdf_has_no_watermark(plan_pdf, tmp_path):
    path = tmp_path / "final.pdf"
    path.write_bytes(plan_pdf)
    assert "DRAFT" not in re.sub(r"\s+", "", poppler("pdftotext", "-raw", str(path), "-"))


def test_every_font_is_embedded_and_ours(draft_plan_pdf):
    rows = poppler("pdffonts", str(draft_plan_pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", row
        assert "Source-Sans-3" in name, row  # no fallback to a system font


def test_cover_has_no_running_header_or_footer(draft_pages):
    assert "Page 1 of" not in draft_pages[0]
    assert "Relationship Management Plan ·" not in draft_pages[0]


def test_footer_shows_page_x_of_y_version_and_content_hash(draft_pages):
    total = len(draft_pages)
    assert f"Page 2 of {total}" in draft_pages[1]
    assert f"v1.2 · SHA-256 {CONTENT_HASH}" in draft_pages[1]
    assert f"Page {total} of {total}" in draft_pages[-1]
    assert "Northwind–Contoso Logistics Alliance" in draft_pages[1]  # running header


def test_contents_give_the_page_each_section_starts_on(draft_pages):
    contents = draft_pages[1]
    for number, (_slug, title) in enumerate(SECTIONS, start=1):
        heading = f"{number}. {title}"
        match = re.search(re.escape(heading) + r"[ .]+(\d+)\s*$", contents, re.M)
        assert match, f"{heading} missing from the contents"
        page = int(match[1])
        assert re.search(r"^\s*" + re.escape(heading) + r"\s*$", draft_pages[page - 1], re.M), (
            f"{heading} is not on page {page}"
        )


def test_risk_table_header_repeats_on_every_page_it_spans(draft_pages):
    pages = [text for text in draft_pages if re.search(r"^\s*R-\d{3}\s", text, re.M)]
    assert len(pages) >= 10  # 300 rows
    for text in pages:
        assert re.search(r"Id\s+Category\s+Risk\s+Owner\s+L\s+I\s+Score\s+Mitigation", text)
    rows = {int(n) for text in pages for n in re.findall(r"^\s*R-(\d{3})\s", text, re.M)}
    assert rows == set(range(1, 301))  # no row lost or split across pages


def test_heat_map_svg_is_drawn(draft_pages):
    page = next(text for text in draft_pages if "Heat map" in text)
    assert "Likelihood" in page and "Impact" in page


def test_signature_page_has_one_empty_field_per_party(plan_pdf):
    assert pades.signature_field_names(plan_pdf) == [("Party1", False), ("Party2", False)]
    reader = pades.open_reader(plan_pdf)
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    rects = sorted(
        [float(v) for v in annot.get_object()["/Rect"]]
        for annot in last_page["/Annots"]
        if annot.get_object().get("/FT") == "/Sig"
    )
    assert len(rects) == 2
    (l1, b1, r1, t1), (l2, b2, r2, t2) = rects
    assert b1 == pytest.approx(b2) and t1 == pytest.approx(t2)  # side by side
    assert 80 < t1 - b1 < 100 and 200 < r1 - l1 < 260  # 32 mm high, half the text width
    assert l1 == pytest.approx(51.02, abs=0.1) and r2 == pytest.approx(544.25, abs=0.1)  # within 18 mm margins


def test_each_page_names_only_the_xobjects_it_draws(draft_plan_pdf):
    """Keeps pyHanko's modification analysis proportional to the file (see pdf._split_page_resources)."""
    reader = pades.open_reader(draft_plan_pdf.read_bytes())
    counts = []
    for page in reader.root["/Pages"]["/Kids"]:
        resources = page.get_object()["/Resources"]
        counts.append(len(resources.get("/XObject", {})))
    heat_map_pages = [n for n in counts if n]
    assert len(heat_map_pages) == 1 and heat_map_pages[0] > 10
    references = {page.get_object().raw_get("/Resources").reference for page in reader.root["/Pages"]["/Kids"]}
    assert len(references) == len(counts)


def test_importing_the_signing_modules_does_not_load_weasyprint_or_pyhanko():
    code = (
        "import sys, app.signing.rendering.pdf, app.signing.pades, app.signing.keys;"
        "print(sorted(m for m in ('weasyprint', 'pyhanko', 'fontTools') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
