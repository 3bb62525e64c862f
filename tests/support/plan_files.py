"""Plan files for the import tests: the sample Word plan, Word documents built with python-docx,
zips built by hand, and a Markdown plan with a risk table."""

import io
import os
import zipfile

from docx import Document

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


RISKS_MD = """# Our plan

Written in 2026.

## 1. Governance

A joint board steers us.

## 2. Risk register

We review risks monthly.

| Risk | Category | Owner | Likelihood | Impact |
|---|---|---|---|---|
| Port strike | Operational | Beta GmbH | High | Major |
| Data breach | Technology | Alpha Ltd | 2 | 5 |

## 3. Operating rhythm

Weekly calls.
"""
