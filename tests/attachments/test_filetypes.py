"""Which files may be attached: each allowed type recognised from real files built here, and
hostile ones (a renamed program, markup, a ZIP that is no document, text that is not UTF-8)
refused. The sample builders are shared with test_extraction.py."""

import codecs
import io
import struct
import time
import zipfile

import pytest

from app.attachments.filetypes import ALLOWED_DESCRIPTION, MAX_ZIP_ENTRIES, TYPES, identify
from tests.support.plan_files import add_table, docx_bytes, zip_bytes

# -- Samples ----------------------------------------------------------------------------------

CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def pdf(*paragraphs: str) -> bytes:
    """A real PDF, one page per paragraph, rendered by WeasyPrint."""
    from weasyprint import HTML

    body = "".join(f'<p style="page-break-after: always">{text}</p>' for text in paragraphs)
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def docx(*paragraphs: str, table: list[list[str]] | None = None, after: str = "") -> bytes:
    def build(document):
        for text in paragraphs:
            document.add_paragraph(text)
        if table:
            add_table(document, table)
        if after:
            document.add_paragraph(after)

    return docx_bytes(build)


def xlsx(*strings: str) -> bytes:
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return zip_bytes({
        "[Content_Types].xml": CONTENT_TYPES,
        "xl/workbook.xml": f'<workbook xmlns="{SHEET_NS}"><sheets/></workbook>'.encode(),
        "xl/sharedStrings.xml": f'<sst xmlns="{SHEET_NS}">{items}</sst>'.encode(),
    })


def pptx() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": CONTENT_TYPES,
        "ppt/presentation.xml": b'<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    })


def odf(kind: str, body: str, mimetype: str | None = None) -> bytes:
    """An OpenDocument file of `kind` ("text" or "spreadsheet"), its mimetype stored first as the
    standard asks; `body` goes inside office:body."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype or f"application/vnd.oasis.opendocument.{kind}", zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>'
            f"<office:body>{body}</office:body></office:document-content>",
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def odt(*paragraphs: str) -> bytes:
    return odf("text", "<office:text>" + "".join(f"<text:p>{p}</text:p>" for p in paragraphs) + "</office:text>")


def ods(*cells: str) -> bytes:
    row = "".join(f"<table:table-cell><text:p>{cell}</text:p></table:table-cell>" for cell in cells)
    return odf("spreadsheet", f'<office:spreadsheet><table:table table:name="Budget"><table:table-row>{row}'
                              "</table:table-row></table:table></office:spreadsheet>")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00>\x00\x01\x00\x00\x00" + b"\x00" * 100
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"This program cannot be run"


def docx_bomb(megabytes: int) -> bytes:
    """A Word document whose document.xml unpacks to `megabytes` MB from a few hundred KB."""
    source = zipfile.ZipFile(io.BytesIO(docx("A small start.")))
    out = io.BytesIO()
    paragraph = b"<w:p><w:r><w:t>bomb</w:t></w:r></w:p>" * (1024 * 1024 // 38)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                archive.writestr(member, source.read(member))
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                           b"<w:body>")
            for _ in range(megabytes):
                document.write(paragraph)
            document.write(b"</w:body></w:document>")
    return out.getvalue()


# -- Identifying --------------------------------------------------------------------------------


@pytest.fixture
def identified(tmp_path):
    def identify_bytes(data: bytes, name: str = "upload.bin"):
        path = tmp_path / name
        path.write_bytes(data)
        found = identify(str(path))
        return found.key if found else None

    return identify_bytes


def test_real_documents_and_images_are_identified_by_their_contents(identified):
    samples = {
        "pdf": pdf("Minutes of the steering group"),
        "docx": docx("Partnership agreement", table=[["Party", "Role"], ["Alpha", "Lead"]]),
        "xlsx": xlsx("Budget 2026"),
        "pptx": pptx(),
        "odt": odt("Minutes"),
        "ods": ods("Budget", "1200"),
        "png": PNG,
        "jpeg": JPEG,
        "gif": GIF,
        "webp": WEBP,
        "text": "Réunion du comité: décisions prises à Genève.\n".encode(),
    }
    for key, data in samples.items():
        # Named misleadingly on purpose: the name plays no part.
        assert identified(data, "evidence.txt") == key, key


def test_what_a_type_is_served_as():
    assert TYPES["pdf"].media_type == "application/pdf"
    assert TYPES["text"].media_type == "text/plain; charset=utf-8" and TYPES["text"].extension == "txt"
    assert TYPES["docx"].extension == "docx" and TYPES["docx"].label == "Word document"
    assert {key for key, t in TYPES.items() if t.has_text} >= {"pdf", "docx", "text"}
    assert "PDF" in ALLOWED_DESCRIPTION and "plain text (UTF-8)" in ALLOWED_DESCRIPTION


def test_a_pdf_may_start_after_white_space(identified):
    assert identified(b"\r\n  " + pdf("Late start")) == "pdf"


def test_utf8_text_is_read_whole_across_chunks(identified):
    chunk = 64 * 1024
    # "€" is three bytes, "😀" four: each straddles a chunk boundary.
    assert identified(("a" * (chunk - 1) + "€ fin").encode()) == "text"
    assert identified(("b" * (2 * chunk - 2) + "😀").encode()) == "text"
    assert identified(codecs.BOM_UTF8 + b"Compte rendu\tfinal\r\n\x0cpage 2") == "text"


def test_text_that_is_not_clean_utf8_is_refused(identified):
    assert identified("Café crème".encode("latin-1")) is None
    assert identified(b"minutes\x00of the meeting") is None
    assert identified(b"bell\x07") is None
    # A bad byte anywhere counts, not only at the start; so does a character cut off at the end.
    assert identified(b"x" * 200_000 + b"\xe9t\xe9") is None
    assert identified("ends with €".encode()[:-1]) is None
    assert identified(b"") is None
    assert identified(b" \n\t ") is None


def test_markup_is_refused_even_as_text(identified):
    for markup in (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg/>',
        b"<!doctype html><title>x</title><script>alert(1)</script>",
        b"<HTML><body>hello</body></HTML>",
        b"  \r\n\t<html>",
        codecs.BOM_UTF8 + b"\n<html>",
        b"<!-- a comment --><script>alert(1)</script>",
        b"<script>alert(1)</script>",
    ):
        assert identified(markup, "notes.txt") is None, markup
    assert identified(b" " * 70_000 + b"<svg onload='alert(1)'/>") is None
    # Text that merely mentions markup further in is still text.
    assert identified(b"We agreed to use <b>bold</b> sparingly.") == "text"


def test_renamed_programs_and_other_zips_are_refused(identified):
    assert identified(ELF, "contract.pdf") is None
    assert identified(MZ, "contract.pdf") is None
    assert identified(zip_bytes({"report.pdf": b"%PDF-1.7"}), "report.pdf") is None
    assert identified(zip_bytes({"[Content_Types].xml": CONTENT_TYPES}), "plan.docx") is None
    assert identified(zip_bytes({"word/document.xml": b"<w:document/>"}), "plan.docx") is None
    # A program with a Word document appended is still a program.
    assert identified(MZ + docx("Hidden"), "plan.docx") is None
    assert identified(b"PK\x03\x04 not really a zip", "plan.docx") is None


def test_opendocument_needs_its_mimetype_first(identified):
    assert identified(odf("text", "<office:text/>", mimetype="application/zip")) is None
    assert identified(odf("text", "<office:text/>", mimetype="application/vnd.oasis.opendocument.graphics")) is None
    content_first = zip_bytes({"content.xml": b"<x/>", "mimetype": b"application/vnd.oasis.opendocument.text"})
    assert identified(content_first) is None


def test_a_zip_listing_too_many_parts_is_refused(identified):
    many = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"}
    many.update({f"word/media/{n}.bin": b"" for n in range(MAX_ZIP_ENTRIES)})
    assert identified(zip_bytes(many, zipfile.ZIP_STORED), "plan.docx") is None
    many.popitem()
    many.popitem()
    assert identified(zip_bytes(many, zipfile.ZIP_STORED), "plan.docx") == "docx"


def test_a_zip_understating_its_parts_is_refused(identified):
    many = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"}
    many.update({f"p{n}": b"" for n in range(MAX_ZIP_ENTRIES)})
    data = bytearray(zip_bytes(many, zipfile.ZIP_STORED))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = struct.pack("<2H", 10, 10)  # the end record claims ten
    assert identified(bytes(data)) is None


def test_a_large_file_is_identified_quickly(identified):
    text = ("Ligne de compte rendu, avec des accents: é, è, ü, ß.\n" * 450_000).encode()  # about 25 MB
    started = time.monotonic()
    assert identified(text) == "text"
    assert time.monotonic() - started < 5
