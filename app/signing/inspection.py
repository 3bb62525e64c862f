"""Checking an untrusted PDF in a child process with CPU-time, memory and wall-clock limits.

A PDF someone uploads to /verify (or hands to `ermp verify-pdf`) may be built to be slow or
huge. Parsing it and validating its signatures therefore never runs in the web process:
`inspect_pdf` starts `python -m app.signing.inspection`, which limits itself (RLIMIT_CPU,
RLIMIT_AS) before reading the file from stdin, and writes its findings as JSON to stdout.
The parent kills it when the wall-clock limit passes. Whatever the file does, it costs at
most those limits, and the caller gets `InspectionRefused` with a message to show.
"""

import contextlib
import json
import os
import resource
import signal
import subprocess  # nosec B404 - runs this module with the same interpreter, argument list only
import sys
from dataclasses import asdict, dataclass
from datetime import datetime

from app.signing.pades import PdfReport, SignatureReport

MEMORY_EXIT = 75  # the child ran out of its memory allowance


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_mb: int
    wall_seconds: float


@dataclass(frozen=True)
class Inspection:
    claimed_hash: str | None  # the content hash the file's newest revision claims
    report: PdfReport


class InspectionRefused(Exception):  # noqa: N818 - reads as what happened
    """The file was stopped by a limit; the message says which, in the user's terms."""


def inspect_pdf(data: bytes, limits: Limits) -> Inspection:
    """Validate `data` in a limited child process (signatures checked without trust roots:
    the caller matches certificate fingerprints against the signatures it recorded)."""
    command = [sys.executable, "-m", "app.signing.inspection", str(limits.cpu_seconds), str(limits.memory_mb)]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": root, "LANG": "C.UTF-8"}
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell  # nosec B603
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root, env=env,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(data, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired as error:
        _kill(process)
        raise InspectionRefused(
            f"The PDF took longer than {limits.wall_seconds:g} seconds to check, so the check was stopped."
        ) from error
    if process.returncode == MEMORY_EXIT:
        raise InspectionRefused(
            f"Checking the PDF needed more than {limits.memory_mb} MB of memory, so the check was stopped."
        )
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise InspectionRefused(
            f"Checking the PDF needed more than {limits.cpu_seconds} seconds of computing time, so the check "
            "was stopped."
        )
    if process.returncode != 0:
        raise InspectionRefused("The PDF could not be checked: the checker stopped on it.") from RuntimeError(
            err.decode(errors="replace")[-2000:]
        )
    return _from_json(json.loads(out))


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


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


def _main(cpu_seconds: int, memory_mb: int) -> int:
    from app.signing.pades import validate_pdf
    from app.signing.pdf import read_content_hash

    # Limits taken after the imports: they bound the work on the file, not the interpreter.
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    with open("/proc/self/statm") as handle:
        virtual = int(handle.read().split()[0]) * resource.getpagesize()
    ceiling = virtual + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    data = sys.stdin.buffer.read()
    try:
        try:
            claimed = read_content_hash(data)
        except Exception:  # noqa: BLE001 - an unreadable file is reported by validate_pdf
            claimed = None
        report = validate_pdf(data)
        # validate_pdf reports any exception on a hostile file as a finding; running out of
        # memory is not a finding about the file but the limit stopping the check.
        found = [report.error or "", *(signature.error or "" for signature in report.signatures)]
        if any("MemoryError" in text for text in found) or _reached(ceiling):
            return MEMORY_EXIT
        sys.stdout.write(_to_json(Inspection(claimed, report)))
    except MemoryError:
        return MEMORY_EXIT
    return 0


def _reached(ceiling: int, margin: int = 8 * 1024 * 1024) -> bool:
    """Whether the address space came within `margin` of the limit: an allocation was then
    refused somewhere, whatever error the libraries made of it."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024 >= ceiling - margin
    return False


if __name__ == "__main__":
    sys.exit(_main(int(sys.argv[1]), int(sys.argv[2])))
