"""Item 2: the whole-plan page and a section page under wrk, against the same template from memory.

gunicorn (the `make run` settings) on a fresh PostgreSQL copy of the demo; wrk from loopback
with a session cookie from a real sign-in. The baseline is /bench/bare (bench/server.py): the
same template and context, held in memory, served by the same gunicorn.

Then the templates themselves, in this process: each page's template rendered from the context
it was rendered with (CPU time), against a minimal Jinja page of the same size (one loop of one
paragraph, compiled once), which is what Jinja costs for that much HTML at the least.
"""

import os
import re
import shutil
import subprocess
import time

from bench import gunicorn
from bench.common import Row, demo_database, log, median_seconds

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


_LINE = '<p class="para">Lorem ipsum dolor sit amet, {{ i }} consectetur adipiscing elit, sed do.</p>\n'


def template_figures(app, client, path: str, repeat: int) -> tuple[float, float, int, int]:
    """CPU ms to render the page's template from its context held in memory, the same for a
    minimal page of the same size, that size in bytes, and the statements the helpers the
    template calls run while it renders (a section's evidence, the baseline note)."""
    from flask import g, render_template, template_rendered

    from app.extensions import db
    from tests.support.queries import count_queries

    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, dict(context)))

    with template_rendered.connected_to(record, app):
        size = len(client.get(path).data)
    name, context = seen[-1]
    with app.test_request_context(path):
        g.membership = context.get("membership")  # as the gate keeps it, for helpers the template calls
        standard: dict = {}
        app.update_template_context(standard)
        context = {key: value for key, value in context.items() if key not in standard}
        with count_queries(db.engine) as statements:
            render_template(name, **context)
        page = median_seconds(lambda: render_template(name, **context), repeat, warmup=3, clock=time.process_time)
        minimal = app.jinja_env.from_string("{% for i in range(n) %}" + _LINE + "{% endfor %}")
        count = size // (len(_LINE) - len("{{ i }}") + 2)
        least = median_seconds(lambda: minimal.render(n=count), repeat, warmup=3, clock=time.process_time)
    return page * 1000, least * 1000, size, len(statements)


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
            rows.append(Row("2 load", f"{label}: requests/s", ours["rps"], bare["rps"], "req/s", 0.8, note,
                            higher_is_better=True))
            rows.append(Row("2 load", f"{label}: p99 latency", ours["p99_ms"], bare["p99_ms"], "ms", 1.3, note))
        repeat = int(os.environ.get("BENCH_PAGE_REPEAT", "15"))
        for label, path in pages.items():
            page, least, size, statements = template_figures(app, counter, path, repeat)
            rows.append(Row("2 load", f"{label}: template render CPU vs a minimal Jinja page of the same size",
                            page, least, "ms", None, f"{size / 1000:.0f} KB; the template from its context in memory"
                            f" ({statements} statements run by helpers it calls)"))
    return rows
