"""Checking an untrusted PDF in a child process with CPU-time, memory and wall-clock limits.

A PDF someone uploads to /verify (or hands to `ermp verify-pdf`) may be built to be slow or
huge. Parsing it and validating its signatures therefore never runs in the web process:
`inspect_pdf` runs `python -m app.signing.inspection` through app/limited.py, which limits
itself before reading the file from stdin and writes its findings as JSON to stdout. Whatever
the file does, it costs at most those limits, and the caller gets `InspectionRefused` with a
message to show.
"""

import json
import sys
from dataclasses import asdict, dataclass
from datetime import datetime

from app.limited import ChildFailed, LimitReached, Limits, run_limited, serve
from app.signing.pades import PdfReport, SignatureReport

__all__ = ["Inspection", "InspectionRefused", "Limits", "inspect_pdf"]


@dataclass(frozen=True)
class Inspection:
    claimed_hash: str | None  # the content hash the file's newest revision claims
    report: PdfReport


class InspectionRefused(Exception):  # noqa: N818 - reads as what happened
    """The file was stopped by a limit; the message says which, in the user's terms."""


def inspect_pdf(data: bytes, limits: Limits) -> Inspection:
    """Validate `data` in a limited child process (signatures checked without trust roots:
    the caller matches certificate fingerprints against the signatures it recorded)."""
    try:
        out = run_limited("app.signing.inspection", data, limits)
    except LimitReached as stopped:
        raise InspectionRefused({
            "time": f"The PDF took longer than {limits.wall_seconds:g} seconds to check, so the check was stopped.",
            "memory": f"Checking the PDF needed more than {limits.memory_mb} MB of memory, so the check was stopped.",
            "cpu": f"Checking the PDF needed more than {limits.cpu_seconds} seconds of computing time, so the "
                   "check was stopped.",
        }[stopped.which]) from stopped
    except ChildFailed as failed:
        raise InspectionRefused("The PDF could not be checked: the checker stopped on it.") from failed
    return _from_json(json.loads(out))


def _from_json(found: dict) -> Inspection:
    raw = found["report"]
    signatures = []
    for item in raw.pop("signatures"):
        if item["signing_time"]:
            item["signing_time"] = datetime.fromisoformat(item["signing_time"])
        signatures.append(SignatureReport(**item))
    return Inspection(found["claimed_hash"], PdfReport(signatures=signatures, **raw))


def _to_json(inspection: Inspection) -> str:
    def default(value):
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps({"claimed_hash": inspection.claimed_hash, "report": asdict(inspection.report)}, default=default)


def _inspect(data: bytes) -> str:
    from app.signing.pades import read_content_hash, validate_pdf

    try:
        claimed = read_content_hash(data)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by validate_pdf
        claimed = None
    report = validate_pdf(data)
    # validate_pdf reports any exception on a hostile file as a finding; running out of memory is
    # not a finding about the file but the limit stopping the check.
    if any("MemoryError" in (text or "") for text in (report.error, *(s.error for s in report.signatures))):
        raise MemoryError
    return _to_json(Inspection(claimed, report))


if __name__ == "__main__":
    sys.exit(serve(_inspect))
