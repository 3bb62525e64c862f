"""The text of an attached file, for the search index, read in a child process with limits.

An attachment may be built to be slow or huge to read (a PDF whose pages never end, a Word
document that unpacks to gigabytes), so it is never read in the web or job process:
`extract_text` runs `python -m app.attachments.extraction` through app/limited.py, handing it the
type key on the first line of stdin and the file after it; the child answers JSON. Whatever the
file does, the caller (a background job) gets an `Extracted`: text, or less or none with a note
saying why, never an exception. At the top this module imports only the standard library and two
small modules of the app: the child starts once per file, and loads the one reader its file needs.
"""

import codecs
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass

from app.attachments.filetypes import TYPES
from app.limited import ChildFailed, LimitReached, Limits, run_limited, serve

TEXT_LIMIT = 200_000
# What reading one file may cost without an app to configure it (config.py, ATTACHMENT_TEXT_*).
DEFAULT_LIMITS = Limits(cpu_seconds=20, memory_mb=512, wall_seconds=40)

CUT = f"the text was cut at {TEXT_LIMIT:,} characters"
DAMAGED = "no text could be read: the file seems to be damaged"
PARTLY_DAMAGED = "part of the file could not be read: it seems to be damaged"
STOPPED = {
    "time": "reading stopped: it took too long",
    "cpu": "reading stopped: it needed too much computing time",
    "memory": "reading stopped: it needed too much memory",
}


@dataclass(frozen=True)
class Extracted:
    text: str  # normalised (see _normalise), at most TEXT_LIMIT characters
    note: str = ""  # why there is no text, or less than the file holds; "" when all was read


def extract_text(data: bytes, type_key: str, limits: Limits | None = None) -> Extracted:
    """The text of `data`, a file of the type `type_key` (a key of filetypes.TYPES), read in a
    limited child process; limits default to the app's ATTACHMENT_TEXT_* settings."""
    if type_key not in TYPES:
        raise ValueError(f"not a file type: {type_key!r}")
    if not TYPES[type_key].has_text:
        return Extracted("")
    limits = limits or _configured_limits()
    try:
        answer = json.loads(run_limited("app.attachments.extraction", type_key.encode() + b"\n" + data, limits))
    except LimitReached as stopped:
        return Extracted("", STOPPED[stopped.which])
    except ChildFailed:
        return Extracted("", DAMAGED)
    return Extracted(answer["text"], answer["note"])


def _configured_limits() -> Limits:
    from flask import current_app, has_app_context  # only the parent needs it, and only here

    if not has_app_context():
        return DEFAULT_LIMITS
    config = current_app.config
    return Limits(
        cpu_seconds=config.get("ATTACHMENT_TEXT_CPU_SECONDS", DEFAULT_LIMITS.cpu_seconds),
        memory_mb=config.get("ATTACHMENT_TEXT_MEMORY_MB", DEFAULT_LIMITS.memory_mb),
        wall_seconds=config.get("ATTACHMENT_TEXT_TIMEOUT_SECONDS", DEFAULT_LIMITS.wall_seconds),
    )


# -- In the child ----------------------------------------------------------------------------


class _Unreadable(Exception):  # noqa: N818 - reads as what the file is
    """The file cannot be read for a reason its note gives (a password, say)."""


def _extract(data: bytes) -> str:
    import logging
    import warnings

    # Libraries warn about every oddity of a hostile file; nobody reads the child's stderr.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    key, _, body = data.partition(b"\n")
    text, notes = _collect(_READERS[key.decode()](body))
    if not text and not notes:
        notes.append("no text could be read (a scanned PDF?)" if key == b"pdf" else "the file holds no text")
    return json.dumps({"text": text, "note": "; ".join(notes)})


def _collect(pieces) -> tuple[str, list[str]]:
    """The normalised text of `pieces` (None for a part that could not be read), read only as far
    as TEXT_LIMIT, and notes on what was left out."""
    kept, size, notes = [], 0, []
    try:
        for piece in pieces:
            if piece is None:
                if PARTLY_DAMAGED not in notes:
                    notes.append(PARTLY_DAMAGED)
                continue
            if piece := _normalise(piece):
                kept.append(piece)
                size += len(piece) + 1
                if size > TEXT_LIMIT + 1:
                    break
    except MemoryError:
        raise
    except _Unreadable as unreadable:
        notes.append(str(unreadable))
    except Exception:  # noqa: BLE001 - whatever a library raises on a hostile file, it is damaged
        notes.append(PARTLY_DAMAGED if kept else DAMAGED)
    if not kept and PARTLY_DAMAGED in notes:  # every part was damaged
        notes[notes.index(PARTLY_DAMAGED)] = DAMAGED
    text = "\n".join(kept)
    if len(text) > TEXT_LIMIT:
        # Cut between words: a word cut in two would be found by neither half of it.
        head = text[:TEXT_LIMIT]
        if not (head[-1].isspace() or text[TEXT_LIMIT].isspace()):
            head = head.rsplit(None, 1)[0]
        text = head.rstrip()
        notes.insert(0, CUT)
    return text, notes


# Control characters mean nothing in the index (NEL, U+0085, is a line break, kept as one), nor do
# lone surrogates, which a database refuses.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r" ?\n[\n ]*")


def _normalise(text: str) -> str:
    """`text` without control characters, each run of white space one space, or one line break
    if it held any."""
    text = _LINE_BREAKS.sub("\n", _CONTROLS.sub("", text))
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip(" \n")


def _pdf(body: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    if reader.is_encrypted and not reader.decrypt(""):  # many PDFs are encrypted with an empty password
        raise _Unreadable("the PDF is protected by a password, so its text could not be read")
    for page in reader.pages:
        try:
            yield page.extract_text()
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - one damaged page keeps none of the others from being read
            yield None


def _docx(body: bytes):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    # Every paragraph in document order, table cells' (nested tables' too) included. A merged
    # cell's continuations hold an empty paragraph, so its text comes once.
    for paragraph in Document(io.BytesIO(body)).element.body.iter(qn("w:p")):
        yield Paragraph(paragraph, None).text


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_PARAGRAPHS = (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h")
_ODF_SPACES = {f"{_ODF_TEXT}s": " ", f"{_ODF_TEXT}tab": " ", f"{_ODF_TEXT}line-break": "\n"}


def _odf(body: bytes):
    """Paragraphs and headings of an OpenDocument text, or the cells of a spreadsheet."""
    for element in _ended(body, "content.xml", _ODF_PARAGRAPHS):
        yield "".join(_odf_text(element))


def _odf_text(element):
    yield element.text or ""
    for child in element:
        yield _ODF_SPACES.get(child.tag) or "".join(_odf_text(child))
        yield child.tail or ""


_XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx(body: bytes):
    """The workbook's shared strings: the text of its cells (numbers and formulas are left out)."""
    for item in _ended(body, "xl/sharedStrings.xml", (f"{_XLSX}si",)):
        # A plain string is one <t>; rich text is runs <r><t>; phonetic guides (<rPh>) are not text.
        yield "".join(t.text or "" for t in (*item.findall(f"{_XLSX}t"), *item.findall(f"{_XLSX}r/{_XLSX}t")))


def _ended(body: bytes, member: str, tags: tuple[str, ...]):
    """The elements named `tags` in `member` of the archive, each once its end is parsed, then
    emptied so a long part is read in little memory."""
    from xml.etree.ElementTree import iterparse  # nosec B405 - expat refuses entity bombs and never fetches

    archive = zipfile.ZipFile(io.BytesIO(body))
    if member not in archive.namelist():
        return
    with archive.open(member) as part:
        for _, element in iterparse(part, events=("end",)):  # noqa: S314  # nosec B314 - as above
            if element.tag in tags:
                yield element
                tail = element.tail
                element.clear()
                element.tail = tail  # the enclosing paragraph's text after this one


def _text(body: bytes):
    """The text in pieces of about a megabyte, split between lines, so it is read no further
    than the limit."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("replace")
    pending = ""
    for start in range(0, len(body), 1024 * 1024):
        pending += decoder.decode(body[start:start + 1024 * 1024])
        cut = pending.rfind("\n")
        if cut < 0:
            cut = pending.rfind(" ")
        if cut >= 0:
            yield pending[:cut]
            pending = pending[cut + 1:]
    yield pending + decoder.decode(b"", final=True)


_READERS = {"pdf": _pdf, "docx": _docx, "odt": _odf, "ods": _odf, "xlsx": _xlsx, "text": _text}


if __name__ == "__main__":
    sys.exit(serve(_extract))
