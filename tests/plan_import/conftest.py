"""Plan files for the import tests: Word documents built with python-docx, zips built by hand."""

import io
import os
import zipfile

import pytest
from docx import Document

from tests.plan_versions.conftest import agreed  # noqa: F401 - a signed plan with agreed sections on

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "app", "static", "samples", "sample-plan.docx")


def docx_bytes(build) -> bytes:
    """A real .docx: `build(document)` adds its content."""
    document = Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    return table


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def sample_docx() -> bytes:
    with open(SAMPLE, "rb") as handle:
        return handle.read()
