"""Checking an untrusted evidence pack in a child process with CPU-time, memory and wall-clock
limits (app/limited.py): `python -m app.evidence.inspection CPU MEMORY` reads the pack from
stdin and writes what app/evidence/checking.py found, as JSON, to stdout."""

import sys

from app.evidence.checking import check_pack
from app.limited import serve


def _check(data: bytes) -> str:
    return check_pack(data).to_json()


if __name__ == "__main__":
    sys.exit(serve(_check))
