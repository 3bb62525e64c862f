"""Which files may be attached as evidence, recognised by their contents, never by their names.

An attachment is served back to every member of the partnership, so only common document and
image formats are taken, each identified from its bytes: a file called contract.pdf that is a
program or a web page is refused. Nothing a browser might render as markup (HTML, SVG, XML) is
accepted, not even as plain text.
"""

import codecs
import os
import re
import struct
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    key: str  # "pdf", "docx", …: what the rest of the feature stores
    label: str  # what people call it: "PDF", "Word document"
    media_type: str  # the Content-Type it is served with
    extension: str  # the extension a download is given, whatever the uploaded name said
    has_text: bool  # whether app/attachments/extraction.py reads its text for the search index


_OOXML = "application/vnd.openxmlformats-officedocument"
TYPES: dict[str, FileType] = {t.key: t for t in (
    FileType("pdf", "PDF", "application/pdf", "pdf", True),
    FileType("docx", "Word document", f"{_OOXML}.wordprocessingml.document", "docx", True),
    FileType("xlsx", "Excel workbook", f"{_OOXML}.spreadsheetml.sheet", "xlsx", True),
    FileType("pptx", "PowerPoint presentation", f"{_OOXML}.presentationml.presentation", "pptx", False),
    FileType("odt", "OpenDocument text", "application/vnd.oasis.opendocument.text", "odt", True),
    FileType("ods", "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods", True),
    FileType("png", "PNG image", "image/png", "png", False),
    FileType("jpeg", "JPEG image", "image/jpeg", "jpeg", False),
    FileType("gif", "GIF image", "image/gif", "gif", False),
    FileType("webp", "WebP image", "image/webp", "webp", False),
    FileType("text", "plain text", "text/plain; charset=utf-8", "txt", True),
)}

ALLOWED_DESCRIPTION = ("PDF, Word, Excel, PowerPoint, OpenDocument text or spreadsheet, PNG, JPEG, GIF, WebP "
                       "or plain text (UTF-8)")

# Office files are ZIP archives, recognised by the parts their directory lists. An archive
# listing more parts than any real document is refused before its directory is read in full.
MAX_ZIP_ENTRIES = 10_000
MAX_CENTRAL_DIRECTORY_BYTES = MAX_ZIP_ENTRIES * 512
_OOXML_PARTS = (("docx", "word/document.xml"), ("xlsx", "xl/workbook.xml"), ("pptx", "ppt/presentation.xml"))
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}

_HEAD_BYTES = 4096
_TEXT_CHUNK = 64 * 1024
# C0 control characters other than tab, LF, FF and CR never occur in a text someone wrote.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# What browsers take for markup when they guess a type (the WHATWG MIME sniffing patterns for
# HTML and XML, plus SVG): text starting so is refused, however it is served.
_MARKUP = re.compile(
    rb"<(?:!doctype|\?xml|svg|!--|(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)[ >])",
    re.IGNORECASE,
)
_MARKUP_SPACE = b"\t\n\x0c\r "


def identify(path: str) -> FileType | None:
    """The allowed type of the file at `path`, or None if it is none of them."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
        key = _by_signature(head) or _office_document(handle, head) or _text(handle, head)
    return TYPES[key] if key else None


def _by_signature(head: bytes) -> str | None:
    if head.lstrip(b"\x00\t\r\n ")[:5] == b"%PDF-":  # the leading bytes readers skip, as app/uploads.py
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _office_document(handle, head: bytes) -> str | None:
    # The archive must start the file: a program with an archive appended is still a program.
    if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(handle):
        return None
    declared = _declared_directory(handle)
    if declared is None or declared[0] > MAX_ZIP_ENTRIES or declared[1] > MAX_CENTRAL_DIRECTORY_BYTES:
        return None
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_ENTRIES:  # its end record understated them
                return None
            names = {member.filename for member in members}
            if "[Content_Types].xml" in names:
                return next((key for key, part in _OOXML_PARTS if part in names), None)
            if members and members[0].filename == "mimetype":
                with archive.open(members[0]) as mimetype:
                    return _ODF_MIMETYPES.get(mimetype.read(100).strip())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
            OSError):
        return None
    return None


def _declared_directory(handle) -> tuple[int, int] | None:
    """(entries, bytes) of the central directory, as the archive's end record declares them."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    start = max(0, size - 22 - 0xFFFF)  # the end record is 22 bytes, then a comment of up to 64 KB
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    _, _, _, _, entries, directory_bytes, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:  # ZIP64: the real numbers are further back
        locator = start + at - 20
        if locator < 0:
            return None
        handle.seek(locator)
        found = handle.read(20)
        if found[:4] != b"PK\x06\x07":
            return None
        handle.seek(struct.unpack("<Q", found[8:16])[0])
        record = handle.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            return None
        entries, directory_bytes = struct.unpack("<2Q", record[32:48])
    return entries, directory_bytes


def _text(handle, head: bytes) -> str | None:
    """"text" if the whole file is UTF-8 (a BOM allowed) with no control characters a written
    text never holds, and does not start like markup."""
    handle.seek(len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")  # holds a character split between chunks
    opening = b""  # the first bytes after any leading white space
    try:
        while chunk := handle.read(_TEXT_CHUNK):
            if _CONTROL.search(decoder.decode(chunk)):
                return None
            if len(opening) < 32:
                opening = (opening + chunk).lstrip(_MARKUP_SPACE)[:32]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    if not opening or _MARKUP.match(opening):
        return None
    return "text"
