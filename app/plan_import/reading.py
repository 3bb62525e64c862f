"""Reading an uploaded plan (a Word document or a Markdown file) into plain blocks.

The file is recognised by its contents, never its name: a DOCX is a zip archive holding
`[Content_Types].xml` and `word/document.xml`; a password-protected Word file is an OLE
compound file (Word encrypts into one), refused with its own message; anything else must be
UTF-8 text to be read as Markdown. Before a DOCX is expanded its directory is checked: the
declared sizes and compression ratios bound what expanding it can cost (Python's zipfile
never returns more than a member declares, so a lying archive fails its CRC instead), and
XML that declares entities is refused before any parser sees it. Word goes to HTML with
mammoth (images are left out without being read), and that HTML to blocks here.

A block is JSON-ready: {"type": "heading", "level": n, "text": …}, {"type": "text",
"markdown": …} or {"type": "table", "rows": [[cell, …], …]} (the first row is the header).
"""

import io
import json
import re
import sys
import zipfile
from html.parser import HTMLParser

from app.limited import ChildFailed, LimitReached, Limits, run_limited, serve
from app.rules import RuleViolation

FIELD = "file"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What a Word plan may expand to. A long plan's document.xml is a few megabytes; images are
# never read, so only the XML counts against the tighter limit.
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_XML_BYTES = 12 * 1024 * 1024
MAX_RATIO = 100  # uncompressed ÷ compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
# What a plan may hold once read: more text than ten full sections is not one plan.
MAX_TEXT_CHARS = 1_000_000
MAX_BLOCKS = 5000
MAX_TABLE_ROWS = 501  # a header and ITEMS_MAX rows
MAX_TABLE_COLUMNS = 30
MAX_CELL_CHARS = 4000

# Invisible control characters (Word's page and column breaks, stray C1 codes) mean nothing in a
# plan and no section accepts them: they are dropped as the text is read.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

NOT_A_PLAN = ("This file is not a Word document (.docx) or a Markdown file: its contents are neither. "
              "Save the plan from Word as .docx, or as Markdown text, and upload that.")


class ImportRefused(RuleViolation):
    """A file that cannot be imported; the message goes beside the file field."""

    def __init__(self, message: str):
        super().__init__(message, FIELD)


# What reading one upload may cost, in the child process that reads it (app/limited.py).
READ_LIMITS = Limits(cpu_seconds=20, memory_mb=768, wall_seconds=40)


def read_plan_limited(data: bytes, limits: Limits = READ_LIMITS) -> tuple[str, list[dict]]:
    """read_plan in a child process under CPU, memory and time limits, as the web process
    never reads an untrusted file itself. ImportRefused says what stopped it."""
    try:
        answer = json.loads(run_limited("app.plan_import.reading", data, limits))
    except LimitReached as stopped:
        raise ImportRefused({
            "time": f"Reading this file took longer than {limits.wall_seconds:g} seconds, so it was stopped.",
            "cpu": f"Reading this file needed more than {limits.cpu_seconds} seconds of computing time, "
                   "so it was stopped.",
            "memory": f"Reading this file needed more than {limits.memory_mb} MB of memory, so it was stopped.",
        }[stopped.which] + " Nothing was imported; a plan split into smaller files can be imported one by one.") \
            from stopped
    except ChildFailed as failed:
        raise ImportRefused("This file could not be read: the reader stopped on it. Nothing was imported.") \
            from failed
    if "refused" in answer:
        raise ImportRefused(answer["refused"])
    return answer["kind"], answer["blocks"]


def _read(data: bytes) -> str:
    try:
        kind, blocks = read_plan(data)
    except ImportRefused as refused:
        return json.dumps({"refused": refused.message})
    return json.dumps({"kind": kind, "blocks": blocks})


def read_plan(data: bytes) -> tuple[str, list[dict]]:
    """("docx" or "markdown", the file's blocks), or ImportRefused saying why not."""
    if not data:
        raise ImportRefused("The file is empty.")
    if data.startswith(OLE_SIGNATURE):
        raise ImportRefused(
            "This Word file is password-protected (or in the old .doc format), so it cannot be read. "
            "In Word, remove the password (File › Info › Protect Document) and save it as .docx, then upload it again."
        )
    if data.startswith(ZIP_SIGNATURE):
        return "docx", _limited(html_blocks(_CONTROLS.sub("", docx_html(data))))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(NOT_A_PLAN) from None
    if "\x00" in text or _mostly_unprintable(text):
        raise ImportRefused(NOT_A_PLAN)
    return "markdown", _limited(markdown_blocks(_CONTROLS.sub("", text)))


def _mostly_unprintable(text: str) -> bool:
    sample = text[:4096]
    odd = sum(1 for ch in sample if not ch.isprintable() and ch not in "\n\r\t")
    return odd > 8 and odd * 10 > len(sample)


def _limited(blocks: list[dict]) -> list[dict]:
    if len(blocks) > MAX_BLOCKS:
        raise ImportRefused(f"This document has more than {MAX_BLOCKS:,} paragraphs, headings and tables: "
                            "that is far more than one plan. Split it, or import the sections you need.")
    size = 0
    for block in blocks:
        if block["type"] == "table":
            if len(block["rows"]) > MAX_TABLE_ROWS:
                raise ImportRefused(f"A table in this document has more than {MAX_TABLE_ROWS - 1} rows; "
                                    f"a plan section holds at most {MAX_TABLE_ROWS - 1} items of a kind.")
            size += sum(len(cell) for row in block["rows"] for cell in row)
        else:
            size += len(block.get("text") or block.get("markdown") or "")
    if size > MAX_TEXT_CHARS:
        raise ImportRefused(f"This document holds more than {MAX_TEXT_CHARS:,} characters of text: far more than "
                            "one plan. Import the sections you need from a shorter file.")
    if not any(block["type"] != "heading" or block["text"] for block in blocks):
        raise ImportRefused("This file has no text to import.")
    return blocks


# -- Word ------------------------------------------------------------------------------------


def check_docx(data: bytes) -> zipfile.ZipFile:
    """The archive, once its directory shows a Word document that is safe to expand."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportRefused("This file looks like a Word document but is damaged: it could not be opened. "
                            "Open it in Word, save it again as .docx and upload that.") from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ImportRefused(NOT_A_PLAN)
    if len(members) > MAX_MEMBERS:
        raise ImportRefused("This file holds too many parts to be a Word plan.")
    total = xml_total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise ImportRefused("This Word file is encrypted, so it cannot be read. Save it without a password and "
                                "upload it again.")
        total += member.file_size
        if member.filename.endswith((".xml", ".rels")):
            xml_total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES or (member.file_size > RATIO_FROM and ratio > MAX_RATIO):
            raise ImportRefused("This file expands to far more than its size (a “zip bomb”), so it was not opened.")
    if total > MAX_TOTAL_BYTES:
        raise ImportRefused("This file expands to far more than its size (a “zip bomb”), so it was not opened.")
    if xml_total > MAX_XML_BYTES:
        raise ImportRefused(f"This document's text is larger than {MAX_XML_BYTES // (1024 * 1024)} MB once unpacked: "
                            "far more than one plan.")
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            try:
                head = archive.read(member)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
                raise ImportRefused("This Word document is damaged: a part of it could not be read.") from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ImportRefused("This Word document contains XML declarations Word never writes, so it was "
                                    "not opened.")
    return archive


def docx_html(data: bytes) -> str:
    check_docx(data)
    import mammoth  # imported when a document is first read: most requests never need it

    def no_image(_image):
        return {}  # never opened: an image's bytes are not read at all

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            include_embedded_style_map=False,
            style_map="p[style-name='Title'] => h1:fresh\np[style-name='Subtitle'] => p:fresh",
            convert_image=mammoth.images.img_element(no_image),
        )
    except Exception:  # noqa: BLE001 - any failure to read a checked archive is a damaged document
        raise ImportRefused("This Word document could not be read; it may be damaged. Open it in Word, save it "
                            "again as .docx and upload that.") from None
    return result.value


class _Blocks(HTMLParser):
    """mammoth's HTML (a small, regular subset) as blocks, with inline Markdown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self.inline: list[str] = []
        self.heading: int | None = None
        self.lists: list[list] = []  # [tag, counter]
        self.table_depth = 0
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.link: str | None = None

    # paragraphs and headings
    def _flush(self) -> None:
        text = " ".join("".join(self.inline).split())
        self.inline = []
        if self.cell is not None:
            if text:
                self.cell.append(text)
            return
        if self.heading is not None:
            self.blocks.append({"type": "heading", "level": self.heading, "text": _plain(text)})
            self.heading = None
            return
        if not text:
            return
        if self.lists:
            tag, counter = self.lists[-1]
            marker = f"{counter}." if tag == "ol" else "-"
            line = "   " * (len(self.lists) - 1) + f"{marker} {text}"
            if self.blocks and self.blocks[-1].get("list"):
                self.blocks[-1]["markdown"] += "\n" + line
            else:
                self.blocks.append({"type": "text", "markdown": line, "list": True})
            return
        self.blocks.append({"type": "text", "markdown": _escape_start(text)})

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._flush()
            self.table_depth += 1
            if self.table_depth == 1:
                self.rows = []
            return
        if self.table_depth > 1:
            return
        if tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.heading = int(tag[1])
        elif tag in ("p", "li"):
            self._flush()
            if tag == "li" and self.lists:
                self.lists[-1][1] += 1
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag in ("strong", "b"):
            self.inline.append("**")
        elif tag in ("em", "i"):
            self.inline.append("*")
        elif tag == "br":
            self.inline.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = href if href.startswith(("http://", "https://", "mailto:")) else None
            if self.link:
                self.inline.append("[")

    def handle_endtag(self, tag):
        if tag == "table":
            self.table_depth -= 1
            if self.table_depth == 0 and self.rows is not None:
                rows = [row for row in self.rows if any(cell.strip() for cell in row)]
                if rows:
                    self.blocks.append({"type": "table", "rows": rows})
                self.rows = None
            return
        if self.table_depth > 1:
            return
        if tag in ("td", "th") and self.cell is not None and self.rows is not None:
            self._flush()
            if self.rows:
                self.rows[-1].append(" ".join(self.cell)[:MAX_CELL_CHARS])
            self.cell = None
        elif re.fullmatch(r"h[1-6]", tag) or tag in ("p", "li"):
            self._flush()
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in ("strong", "b"):
            self.inline.append("**")
        elif tag in ("em", "i"):
            self.inline.append("*")
        elif tag == "a" and self.link:
            self.inline.append(f"]({self.link})")
            self.link = None

    def handle_data(self, data):
        if self.table_depth > 1:
            if self.cell is not None:
                self.inline.append(data)
            return
        self.inline.append(_escape_inline(data))

    def close(self):
        super().close()
        self._flush()


def _escape_inline(text: str) -> str:
    """Word's text as Markdown that reads the same: characters Markdown would act on escaped."""
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def _escape_start(text: str) -> str:
    """A paragraph that Markdown would read as a heading, quote, list or rule, kept a paragraph."""
    if re.match(r"(#{1,6}\s|>|[-+]\s|\d+[.)]\s|={3,}|-{3,})", text):
        return "\\" + text
    return text


def _plain(text: str) -> str:
    """A heading's words, without the Markdown escapes and emphasis added on the way."""
    return re.sub(r"\\(.)", r"\1", text.replace("**", "").replace("*", "")).strip()


def html_blocks(html: str) -> list[dict]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    blocks = []
    for block in parser.blocks:
        block.pop("list", None)
        if block["type"] == "table":
            block["rows"] = [[_plain(cell) for cell in row] for row in block["rows"]]
        blocks.append(block)
    return blocks


# -- Markdown ---------------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|")[:MAX_CELL_CHARS] for cell in re.split(r"(?<!\\)\|", line)]


def markdown_blocks(text: str) -> list[dict]:
    """A Markdown file's headings (ATX, `# …`), pipe tables and the text between, kept verbatim."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[dict] = []
    chunk: list[str] = []
    fence: str | None = None

    def flush():
        body = "\n".join(chunk).strip("\n")
        chunk.clear()
        if body.strip():
            blocks.append({"type": "text", "markdown": body.rstrip()})

    index = 0
    while index < len(lines):
        line = lines[index]
        if fence is not None:
            chunk.append(line)
            if line.strip().startswith(fence):
                fence = None
            index += 1
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)[:3]
            chunk.append(line)
            index += 1
            continue
        heading = _ATX.match(line)
        if heading:
            flush()
            blocks.append({"type": "heading", "level": len(heading.group(1)), "text": heading.group(2).strip()})
            index += 1
            continue
        if "|" in line and index + 1 < len(lines) and _TABLE_RULE.match(lines[index + 1]) and "-" in lines[index + 1]:
            flush()
            rows = [_cells(line)]
            index += 2
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                rows.append(_cells(lines[index]))
                index += 1
            blocks.append({"type": "table", "rows": rows})
            continue
        chunk.append(line)
        index += 1
    flush()
    return blocks


def table_markdown(rows: list[list[str]]) -> str:
    """A table as a Markdown pipe table (the first row its header)."""
    width = max(len(row) for row in rows)

    def line(row):
        cells = [" ".join(str(c).split()).replace("|", "\\|") for c in row] + [""] * (width - len(row))
        return "| " + " | ".join(cells) + " |"

    return "\n".join([line(rows[0]), "| " + " | ".join(["---"] * width) + " |", *(line(r) for r in rows[1:])])


if __name__ == "__main__":
    import mammoth  # noqa: F401 - imported before the limits, which bound the work on the file

    sys.exit(serve(_read))
