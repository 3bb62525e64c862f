"""Sanitised HTML (narratives rendered from Markdown, and the few marked-up values item cells
show) written into a Word document as real paragraphs, headings, lists, tables, bold, italic
and links: never as raw Markdown or tags.

Only what `app.markdown` lets through arrives here (h3–h6, p, br, hr, em, strong, del, lists,
tables, a, code, pre, blockquote) plus spans of the app's own cell markup. Anything else keeps
its text and loses its tag, so nothing typed is dropped and nothing becomes active: text goes
into the document as text, links only with the http, https and mailto addresses the sanitiser
allowed.
"""

import re
from html.parser import HTMLParser

from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

LINK_COLOUR = RGBColor(0x1F, 0x4E, 0xA8)
MUTED = RGBColor(0x5B, 0x64, 0x75)
NARRATIVE_TABLE_WIDTH_CM = 17.0
CODE_FONT = "Consolas"
SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# XML 1.0 refuses these; the app refuses them on input, and a stray one must not break an export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Elements whose text a reader never sees in the PDF either.
HIDDEN_CLASSES = {"visually-hidden"}
# Inline spans that read as separate words (a score and its factors) or lines (per-party text).
SPACED_CLASSES = {"score__factors"}
LINE_CLASSES = {"per-party"}


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


# python-docx finds a style by name by walking every style of the document, each time: a large
# plan sets thousands of paragraph styles, so each name is looked up once per document.
def set_style(paragraph, name: str | None) -> None:
    if name is None:
        return
    part = paragraph.part
    ids = part.__dict__.setdefault("_style_ids", {})
    if name not in ids:
        ids[name] = part.styles[name].style_id
    p = paragraph._p
    if p.pPr is None:  # the usual case, written directly: python-docx's setter is slow
        properties, style = OxmlElement("w:pPr"), OxmlElement("w:pStyle")
        style.set(qn("w:val"), ids[name])
        properties.append(style)
        p.insert(0, properties)
    else:
        p.style = ids[name]


def paragraph_in(container, text: str = "", style: str | None = None):
    """A new paragraph at the end of `container` (the document body or a table cell)."""
    paragraph = container.add_paragraph(xml_text(text) if text else "")
    set_style(paragraph, style)
    return paragraph


def new_row(table) -> tuple:
    """A row appended to `table` (cells as wide as the grid's columns), and its cells.

    Written with lxml directly: python-docx's add_row looks for the elements that may follow a
    row by scanning every row already there, and row.cells reads every cell of the table, so a
    500-row register took seconds."""
    from docx.table import _Cell, _Row

    tbl = table._tbl
    widths = [str(round(column.w / 635)) if column.w is not None else "0" for column in tbl.tblGrid.gridCol_lst] \
        if not hasattr(table, "_twips") else table._twips
    table._twips = widths
    tr, row_properties = OxmlElement("w:tr"), OxmlElement("w:trPr")
    row_properties.append(OxmlElement("w:cantSplit"))  # a row stays on one page (unless taller than one)
    tr.append(row_properties)
    cells = []
    for twips in widths:
        tc, properties, width = OxmlElement("w:tc"), OxmlElement("w:tcPr"), OxmlElement("w:tcW")
        width.set(qn("w:w"), twips)
        width.set(qn("w:type"), "dxa")
        properties.append(width)
        tc.append(properties)
        tc.append(OxmlElement("w:p"))
        tr.append(tc)
        cells.append(_Cell(tc, table))
    tbl.append(tr)
    return _Row(tr, table), cells


def add_hyperlink(paragraph, url: str, text: str, *, bold=False, italic=False):
    """A clickable external link (python-docx has no API for it: the run sits in w:hyperlink)."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = paragraph.add_run(xml_text(text))
    run.font.color.rgb = LINK_COLOUR
    run.font.underline = True
    run.bold, run.italic = bold or None, italic or None
    link.append(run._r)
    paragraph._p.append(link)
    return run


def add_internal_link(paragraph, anchor: str, text: str):
    """A link to a bookmark of the same document (the contents page)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    run = paragraph.add_run(xml_text(text))
    link.append(run._r)
    paragraph._p.append(link)
    return run


def add_bookmark(paragraph, name: str, bookmark_id: int) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(bookmark_id))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def restart_numbering(document, paragraph, start: int = 1) -> int:
    """Give `paragraph` (styled "List Number") a numbering of its own, starting at `start`, so a
    second numbered list counts from 1 again; returns the numbering id its items share."""
    numbering = document.part.numbering_part.numbering_definitions._numbering
    style_num = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(style_num).abstractNumId.val
    num = numbering.add_num(abstract)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    set_numbering(paragraph, num.numId)
    return num.numId


def set_numbering(paragraph, num_id: int, level: int = 0) -> None:
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = level
    numbering.get_or_add_numId().val = num_id


class _Writer(HTMLParser):
    """Walks the HTML once, keeping the open inline formats and the list nesting."""

    def __init__(self, document, container, heading_offset: int, paragraph=None, text_style=None):
        super().__init__(convert_charrefs=True)
        self.document, self.container = document, container
        self.heading_offset = heading_offset
        self.paragraph = paragraph  # the paragraph runs go into (None: start one on first text)
        self.text_style = text_style
        self.stack: list[tuple[str, set[str]]] = []
        self.formats: list[str] = []  # "b", "i", "s", "code"
        self.link: str | None = None
        self.lists: list[dict] = []  # {"ordered": bool, "start": int, "num_id": int | None}
        self.table = None  # {"rows": [[(text_html, header)]], "cell": [...]}
        self.hidden = 0
        self.quote = 0
        self.pre = False
        self.pending_space = self.line_start = False

    # -- paragraphs -------------------------------------------------------------------
    def new_paragraph(self, style=None):
        self.paragraph = paragraph_in(self.container, style=style or self.text_style)
        self.pending_space = False
        if self.quote:
            self.paragraph.paragraph_format.left_indent = Pt(18)
            self.paragraph.paragraph_format.right_indent = Pt(18)
        return self.paragraph

    def current(self):
        return self.paragraph if self.paragraph is not None else self.new_paragraph()

    def end_paragraph(self):
        self.paragraph = None

    # -- tags --------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        self.stack.append((tag, classes))
        if self.hidden or classes & HIDDEN_CLASSES:
            self.hidden += 1
            return
        if self.table is not None and tag not in ("tr", "td", "th", "thead", "tbody", "table"):
            return self.table_inline_start(tag, attrs)
        if tag in ("p", "h3", "h4", "h5", "h6", "pre"):
            level = int(tag[1]) - self.heading_offset if tag[0] == "h" else None
            self.new_paragraph(f"Heading {max(1, min(level, 9))}" if level else None)
            if tag == "pre":
                self.pre = True
                self.formats.append("code")
        elif tag in ("ul", "ol"):
            self.end_paragraph()
            start = attributes.get("start") or "1"
            self.lists.append({"ordered": tag == "ol", "start": int(start) if start.isdigit() else 1,
                               "num_id": None})
        elif tag == "li":
            self.start_item()
        elif tag == "blockquote":
            self.end_paragraph()
            self.quote += 1
        elif tag == "hr":
            paragraph = self.new_paragraph()
            _bottom_border(paragraph)
            self.end_paragraph()
        elif tag == "br":
            self.current().add_run().add_break(WD_BREAK.LINE)
            self.line_start = True
        elif tag == "table":
            self.end_paragraph()
            self.table = {"rows": [], "cell": None}
        elif tag == "tr" and self.table is not None:
            self.table["rows"].append([])
        elif tag in ("td", "th") and self.table is not None:
            if not self.table["rows"]:
                self.table["rows"].append([])
            self.table["cell"] = []
        elif tag in ("strong", "b"):
            self.formats.append("b")
        elif tag == "em":
            self.formats.append("i")
        elif tag == "del":
            self.formats.append("s")
        elif tag == "code":
            self.formats.append("code")
        elif tag == "a":
            href = attributes.get("href") or ""
            self.link = href if SAFE_LINK.match(href) else None
        elif tag == "span":
            if classes & LINE_CLASSES and self.paragraph is not None and self.paragraph.runs:
                self.paragraph.add_run().add_break(WD_BREAK.LINE)
            elif classes & SPACED_CLASSES:
                self.pending_space = True
            if classes & {"per-party__who"}:
                self.formats.append("b")

    def handle_endtag(self, tag):
        # Close up to the matching open tag (sanitised HTML is well formed; be lenient anyway).
        while self.stack:
            open_tag, classes = self.stack.pop()
            self.close_element(open_tag, classes)
            if open_tag == tag:
                break

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def close_element(self, tag, classes):
        if self.hidden:
            self.hidden -= 1
            return
        if self.table is not None and tag not in ("tr", "td", "th", "thead", "tbody", "table"):
            return self.table_inline_end(tag)
        if tag in ("p", "h3", "h4", "h5", "h6", "li"):
            self.end_paragraph()
        elif tag == "pre":
            self.pre = False
            self._pop_format("code")
            self.end_paragraph()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.end_paragraph()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.end_paragraph()
        elif tag in ("strong", "b"):
            self._pop_format("b")
        elif tag == "em":
            self._pop_format("i")
        elif tag == "del":
            self._pop_format("s")
        elif tag == "code":
            self._pop_format("code")
        elif tag == "a":
            self.link = None
        elif tag == "span" and "per-party__who" in classes:
            self._pop_format("b")
        elif tag == "table":
            self.finish_table()
        elif tag in ("td", "th") and self.table and self.table["cell"] is not None:
            self.table["rows"][-1].append(("".join(self.table["cell"]), tag == "th"))
            self.table["cell"] = None

    def _pop_format(self, name):
        for index in range(len(self.formats) - 1, -1, -1):
            if self.formats[index] == name:
                del self.formats[index]
                return

    def start_item(self):
        if not self.lists:  # a stray <li>: a bullet all the same
            self.lists.append({"ordered": False, "start": 1, "num_id": None})
        current = self.lists[-1]
        depth = min(len(self.lists), 3)
        base = "List Number" if current["ordered"] else "List Bullet"
        style = base if depth == 1 else f"{base} {depth}"
        paragraph = self.new_paragraph(style)
        if current["ordered"] and depth == 1:
            if current["num_id"] is None:
                current["num_id"] = restart_numbering(self.document, paragraph, current["start"])
            else:
                set_numbering(paragraph, current["num_id"])

    # -- text ----------------------------------------------------------------------------
    def handle_data(self, data):
        if self.hidden:
            return
        if self.table is not None:
            if self.table["cell"] is not None:
                self.table["cell"].append(_escape(data))
            return
        if not self.pre:
            if self.paragraph is None and not data.strip():
                return  # whitespace between blocks
            data = re.sub(r"\s+", " ", data)
            if self.paragraph is None or not self.paragraph.runs or self.line_start:
                data = data.lstrip()
        else:
            data = data.rstrip("\n")  # the code block's closing newline
        if not data:
            return
        paragraph = self.current()
        if self.pending_space and paragraph.runs and not data.startswith(" "):
            data = " " + data
        self.pending_space = self.line_start = False
        if self.pre:
            lines = data.split("\n")
            for number, line in enumerate(lines):
                if number:
                    paragraph.add_run().add_break(WD_BREAK.LINE)
                if line:
                    self.add_run(paragraph, line)
            return
        self.add_run(paragraph, data)

    def add_run(self, paragraph, text):
        bold, italic = "b" in self.formats, "i" in self.formats
        if self.link:
            run = add_hyperlink(paragraph, self.link, text, bold=bold, italic=italic)
        else:
            run = paragraph.add_run(xml_text(text))
            run.bold, run.italic = bold or None, italic or None
        if "s" in self.formats:
            run.font.strike = True
        if "code" in self.formats:
            run.font.name = CODE_FONT
            run.font.size = Pt(9)
        return run

    # -- tables inside a narrative --------------------------------------------------------
    def table_inline_start(self, tag, attrs):
        if self.table["cell"] is not None:
            attributes = "".join(f' {name}="{_escape(value or "")}"' for name, value in attrs)
            self.table["cell"].append(f"<{tag}{attributes}>")

    def table_inline_end(self, tag):
        if self.table["cell"] is not None:
            self.table["cell"].append(f"</{tag}>")

    def finish_table(self):
        rows = [row for row in self.table["rows"] if row]
        self.table = None
        if not rows:
            return
        columns = max(len(row) for row in rows)
        widths = [NARRATIVE_TABLE_WIDTH_CM / columns] * columns
        table = self.container.add_table(rows=0, cols=columns)
        style_table(table, widths)
        for number, row_cells in enumerate(rows):
            row, cells = new_row(table)
            if number == 0 and all(is_header for _text, is_header in row_cells):
                repeat_header(row)
            for index, (html, is_header) in enumerate(row_cells):
                cell = cells[index]
                if is_header:
                    shade(cell)
                append_inline(self.document, cell.paragraphs[0], html, bold=is_header)
        paragraph_in(self.container, style="Table Gap")
        self.end_paragraph()

    def finish(self):
        self.close()
        while self.stack:
            tag, classes = self.stack.pop()
            self.close_element(tag, classes)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _bottom_border(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "C9CED8")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


BORDER_COLOUR = "C9CED8"
HEADER_FILL = "EEF1F5"


def style_table(table, widths_cm: list[float]) -> None:
    """Light borders and fixed column widths: the grid's, which every row added later copies
    into its cells (Word reads the cells', LibreOffice the grid's)."""
    from docx.shared import Cm

    table.autofit = False
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for name, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", BORDER_COLOUR)):
            element.set(qn(name), value)
        borders.append(element)
    properties.append(borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    for column, width in zip(table.columns, widths_cm, strict=False):
        column.width = Cm(width)


def shade(cell, fill: str = HEADER_FILL) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def header_row(table, labels: list[str], widths_cm: list[float], numeric: list[bool] | None = None):
    """The table's first row: bold labels on a light fill, repeated on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    row, cells = new_row(table)
    repeat_header(row)
    for index, (cell, label) in enumerate(zip(cells, labels, strict=False)):
        shade(cell)
        paragraph = cell.paragraphs[0]
        set_style(paragraph, "Table Text")
        paragraph.add_run(xml_text(label)).bold = True
        if numeric and numeric[index]:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return row


def simple_table(document, header: list[str], rows: list[list[str]], widths_cm: list[float]):
    """A table of plain text with a header row; newlines in a value become line breaks."""
    table = document.add_table(rows=0, cols=len(header))
    style_table(table, widths_cm)
    header_row(table, header, widths_cm)
    for values in rows:
        _row, cells = new_row(table)
        for cell, value in zip(cells, values, strict=False):
            paragraph = cell.paragraphs[0]
            set_style(paragraph, "Table Text")
            for number, line in enumerate(str(value).split("\n")):
                if number:
                    paragraph.add_run().add_break(WD_BREAK.LINE)
                paragraph.add_run(xml_text(line))
    paragraph_in(document, style="Table Gap")
    return table


def repeat_header(row) -> None:
    """Mark a table row as its header: Word and LibreOffice repeat it on every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def append_html(document, container, html: str, *, heading_offset: int = 1, text_style=None) -> None:
    """Block HTML (a narrative) appended to `container` (the document body or a table cell).

    `heading_offset` maps the narrative's h3… to Word's heading levels: a narrative's h3 sits
    under the section's heading (Heading 1), so h3 becomes Heading 2 with an offset of 1.
    """
    writer = _Writer(document, container, heading_offset, text_style=text_style)
    writer.feed(html)
    writer.finish()


def append_inline(document, paragraph, html: str, *, bold: bool = False) -> None:
    """Inline HTML (a cell's marked-up value: a link, a score, per-party text) into `paragraph`."""
    writer = _Writer(document, paragraph._parent, 2, paragraph=paragraph)
    if bold:
        writer.formats.append("b")
    # Block tags inside a cell become line breaks rather than new paragraphs.
    html = re.sub(r"</(p|li|h[3-6])>\s*<(p|li|h[3-6])\b[^>]*>", "<br>", html)
    html = re.sub(r"</?(p|ul|ol|li|h[3-6]|blockquote|pre)\b[^>]*>", "", html)
    writer.feed(html)
    writer.finish()
