"""Poppler's command-line tools (Debian poppler-utils), which the tests use to read PDFs as a
person's viewer would: text, fonts, page count, signatures.

Without them the tests that need them are skipped, unless REQUIRE_POPPLER=1 (CI sets it) turns
that into a failure: the PDF tests and the blindness walk must never skip silently there.
"""

import os
import shutil
import subprocess

import pytest


def require(tool: str) -> str:
    """The tool's path; skips (or fails under REQUIRE_POPPLER=1) when it is missing."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing: install poppler-utils (apt-get install -y poppler-utils)"
        if os.environ.get("REQUIRE_POPPLER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def poppler(tool: str, *args: str, data: bytes | None = None, check: bool = True) -> str:
    """Run a poppler tool and return what it printed (pass the PDF as `data` with "-" as path)."""
    result = subprocess.run([require(tool), *args], input=data, capture_output=True, check=check, timeout=120)
    return result.stdout.decode()
