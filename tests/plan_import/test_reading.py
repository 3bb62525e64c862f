"""Reading a plan file: Word and Markdown into blocks, and every kind of bad file refused with
a message for the person (nothing expanded that could cost more than the limits allow)."""

import pytest

from app.plan_import import reading
from app.plan_import.reading import ImportRefused, read_plan
from tests.support.plan_files import add_table, docx_bytes, zip_bytes


def refusal(data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_plan(data)
    assert caught.value.field == "file"
    return caught.value.message


def test_a_word_document_reads_as_headings_paragraphs_lists_and_tables():
    def build(document):
        document.add_heading("Plan title", 0)
        document.add_heading("3. Risk register", 1)
        paragraph = document.add_paragraph("We watch ")
        paragraph.add_run("floods").bold = True
        paragraph.add_run(" and *strikes*.")
        document.add_paragraph("First step", style="List Bullet")
        document.add_paragraph("Second step", style="List Bullet")
        add_table(document, [["Risk", "Impact"], ["Flood", "High"]])

    kind, blocks = read_plan(docx_bytes(build))
    assert kind == "docx"
    assert blocks == [
        {"type": "heading", "level": 1, "text": "Plan title"},
        {"type": "heading", "level": 1, "text": "3. Risk register"},
        {"type": "text", "markdown": r"We watch **floods** and \*strikes\*."},
        {"type": "text", "markdown": "- First step\n- Second step"},
        {"type": "table", "rows": [["Risk", "Impact"], ["Flood", "High"]]},
    ]


def test_a_markdown_file_keeps_its_text_verbatim_and_finds_headings_and_pipe_tables():
    text = (
        "# Our plan\n\nIntro *text*.\n\n## 4. Risks\n\n```\n# not a heading\n```\n\n"
        "| Risk | Likelihood |\n|---|:-:|\n| Floods | 3 |\n| Pipe \\| in cell | 2 |\n\nAfter the table.\n"
    )
    kind, blocks = read_plan(text.encode())
    assert kind == "markdown"
    assert blocks == [
        {"type": "heading", "level": 1, "text": "Our plan"},
        {"type": "text", "markdown": "Intro *text*."},
        {"type": "heading", "level": 2, "text": "4. Risks"},
        {"type": "text", "markdown": "```\n# not a heading\n```"},
        {"type": "table", "rows": [["Risk", "Likelihood"], ["Floods", "3"], ["Pipe | in cell", "2"]]},
        {"type": "text", "markdown": "After the table."},
    ]


def test_a_table_back_to_markdown_escapes_its_pipes():
    assert reading.table_markdown([["A", "B"], ["x|y", "z"]]) == "| A | B |\n| --- | --- |\n| x\\|y | z |"


def test_a_pdf_or_any_binary_file_is_neither_word_nor_markdown_whatever_its_name():
    assert "not a Word document (.docx) or a Markdown file" in refusal(b"%PDF-1.7\n\x00\x01\x02binary")
    assert "not a Word document" in refusal(bytes(range(256)) * 4)


def test_a_zip_that_is_not_a_word_document_is_refused():
    assert "not a Word document" in refusal(zip_bytes({"readme.txt": b"hello"}))
    # A Word-like zip without its main document.
    assert "not a Word document" in refusal(zip_bytes({"[Content_Types].xml": b"<Types/>"}))


def test_a_password_protected_word_file_says_how_to_remove_the_password():
    ole = reading.OLE_SIGNATURE + b"\x00" * 512
    assert "password-protected" in refusal(ole)


def test_a_damaged_zip_is_refused_as_damaged():
    assert "damaged" in refusal(reading.ZIP_SIGNATURE + b"\x00" * 100)


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_expanded(monkeypatch):
    bomb = zip_bytes({
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/media/filler.bin": b"\x00" * (8 * 1024 * 1024),  # ~8 KB compressed: a ratio of ~1000
    })
    assert len(bomb) < 100_000
    assert "zip bomb" in refusal(bomb)


def test_a_document_larger_than_a_plan_once_unpacked_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_XML_BYTES", 1000)
    document = b"<w:document>" + b"a" * 2000 + b"</w:document>"
    big = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": document})
    assert "larger than" in refusal(big)


def test_xml_declaring_entities_is_refused_before_a_parser_sees_it():
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><w:document>&lol;</w:document>'
    assert "XML declarations" in refusal(zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": laughs}))


def test_an_empty_file_or_one_without_text_is_refused():
    assert refusal(b"") == "The file is empty."
    assert "no text" in refusal(b"\n\n   \n")


def test_a_document_with_more_rows_than_a_section_holds_is_refused():
    rows = "| Risk |\n|---|\n" + "".join(f"| Risk {n} |\n" for n in range(reading.MAX_TABLE_ROWS + 1))
    assert "more than 500 rows" in refusal(rows.encode())


def test_invisible_control_characters_are_dropped_as_the_text_is_read():
    _kind, blocks = read_plan("# Risks\n\nFloods\x0c and\x85 strikes.\x0b\n".encode())
    assert blocks[1] == {"type": "text", "markdown": "Floods and strikes."}


def test_the_app_reads_an_upload_in_a_limited_child_with_the_same_result():
    """What the import service uses: the same blocks as reading in-process, refusals with their
    messages, and a file that needs more than the limits allow stopped with a clear message."""
    import pathlib

    from app.limited import Limits

    sample = (pathlib.Path(reading.__file__).parents[1] / "static" / "samples" / "sample-plan.docx").read_bytes()
    assert reading.read_plan_limited(sample) == read_plan(sample)
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    with pytest.raises(ImportRefused) as refused:
        reading.read_plan_limited(pdf)
    assert refused.value.message == refusal(pdf) and refused.value.field == "file"
    # A reader that takes longer than its wall-clock allowance (here too short even to start) is stopped.
    with pytest.raises(ImportRefused) as stopped:
        reading.read_plan_limited(sample, Limits(cpu_seconds=20, memory_mb=768, wall_seconds=0.05))
    assert stopped.value.message.startswith("Reading this file took longer than 0.05 seconds, so it was stopped.")
    assert "Nothing was imported" in stopped.value.message
