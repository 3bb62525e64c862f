"""Item 2: the whole-plan page and a section page under wrk, against the same template from memory.

gunicorn (the `make run` settings) on a fresh PostgreSQL copy of the demo; wrk from loopback
with a session cookie from a real sign-in. The baseline is /bench/bare (bench/server.py): the
same template and context, held in memory, served by the same gunicorn.
"""

import os
import re
import shutil
import subprocess

from bench import gunicorn
from bench.common import Row, demo_database, log

CONNECTIONS = 16
SECTION = "risk_assessment"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, cookie: str, seconds: int) -> dict:
    output = subprocess.run(  # noqa: S603 - the system's wrk on loopback
        [shutil.which("wrk") or "/usr/bin/wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
         "-H", f"Cookie: {cookie}", url],
        check=True, capture_output=True, text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, "p99_ms": float(value) * _UNITS[unit], "errors": int(errors.group(1)) if errors else 0}


def run(seconds: int | None = None) -> list:
    seconds = seconds or int(os.environ.get("BENCH_WRK_SECONDS", "10"))
    rows = []
    with demo_database("load") as url, gunicorn.serving(url) as base:
        cookie = gunicorn.sign_in(base)
        from bench.common import demo_partnership_id, make_app, signed_in_client
        from bench.history import page_figures

        app = make_app(url)
        partnership_id = demo_partnership_id(app)
        counter = signed_in_client(app)
        pages = {
            "whole-plan page": f"/partnerships/{partnership_id}/plan/full",
            "section page": f"/partnerships/{partnership_id}/plan/{SECTION}",
        }
        for label, path in pages.items():
            jointly_url, bare_url = base + path, f"{base}/bench/bare?page={path}"
            for target in (jointly_url, bare_url):  # warm both workers, the capture included
                for _ in range(8):
                    status, _seconds, _body = gunicorn.get(base, target[len(base):], cookie)
                    assert status == 200, (target, status)
            log(f"wrk {label}: {CONNECTIONS} connections, {seconds} s each")
            bare = wrk(bare_url, cookie, seconds)
            ours = wrk(jointly_url, cookie, seconds)
            note = f"{page_figures(counter, path)} statements per request"
            if ours["errors"] or bare["errors"]:
                note += f"; {ours['errors']} + {bare['errors']} non-2xx responses"
            rows.append(Row("2 load", f"{label}: requests/s", ours["rps"], bare["rps"], "req/s", 0.7, note,
                            higher_is_better=True))
            rows.append(Row("2 load", f"{label}: p99 latency", ours["p99_ms"], bare["p99_ms"], "ms", 1.5, note))
    return rows
