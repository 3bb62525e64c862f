"""Derive the signature-stamp font from the vendored Source Sans 3 Regular.

    .venv/bin/python tools/make_stamp_font.py

pyHanko subsets the stamp font on every signature; doing that on the full font
(with its large layout tables) costs about 0.4 s, on this reduced one a few ms.
The reduced font keeps Latin script up to Latin Extended-A and common punctuation,
without OpenType layout tables or hinting. The SIL Open Font License reserves the
name "Source" for the original, so the derived font is renamed.
"""

import os

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
SOURCE = os.path.join(ROOT, "app", "static", "fonts", "source-sans-3", "SourceSans3-Regular.ttf")
TARGET = os.path.join(ROOT, "app", "static", "fonts", "jointly-stamp", "JointlyStampSans-Regular.ttf")
FAMILY = "Jointly Stamp Sans"

CODEPOINTS = [
    *range(0x20, 0x7F),  # Basic Latin
    *range(0xA0, 0x180),  # Latin-1 Supplement, Latin Extended-A
    *range(0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    0x2030, 0x2039, 0x203A, 0x20AC, 0x2122, 0x2212,
]


def main() -> None:
    font = TTFont(SOURCE)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "DSIG", "STAT"]
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=CODEPOINTS)
    subsetter.subset(font)

    names = font["name"]
    version = names.getDebugName(5) or ""
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY if record.nameID != 4 else f"{FAMILY} Regular", record.nameID,
                          record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            names.setName(f"{version};JOINTLY;JointlyStampSans-Regular", 3,
                          record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName("JointlyStampSans-Regular", 6, record.platformID, record.platEncID, record.langID)
    for record in names.names:
        if "Source" in str(record) and record.nameID in (1, 3, 4, 6, 16, 17):
            raise SystemExit(f"reserved font name left in name ID {record.nameID}: {record}")
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    font.save(TARGET)
    glyphs = len(font.getGlyphOrder())
    print(f"wrote {os.path.relpath(TARGET, ROOT)} ({os.path.getsize(TARGET)} bytes, {glyphs} glyphs)")


if __name__ == "__main__":
    main()
