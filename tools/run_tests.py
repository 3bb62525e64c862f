"""`make test`: the whole suite on SQLite, then on PostgreSQL when one is reachable.

REQUIRE_POSTGRES=1 turns an unreachable PostgreSQL into a failure (CI sets it).
Extra arguments are passed to pytest. Ends with one line counting all results.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)

from tests.support.databases import postgres_reachable, postgres_server_url  # noqa: E402

BANNER = "=" * 78


def say(message: str) -> None:
    print(f"\n{BANNER}\n{message}\n{BANNER}", flush=True)


def ensure_browser() -> None:
    """Browser tests need Debian's Chromium; install it when we can (as root)."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if all(os.path.exists(path) for path in (chromium, "/usr/bin/pdftoppm")):
        return
    packages = ["chromium", "poppler-utils", "fonts-dejavu-core"]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installing Chromium and poppler-utils for the browser and PDF tests (apt-get)…")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=False, env=env)
    if not os.path.exists(chromium):
        say(
            f"MISSING: Chromium ({chromium}). Browser tests will be skipped.\n"
            f"Install it with: sudo apt-get install -y {' '.join(packages)}"
        )
    if shutil.which("pdftotext") is None:
        say(
            "MISSING: poppler-utils. The PDF tests and the blindness walk will be skipped.\n"
            f"Install it with: sudo apt-get install -y {' '.join(packages)}"
        )


def run_pytest(engine: str, extra: list[str], *, once_done: bool = False) -> tuple[int, dict]:
    """Run the suite on one engine; `once_done` leaves out the tests that touch no database
    (marked engine_independent), which the first pass already ran."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as handle:
        report = handle.name
    env = {**os.environ, "JOINTLY_TEST_DB": engine, "JOINTLY_ONCE_PER_RUN_DONE": "1" if once_done else "0"}
    workers = os.environ.get("PYTEST_WORKERS", "auto")
    command = [sys.executable, "-m", "pytest", "-n", workers, "--junitxml", report, *extra]
    say(f"Running the test suite on {engine}")
    code = subprocess.call(command, cwd=ROOT, env=env)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    try:
        suites = ET.parse(report).getroot()
        suite_list = [suites] if suites.tag == "testsuite" else list(suites)
        for suite in suite_list:
            total = int(suite.get("tests", 0))
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            counts["failed"] += failed
            counts["skipped"] += skipped
            counts["passed"] += total - failed - skipped
    except (ET.ParseError, FileNotFoundError):
        counts["failed"] += 1
    finally:
        if os.path.exists(report):
            os.unlink(report)
    return code, counts


def main() -> int:
    extra = sys.argv[1:]
    ensure_browser()
    results = {"sqlite": run_pytest("sqlite", extra)}
    if postgres_reachable():
        results["postgresql"] = run_pytest("postgresql", extra, once_done=True)
    elif os.environ.get("REQUIRE_POSTGRES") == "1":
        say(f"FAILED: PostgreSQL is required (REQUIRE_POSTGRES=1) but {postgres_server_url()} is not reachable.")
        results["postgresql"] = (1, {"passed": 0, "failed": 1, "skipped": 0})
    else:
        say(
            f"WARNING: PostgreSQL at {postgres_server_url()} is not reachable, so the suite ran on SQLite only.\n"
            "Set DATABASE_URL_TEST=postgresql+psycopg://USER@HOST:PORT/DB to test on PostgreSQL too."
        )
    total = {"passed": 0, "failed": 0, "skipped": 0}
    for engine, (code, counts) in results.items():
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        tally = f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
        print(f"{engine:>10}: {tally} — {status}")
        for key in total:
            total[key] += counts[key]
    failed = any(code != 0 for code, _ in results.values())
    if failed and total["failed"] == 0:
        total["failed"] = 1  # pytest failed without reporting a test failure (collection error, crash)
    print(f"tests: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
