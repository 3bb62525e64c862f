"""Downloaded files: names that keep what people called things, sent as RFC 6266 asks.

A partnership called "Northwind–Contoso" downloads as "Northwind–Contoso-v1.0.pdf": the name
goes in `filename*` (UTF-8), with an ASCII `filename` for clients that know no better.
"""

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
