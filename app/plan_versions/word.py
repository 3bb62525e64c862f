"""The plan as a Word document (DOCX): the working plan or any plan version, with the content
and order of its PDF, for the partners who carry on working in Word.

It reads the same `document_context` the PDF's HTML is built from, so it shows the same things
under the same visibility rules: a version its frozen revisions and the parties it was issued to,
the working plan its current revisions. What differs is only what a Word file cannot carry: the
PAdES signatures (the signature page states each party's signature instead: who signed, when,
who declined and why, who has not signed yet) and the PDF's page-numbered contents (here a list
linking to each section; Word's navigation pane lists the headings too).

Built in the request: python-docx writes a large plan in well under a second (see the README),
far from the seconds WeasyPrint needs to lay out the PDF, so the file downloads at once.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from markupsafe import Markup

from app.partnerships.models import Partnership
from app.plan_sections.display import SectionBody
from app.plan_versions import services
from app.plan_versions.document import document_context, utc_date, utc_time
from app.plan_versions.models import PlanVersion
from app.plan_versions.word_markup import (
    MUTED,
    add_bookmark,
    add_internal_link,
    append_html,
    append_inline,
    header_row,
    new_row,
    paragraph_in,
    set_style,
    style_table,
    xml_text,
)
from app.plan_versions.word_summaries import SUMMARY_WRITERS

MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Calibri"  # Word's own; LibreOffice reads it as the metric-compatible Carlito
INK = RGBColor(0x1D, 0x24, 0x33)
ACCENT = RGBColor(0x1F, 0x4E, 0xA8)
PAGE_WIDTH_CM, MARGIN_CM = 21.0, 2.0
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
CHAR_CM = 0.19  # the width of a character of 9 pt table text, roughly (bold headers a little wider)


def plan_docx(partnership: Partnership, version: PlanVersion | None = None, *, exported_by: str | None = None) -> bytes:
    """The DOCX of `version` (or of the working plan when None), as bytes.

    `exported_by` (the downloading person's organisation) is recorded as the file's last
    author; the plan's author is its parties, as in the PDF.
    """
    context = document_context(partnership, version, draft=version is None)
    document = Document()
    _set_up(document, context, exported_by)
    _cover(document, context)
    _contents(document, context)
    for number, body in enumerate(context["sections"], start=1):
        _section(document, body, number)
    _signatures(document, context)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- page, styles, properties -------------------------------------------------------------

def _font(style, name: str = FONT, size: float | None = None, bold: bool | None = None, colour=None) -> None:
    """Set a style's font for every script, dropping the template's theme fonts (which win
    over a named font in Word)."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if colour is not None:
        style.font.color.rgb = colour


def _set_up(document, context: dict, exported_by: str | None) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    section.different_first_page_header_footer = True  # the cover has no header or footer

    styles = document.styles
    normal = styles["Normal"]
    _font(normal, size=10.5, colour=INK)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, before, after in (("Heading 1", 18, 0, 6), ("Heading 2", 13, 14, 4), ("Heading 3", 11, 10, 3),
                                      ("Heading 4", 10.5, 8, 2)):
        style = styles[name]
        _font(style, size=size, bold=True, colour=INK)
        style.font.italic = False
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(after)
        style.paragraph_format.keep_with_next = True
    _font(styles["Title"], size=28, bold=True, colour=INK)
    styles["Title"].paragraph_format.space_after = Pt(4)
    title_border = styles["Title"].element.pPr.find(qn("w:pBdr"))
    if title_border is not None:  # the template underlines the title; the cover needs no rule
        styles["Title"].element.pPr.remove(title_border)
    _font(styles["Subtitle"], size=14, colour=MUTED)
    styles["Subtitle"].font.italic = False
    _font(styles["Caption"], size=9.5, bold=True, colour=INK)
    styles["Caption"].font.italic = False
    for name in ("List Bullet", "List Bullet 2", "List Bullet 3", "List Number", "List Number 2", "List Number 3"):
        styles[name].paragraph_format.space_after = Pt(2)
    cell_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell_text.base_style = normal
    cell_text.font.size = Pt(9)
    cell_text.paragraph_format.space_after = Pt(0)
    cell_text.paragraph_format.line_spacing = 1.0
    gap = styles.add_style("Table Gap", WD_STYLE_TYPE.PARAGRAPH)
    gap.base_style = normal
    gap.font.size = Pt(4)
    gap.paragraph_format.space_after = Pt(4)
    meta = styles.add_style("Section Meta", WD_STYLE_TYPE.PARAGRAPH)
    meta.base_style = normal
    meta.font.size, meta.font.color.rgb = Pt(9.5), MUTED
    meta.paragraph_format.space_after = Pt(10)

    partnership = context["partnership"]
    label = context["label"]
    properties = document.core_properties
    properties.title = _property(f"{partnership.name} — Relationship Management Plan {label}")
    properties.subject = _property(f"Enterprise Relationship Management Plan, {label}")
    properties.author = _property(", ".join(party.name for party in context["parties"]))
    properties.last_modified_by = _property(exported_by or properties.author)
    properties.keywords = _property(", ".join(["ERMP", "relationship management plan", label, partnership.name]))
    properties.category = "Enterprise Relationship Management Plan"
    properties.comments = f"Content SHA-256 {context['content_hash']}"
    properties.content_status = context["status"]
    properties.identifier = context["content_hash"]
    properties.version = label
    properties.language = "en-GB"
    properties.created = properties.modified = context["generated_at"].replace(tzinfo=None)
    properties.revision = 1
    _header_footer(section, context)


def _property(text: str) -> str:
    """Word's core properties hold at most 255 characters; names joined together can be longer."""
    return text if len(text) <= 255 else text[:254] + "…"


def _field(paragraph, instruction: str) -> None:
    """A field Word and LibreOffice fill in when they lay out the page (PAGE, NUMPAGES)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _header_footer(section, context: dict) -> None:
    header = section.header.paragraphs[0]
    header.text = ""
    run = header.add_run(xml_text(f"{context['partnership'].name} · Relationship Management Plan {context['label']}"))
    run.font.size, run.font.color.rgb = Pt(8.5), MUTED
    if context["draft"]:
        draft = header.add_run("   DRAFT — the working plan, not a signed version")
        draft.font.size, draft.bold = Pt(8.5), True
        draft.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    hash_run = footer.add_run(f"SHA-256 {context['content_hash']}")
    hash_run.font.size, hash_run.font.color.rgb = Pt(7.5), MUTED
    page = section.footer.add_paragraph()
    page.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    page.add_run("Page ").font.size = Pt(8.5)
    _field(page, "PAGE")
    page.add_run(" of ").font.size = Pt(8.5)
    _field(page, "NUMPAGES")


# -- cover and contents ---------------------------------------------------------------------

def _cover(document, context: dict) -> None:
    partnership, version = context["partnership"], context["version"]
    brand = document.add_paragraph()
    brand_run = brand.add_run("Jointly")
    brand_run.bold, brand_run.font.size, brand_run.font.color.rgb = True, Pt(12), ACCENT
    brand.paragraph_format.space_after = Pt(72)
    paragraph_in(document, partnership.name, "Title")
    paragraph_in(document, "Enterprise Relationship Management Plan", "Subtitle")
    parties = document.add_paragraph()
    parties.paragraph_format.space_before, parties.paragraph_format.space_after = Pt(12), Pt(24)
    for number, party in enumerate(context["parties"]):
        if number:
            parties.add_run().add_break(WD_BREAK.LINE)
        parties.add_run(xml_text(party.name)).font.size = Pt(12.5)

    facts = [("Version", context["label"])]
    if version is not None:
        facts += [
            ("Issued", f"{utc_date(version.issued_at)} by {version.issued_by.full_name} "
                       f"({version.issued_by_party.name})"),
            ("What changed", version.summary),
            ("Status", context["status"]),
        ]
    else:
        facts.append(("Printed", utc_time(context["generated_at"])))
    facts += [
        ("Partnership type", f"{partnership.type_label} · since {utc_date(partnership.start_date)}"),
        ("Content SHA-256", context["content_hash"]),
    ]
    table = document.add_table(rows=0, cols=2)
    widths = [4.0, TEXT_WIDTH_CM - 4.0]
    style_table(table, widths)
    for label, value in facts:
        _row, (term, detail) = new_row(table)
        term.paragraphs[0].add_run(label).bold = True
        _plain_lines(detail.paragraphs[0], value)
        if label == "Content SHA-256":
            detail.paragraphs[0].runs[0].font.name = "Consolas"
            detail.paragraphs[0].runs[0].font.size = Pt(9)
    status = document.add_paragraph()
    status.paragraph_format.space_before = Pt(18)
    if version is not None:
        names = _join([party.name for party in context["parties"]])
        status.add_run(xml_text(
            f"Issued for signature by {names}. The signature page at the end states who has signed, and when. "
            "The signed record is the version's PDF, which carries each party's digital signature; this Word "
            "copy has the same content and no signatures."
        ))
    else:
        status.add_run("A draft of the working plan, not a signed version: it binds nobody.")
    status.runs[0].font.color.rgb = MUTED


def _contents(document, context: dict) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    paragraph_in(document, "Contents", "Heading 1")
    for number, body in enumerate(context["sections"], start=1):
        section_type = body.type
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(3)
        add_internal_link(paragraph, _anchor(number), f"{section_type.number}. {section_type.title}")
    add_internal_link(document.add_paragraph(), "signatures", "Signatures")


def _anchor(number: int) -> str:
    return f"section_{number}"


# -- sections ---------------------------------------------------------------------------------

def _section(document, body: SectionBody, number: int) -> None:
    section_type = body.type
    heading = paragraph_in(document, style="Heading 1")
    heading.paragraph_format.page_break_before = True
    heading.add_run(f"{section_type.number} ")
    heading.add_run(xml_text(section_type.title))
    add_bookmark(heading, _anchor(number), number)
    meta = f"{section_type.subtitle}"
    if body.revision is not None:
        revision = body.revision
        meta += (f" · revision {revision.number}, last changed by {revision.author.full_name} "
                 f"({revision.author_party.name}) on {utc_date(revision.created_at)}")
    else:
        meta += " · not written"
    paragraph_in(document, meta, "Section Meta")

    if body.narrative_html:
        append_html(document, document, body.narrative_html, heading_offset=1)
    elif not body.is_started:
        paragraph = document.add_paragraph()
        paragraph.add_run("Nobody has written this section yet.").bold = True
        paragraph.add_run(" " + section_type.guidance)
    if body.summary is not None and body.is_started and section_type.key in SUMMARY_WRITERS:
        SUMMARY_WRITERS[section_type.key](document, body.summary)
    if body.facts:
        _facts(document, body.facts)
    if body.is_started:
        for table in body.tables:
            _item_table(document, table)


def _facts(document, facts) -> None:
    table = document.add_table(rows=0, cols=2)
    widths = [4.5, TEXT_WIDTH_CM - 4.5]
    style_table(table, widths)
    for fact in facts:
        _row, (term, detail) = new_row(table)
        set_style(term.paragraphs[0], "Table Text")
        term.paragraphs[0].add_run(xml_text(fact.label)).bold = True
        set_style(detail.paragraphs[0], "Table Text")
        _value(document, detail.paragraphs[0], fact.value)
    paragraph_in(document, style="Table Gap")


def _item_table(document, table) -> None:
    kind = table.kind
    heading = paragraph_in(document, style="Heading 2")
    heading.add_run(xml_text(kind.label))
    count = heading.add_run(f" ({len(table.rows)})")
    count.font.color.rgb = MUTED
    if not table.rows:
        document.add_paragraph(xml_text(f"No {kind.label.lower()} yet."))
        return
    columns = table.columns
    title_name = kind.title if kind.title in kind.columns else kind.columns[0]
    widths = _column_widths(table, title_name)
    numeric = [column.numeric for column in columns]
    word_table = document.add_table(rows=0, cols=len(columns))
    word_table.alignment = WD_TABLE_ALIGNMENT.LEFT
    style_table(word_table, widths)
    header_row(word_table, [column.label for column in columns], widths, numeric)
    for item in table.rows:
        _row, cells = new_row(word_table)
        for cell, column in zip(cells, columns, strict=True):
            paragraph = cell.paragraphs[0]
            set_style(paragraph, "Table Text")
            if column.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if column.name == title_name:
                paragraph.add_run(xml_text(_plain(item.cells[column.name]))).bold = True
                for detail in item.details:
                    line = paragraph_in(cell, style="Table Text")
                    line.paragraph_format.space_before = Pt(2)
                    label = line.add_run(xml_text(f"{detail.label}: "))
                    label.font.color.rgb = MUTED
                    _value(document, line, detail.value)
            else:
                _value(document, paragraph, item.cells[column.name], empty="—")
    paragraph_in(document, style="Table Gap")


def _column_widths(table, title_name: str) -> list[float]:
    """Column widths from what the columns hold: each at least as wide as its longest word (no
    word broken across lines), the rest of the page shared by how much text each holds; the
    title column, which also holds an item's details, gets more."""
    minimums, weights = [], []
    for column in table.columns:
        texts = [_plain(row.cells[column.name]) for row in table.rows[:200]]
        words = [len(word) for text in [column.label, *texts] for word in text.split()]
        minimum = max(1.3, min(max(words, default=4), 22) * CHAR_CM + 0.3)
        weight = max(4.0, sum(len(text) for text in texts) / max(len(texts), 1)) ** 0.5
        if column.name == title_name:
            minimum, weight = max(minimum, 4.2), weight * 2
        minimums.append(minimum)
        weights.append(weight)
    if sum(minimums) >= TEXT_WIDTH_CM:
        return [width * TEXT_WIDTH_CM / sum(minimums) for width in minimums]
    extra = TEXT_WIDTH_CM - sum(minimums)
    return [minimum + extra * weight / sum(weights) for minimum, weight in zip(minimums, weights, strict=True)]


def _plain(value) -> str:
    if isinstance(value, Markup):
        return value.striptags()
    return "" if value is None else str(value)


def _value(document, paragraph, value, empty: str = "") -> None:
    if isinstance(value, Markup):
        append_inline(document, paragraph, str(value))
    elif value in (None, ""):
        if empty:
            paragraph.add_run(empty).font.color.rgb = MUTED
    else:
        _plain_lines(paragraph, str(value))


def _plain_lines(paragraph, text: str) -> None:
    for number, line in enumerate(text.split("\n")):
        if number:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run(xml_text(line))


# -- signatures ---------------------------------------------------------------------------------

def signature_rows(version: PlanVersion) -> list[list[str]]:
    """Per party the version was issued to: [party, status, who, when (UTC), note]."""
    signed = {signature.party_id: signature for signature in version.signatures}
    rows = []
    for party in services.parties_of_version(version):
        signature = signed.get(party.id)
        if signature is not None:
            typed = "" if signature.typed_name == signature.signer.full_name else f" (typed “{signature.typed_name}”)"
            rows.append([party.name, "Signed", f"{signature.signer.full_name}{typed}",
                         utc_time(signature.signed_at), _auth_label(signature.auth_method)])
        elif version.status == "declined" and version.closed_party_id == party.id:
            rows.append([party.name, "Declined", version.closed_by.full_name if version.closed_by else "",
                         utc_time(version.closed_at), f"Reason: {version.close_reason or ''}"])
        elif version.status == "withdrawn":
            rows.append([party.name, "Not signed: the version was withdrawn", "", "", ""])
        elif version.status == "declined":
            rows.append([party.name, "Not signed: another party declined", "", "", ""])
        else:
            rows.append([party.name, "Pending", "", "", "Awaiting this party's signatory"])
    return rows


def _auth_label(method: str) -> str:
    return "Password and two-factor code" if method == "password+totp" else "Password"


def _signatures(document, context: dict) -> None:
    version = context["version"]
    heading = paragraph_in(document, "Signatures", "Heading 1")
    heading.paragraph_format.page_break_before = True
    add_bookmark(heading, "signatures", 0)
    if version is None:
        document.add_paragraph("This draft has no signatures. Signatures are given on issued plan versions only.")
        return
    document.add_paragraph(xml_text(
        f"Version {version.label} of this plan binds the parties once an authorised signatory of every party "
        "has signed it. Each signatory re-entered their password, typed their full name and confirmed this "
        f"statement: “I sign version {version.label} of this partnership's Enterprise Relationship Management "
        f"Plan (content SHA-256 {version.content_hash}) on behalf of my organisation, and confirm that it is the "
        "plan our organisations have agreed.”"
    ))
    status = document.add_paragraph()
    status.add_run(f"Status on {utc_time(context['generated_at'])}: ").bold = True
    status.add_run(xml_text(context["status"]))
    if version.status == "signed" and version.signed_at is not None:
        status.add_run(f", signed by every party on {utc_time(version.signed_at)}")
    status.add_run(".")
    widths = [3.6, 2.6, 4.2, 3.4, TEXT_WIDTH_CM - 13.8]
    table = document.add_table(rows=0, cols=5)
    style_table(table, widths)
    header_row(table, ["Party", "Signature", "Signed by", "When", "How"], widths)
    for values in signature_rows(version):
        _row, cells = new_row(table)
        for cell, value in zip(cells, values, strict=True):
            set_style(cell.paragraphs[0], "Table Text")
            _plain_lines(cell.paragraphs[0], value)
        cells[1].paragraphs[0].runs[0].bold = True
    note = paragraph_in(document, style="Section Meta")
    note.paragraph_format.space_before = Pt(10)
    note.add_run(
        "The digital signatures are in the version's PDF: each party's PAdES signature covers that file, and any "
        "change to it invalidates them. Check a copy at the Jointly verification page or with any PDF signature "
        "validator. This Word copy is for reading and working with; it is not the signed record."
    )


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
