"""The plan as a Word document, read back with python-docx: the PDF's headings, tables and text in
the same order, a version's hash and signature status, Markdown as real Word formatting, hostile
content kept as inert text, and the downloads behind the membership gate."""

import copy
import io
import re
import zipfile

import docx
from docx.oxml.ns import qn

from app.extensions import db
from app.plan_sections.registry import section_types
from app.plan_versions import pdfs
from app.plan_versions.word import MIME_TYPE, plan_docx
from tests.support.poppler import poppler

WORD_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def read(data: bytes) -> docx.Document:
    return docx.Document(io.BytesIO(data))


def squeeze(text: str) -> str:
    """Text without spaces, line breaks, case and the punctuation that sets values apart: PDF and
    Word break lines in different places, and the PDF's summaries set label and count apart by
    layout (and capitals) where Word writes "Open: 2"."""
    return re.sub(r"[\s():—·]+", "", text).lower()


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def item_tables(document) -> list:
    """The tables right under a second-level heading: the item kinds' tables."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    found, previous = [], None
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document._body)
            if paragraph.text.strip():
                previous = paragraph.style.name
        elif element.tag == qn("w:tbl"):
            if previous == "Heading 2":
                found.append(Table(element, document._body))
            previous = "table"
    return found


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-raw", str(path), "-")


def test_a_version_reads_like_its_pdf_same_headings_tables_and_text_in_order(versions, tmp_path):
    version = versions.issue()
    document = read(plan_docx(versions.partnership, version))
    text = pdf_text(pdfs.render_version(version), tmp_path)
    flat_pdf = squeeze(text)

    # Every section, in the plan's order, as a first-level heading; and in that order in the PDF.
    titles = [f"{t.number} {t.title}" for t in section_types()]
    assert headings(document, 1) == ["Contents", *titles, "Signatures"]
    positions = [flat_pdf.find(squeeze(title), flat_pdf.find(squeeze("Contents")) + 400) for title in titles]
    assert -1 not in positions and positions == sorted(positions)

    # Each item kind: a heading, then a table whose header row holds the PDF table's column labels
    # and is repeated on every page; every cell's text is in the PDF.
    tables = item_tables(document)
    assert len(tables) >= 10
    for table in tables:
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        for cell in header.cells:
            assert squeeze(cell.text) in flat_pdf, cell.text
        for row in table.rows[1:]:
            for cell in row.cells:
                for line in cell.text.split("\n"):
                    if line.strip() and line != "—":
                        assert squeeze(line) in flat_pdf, line
    for heading in headings(document, 2):
        label = re.sub(r" \(\d+\)$", "", heading)
        assert squeeze(label) in flat_pdf, heading

    # The sections' paragraphs (narratives, summaries) are the PDF's. The signature page differs by
    # design: the PDF has signature fields, Word states each party's signature.
    paragraphs = document.paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.text == titles[0])
    last = next(i for i, p in enumerate(paragraphs) if p.text == "Signatures" and p.style.name == "Heading 1")
    compared = [p.text for p in paragraphs[first:last] if p.text.strip()]
    assert len([p for p in compared if len(p) > 30]) >= 10
    for paragraph in compared:
        assert squeeze(paragraph) in flat_pdf, paragraph
    assert version.content_hash in text and version.content_hash in all_text(document)


def test_a_version_states_its_hash_and_who_signed_when_and_who_has_not(versions):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    document = read(plan_docx(versions.partnership, version))
    text = all_text(document)
    assert version.content_hash in text
    assert document.core_properties.identifier == version.content_hash
    assert document.core_properties.version == version.label
    status = document.tables[-1]
    assert [c.text for c in status.rows[0].cells] == ["Party", "Signature", "Signed by", "When", "How"]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in status.rows[1:]}
    signature = version.signatures[0]
    assert rows["Alpha Ltd"][1] == "Signed" and "Ada Admin" in rows["Alpha Ltd"][2]
    assert f"{signature.signed_at:%H:%M} UTC" in rows["Alpha Ltd"][3]
    assert rows["Beta GmbH"][1] == "Pending" and rows["Beta GmbH"][2] == ""

    from app.plan_versions import services

    services.decline_version(versions.member(versions.people.b.admin), version, "The exit terms are not agreed.")
    db.session.commit()
    rows = {row.cells[0].text: [c.text for c in row.cells]
            for row in read(plan_docx(versions.partnership, version)).tables[-1].rows[1:]}
    assert rows["Beta GmbH"][1] == "Declined" and "Bob Admin" in rows["Beta GmbH"][2]
    assert "The exit terms are not agreed." in rows["Beta GmbH"][4]
    assert rows["Alpha Ltd"][1] == "Signed"


def test_a_version_shows_its_frozen_content_not_later_edits(versions):
    version = versions.issue()
    content = copy.deepcopy(versions.section("communications").current_revision.content)
    content["narrative"] = "A later narrative the version never had."
    versions.save(versions.people.a.editor, "communications", content)
    frozen = all_text(read(plan_docx(versions.partnership, version)))
    working = all_text(read(plan_docx(versions.partnership, None)))
    assert "A later narrative" not in frozen and "A later narrative" in working
    assert "DRAFT" in read(plan_docx(versions.partnership, None)).sections[0].header.paragraphs[0].text


def test_markdown_becomes_word_formatting_not_raw_markdown(versions):
    content = copy.deepcopy(versions.section("communications").current_revision.content)
    content["narrative"] = (
        "### Rhythm\n\nWe meet **every Monday** and *review* [the board](https://example.com/board).\n\n"
        "1. Agenda\n2. Minutes\n\n- one\n- two\n\n1. Again from one\n"
    )
    versions.save(versions.people.a.editor, "communications", content)
    document = read(plan_docx(versions.partnership, None))
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Rhythm")
    assert paragraphs[start].style.name == "Heading 2"
    body = paragraphs[start + 1]
    assert body.text == "We meet every Monday and review the board."
    assert [r.text for r in body.runs if r.bold] == ["every Monday"]
    assert [r.text for r in body.runs if r.italic] == ["review"]
    [link] = body.hyperlinks
    assert link.text == "the board" and link.address == "https://example.com/board"
    styles = [(p.style.name, p.text) for p in paragraphs[start + 2:start + 7]]
    assert styles == [("List Number", "Agenda"), ("List Number", "Minutes"), ("List Bullet", "one"),
                      ("List Bullet", "two"), ("List Number", "Again from one")]
    # The second numbered list counts from one again: a numbering of its own.
    num_ids = [p._p.pPr.numPr.numId.val for p in (paragraphs[start + 2], paragraphs[start + 6])]
    assert num_ids[0] != num_ids[1]
    assert "**" not in all_text(document) and "###" not in all_text(document)


def test_hostile_content_stays_inert_text(versions):
    from tests.support.hostile import PAYLOADS

    content = copy.deepcopy(versions.section("communications").current_revision.content)
    content["narrative"] = "\n\n".join(PAYLOADS) + "\n\n[click](javascript:alert(1)) [file](file:///etc/passwd)"
    versions.save(versions.people.a.editor, "communications", content)
    risks = copy.deepcopy(versions.section("risk_assessment").current_revision.content)
    risks["items"]["risks"][0]["title"] = "=HYPERLINK(\"http://evil.example\") <script>alert(1)</script>"[:200]
    versions.save(versions.people.a.editor, "risk_assessment", risks)
    data = plan_docx(versions.partnership, None)
    document = read(data)
    text = all_text(document)
    shown = ("<script>alert('xss-1')</script>", "<img src=x onerror=alert(5)>", "<iframe src=javascript:alert(10)>")
    for payload in shown:
        assert payload in text  # shown as the text it is
    assert "50337" not in text  # no template evaluated it
    assert '=HYPERLINK("http://evil.example") <script>alert(1)</script>' in text
    # Links only to the addresses the sanitiser allows; no other external part, macro or field.
    relationships = document.part.rels.values()
    external = [r.target_ref for r in relationships if r.is_external]
    assert all(re.match(r"^(https?://|mailto:)", target) for target in external), external
    body = document.element.body
    assert body.findall(".//w:instrText", WORD_NS) == [] and body.findall(".//w:fldSimple", WORD_NS) == []
    assert body.findall(".//w:altChunk", WORD_NS) == []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert not [n for n in names if "vbaProject" in n or n.endswith(".bin")]


def test_the_heat_map_is_a_picture_with_its_description(versions):
    version = versions.issue()
    document = read(plan_docx(versions.partnership, version))
    [picture] = document.inline_shapes
    description = picture._inline.docPr.get("descr")
    assert description.startswith("Risk heat map: likelihood against impact.")
    assert "risk" in description and "impact" in description
    image = picture._inline.graphic.graphicData.pic.blipFill.blip.embed
    blob = document.part.related_parts[image].blob
    assert blob.startswith(b"\x89PNG")
    from PIL import Image

    assert Image.open(io.BytesIO(blob)).size[0] >= 1000  # sharp when printed


def test_downloads_are_attachments_for_every_member_and_404_outside(versions, client_as):
    version = versions.issue()
    partnership_id = versions.partnership.id
    for path in (f"/partnerships/{partnership_id}/versions/{version.id}/docx",
                 f"/partnerships/{partnership_id}/plan/draft.docx"):
        response = client_as(versions.people.b.viewer).get(path)
        assert response.status_code == 200
        assert response.mimetype == MIME_TYPE
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and ".docx" in disposition
        assert response.headers["Cache-Control"] == "private, no-store"
        document = read(response.get_data())
        assert document.core_properties.last_modified_by == "Beta GmbH"
        assert client_as(versions.people.outsider).get(path).status_code == 404
    page = client_as(versions.people.b.viewer).get(f"/partnerships/{partnership_id}/versions/{version.id}")
    assert f"/versions/{version.id}/docx" in page.get_data(as_text=True)
    index = client_as(versions.people.b.viewer).get(f"/partnerships/{partnership_id}/versions")
    assert "/plan/draft.docx" in index.get_data(as_text=True) and "Download Word" in index.get_data(as_text=True)


def test_a_plan_nobody_wrote_yet_says_so_in_every_section(two_parties):
    document = read(plan_docx(two_parties.partnership, None))
    assert all_text(document).count("Nobody has written this section yet.") == len(section_types())
    assert document.core_properties.title.endswith("Relationship Management Plan Working draft")


def test_the_longest_names_fit_the_files_properties(versions):
    """Word keeps at most 255 characters in a property; three parties' names together can be
    longer (the export answered 500 for such a partnership)."""
    from tests.support.factories import admit_party

    versions.people.a.party.organisation.name = "Alpha " + "A" * 114
    versions.people.b.party.organisation.name = "Beta " + "B" * 115
    admit_party(versions.partnership, "Gamma " + "G" * 114)
    db.session.commit()
    properties = read(plan_docx(versions.partnership, None)).core_properties
    assert len(properties.author) == 255 and properties.author.startswith("Alpha AAA") and properties.author[-1] == "…"
    assert all(len(value) <= 255 for value in (properties.title, properties.keywords, properties.last_modified_by))
