"""Which files may be attached: each allowed type recognised from real files (tests/support/
attachment_samples.py), and hostile ones (a renamed program, markup, a ZIP that is no document,
text that is not UTF-8) refused."""

import codecs
import struct
import time
import zipfile

import pytest

from app.attachments.filetypes import ALLOWED_DESCRIPTION, MAX_ZIP_ENTRIES, TYPES, identify
from tests.support.attachment_samples import (
    CONTENT_TYPES,
    ELF,
    GIF,
    JPEG,
    MZ,
    PNG,
    WEBP,
    docx,
    odf,
    ods,
    odt,
    pdf,
    pptx,
    xlsx,
)
from tests.support.plan_files import zip_bytes


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
