"""Downloaded files: names that keep what people called things, sent as RFC 6266 asks, and
CSV that spreadsheets open safely.

A partnership called "Northwind–Contoso" downloads as "Northwind–Contoso-v1.0.pdf": the name
goes in `filename*` (UTF-8), with an ASCII `filename` for clients that know no better.
Every CSV export (audit trail, registers, review results) writes its cells through
`csv_line`, so a cell typed as "=HYPERLINK(...)" reads as text, never as a formula.
"""

import csv
import io
import re
import unicodedata
from urllib.parse import quote

# Characters no file system or header should get: path separators, reserved, quotes, controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f;,%]+|\s+')


def file_name(*parts: str, extension: str) -> str:
    """`parts` joined by "-", each with spaces and unsafe characters turned into "-"."""
    cleaned = [re.sub(r"-{2,}", "-", _UNSAFE.sub("-", part)).strip("-.")[:60] for part in parts]
    return "-".join(part for part in cleaned if part) + f".{extension}"


def content_disposition(name: str) -> str:
    """`attachment` with `name` intact (filename*) and an ASCII fallback (filename)."""
    # Accents dropped ("é" -> "e"), anything else non-ASCII (dashes, other scripts) -> "-".
    ascii_name = "".join(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "-" for ch in name)
    ascii_name = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]", "-", ascii_name)).strip("-")
    if not ascii_name.partition(".")[0]:
        ascii_name = "download" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# Spreadsheets run cells that start like a formula; OWASP's list, with tab and CR.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The BOM makes spreadsheets read the file as UTF-8.
CSV_START = "\ufeff"


def csv_safe(value) -> str:
    """The cell as text, prefixed with ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_line(cells) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_safe(c) for c in cells])
    return buffer.getvalue()


def csv_text(header, rows) -> str:
    """A whole (small) CSV file: the BOM, the header line and one line per row."""
    return CSV_START + csv_line(header) + "".join(csv_line(row) for row in rows)
