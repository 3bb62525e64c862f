"""The text of an attachment for the search index: the words of real files are found, and a
hostile or damaged file ends in no (or less) text and a note, never an exception."""

import io
import time

import pytest
from flask import Flask
from pypdf import PdfWriter

from app.attachments.extraction import TEXT_LIMIT, Extracted, extract_text
from app.limited import Limits
from tests.support.attachment_samples import GIF, PNG, docx, docx_bomb, ods, odt, pdf, pptx, xlsx


def test_the_words_of_a_pdf_are_found():
    found = extract_text(pdf("Memorandum of understanding", "Signé à Genève par Alpha et Beta."), "pdf")
    assert "Memorandum of understanding" in found.text
    assert "Signé à Genève par Alpha et Beta." in found.text
    assert found.note == ""


def test_a_word_document_is_read_in_order_with_its_table():
    found = extract_text(docx(
        "Risk register, reviewed monthly.",
        table=[["Risk", "Owner"], ["Port strike", "Beta GmbH"]],
        after="Signed in Lyon.",
    ), "docx")
    text = found.text
    for words in ("Risk register, reviewed monthly.", "Port strike", "Beta GmbH", "Signed in Lyon."):
        assert words in text
    assert text.index("reviewed monthly") < text.index("Port strike") < text.index("Signed in Lyon")
    assert found.note == ""


def test_plain_text_is_read_and_its_white_space_tidied():
    data = "\ufeffCompte   rendu\r\n\r\n\r\n\tDécisions:\x07 budget €\x0cpage 2".encode()
    assert extract_text(data, "text") == Extracted("Compte rendu\nDécisions: budget €\npage 2")


def test_opendocument_and_excel_text_is_found():
    assert "Minutes of the joint board" in extract_text(odt("Minutes of the joint board", "Next: May"), "odt").text
    assert "Contingency reserve" in extract_text(ods("Contingency reserve", "1200"), "ods").text
    workbook = extract_text(xlsx("Training budget", "Alpha Ltd"), "xlsx")
    assert "Training budget" in workbook.text and "Alpha Ltd" in workbook.text


def test_images_and_presentations_have_no_text_to_read():
    assert extract_text(PNG, "png") == Extracted("", "")
    assert extract_text(GIF, "gif") == Extracted("", "")
    assert extract_text(pptx(), "pptx") == Extracted("", "")


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError, match="not a file type"):
        extract_text(b"x", "exe")


def test_text_beyond_the_limit_is_cut_between_words_and_says_so():
    found = extract_text(("évaluation " * 30_000).encode(), "text")
    assert len(found.text) <= TEXT_LIMIT
    assert found.text.split() == ["évaluation"] * len(found.text.split())  # no word cut in two
    assert "cut at 200,000 characters" in found.note


def test_a_damaged_pdf_gives_a_note_not_an_exception():
    whole = pdf("Audit findings")
    for damaged in (whole[: len(whole) // 3], b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R", b"%PDF-"):
        found = extract_text(damaged, "pdf")
        assert "Audit findings" not in found.text
        assert found.note


def test_a_pdf_without_text_says_so():
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # as a scanned page looks to a text reader
    writer.write(out)
    assert extract_text(out.getvalue(), "pdf") == Extracted("", "no text could be read (a scanned PDF?)")


def test_a_password_protected_pdf_says_so():
    writer = PdfWriter(clone_from=io.BytesIO(pdf("Confidential annex")))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    found = extract_text(out.getvalue(), "pdf")
    assert found.text == "" and "password" in found.note


def test_a_document_that_unpacks_to_far_more_stops_at_a_limit():
    bomb = docx_bomb(megabytes=300)
    assert len(bomb) < 3 * 1024 * 1024
    started = time.monotonic()
    found = extract_text(bomb, "docx", Limits(cpu_seconds=5, memory_mb=128, wall_seconds=20))
    assert time.monotonic() - started < 20
    assert found.text == ""
    assert found.note.startswith("reading stopped")


def test_a_word_file_that_is_not_one_gives_a_note():
    found = extract_text(b"PK\x03\x04 damaged", "docx")
    assert found == Extracted("", found.note) and found.note


def test_the_limits_come_from_the_app_config():
    app = Flask(__name__)
    app.config["ATTACHMENT_TEXT_TIMEOUT_SECONDS"] = 0.01  # less than the reader needs to start
    with app.app_context():
        assert extract_text(b"Minutes", "text") == Extracted("", "reading stopped: it took too long")
    assert extract_text(b"Minutes", "text") == Extracted("Minutes")
