"""Sample files for the attachment tests: real documents of every allowed type, built here, and
hostile ones (renamed programs, a Word file that unpacks to far more than it weighs)."""

import io
import zipfile

from tests.support.plan_files import add_table, docx_bytes, zip_bytes

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
