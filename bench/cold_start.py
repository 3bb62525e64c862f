"""Item 7: cold start, and what the app imports before it can serve.

- Process start to first served page: gunicorn (the `make run` settings) started on
  wsgi:app and polled until /signin answers 200, against the same gunicorn serving a bare
  Flask app (bench/bare_app.py) polled the same way. Alternating, median of runs.
- Import time of the app (`import wsgi`) in a fresh interpreter, against the same plus
  WeasyPrint and pyHanko, and how many of their modules the app itself loaded at start-up
  (they belong off the request path: rendering and signing import them when first used).
"""

import json
import os
import statistics
import subprocess
import sys
import time

from bench import gunicorn
from bench.common import ROOT, Figure, Row, demo_database, server_environment

IMPORT_PROBE = """
import json, sys, time
started = time.perf_counter()
import wsgi
{extra}
seconds = time.perf_counter() - started
heavy = [name for name in sys.modules if name.split(".")[0] in ("weasyprint", "pyhanko")]
print(json.dumps({{"seconds": seconds, "heavy": len(heavy)}}))
"""
WITH_ENGINES = "import weasyprint, pyhanko.sign, pyhanko.sign.validation"


def first_page_seconds(module: str, env: dict) -> float:
    port = gunicorn.free_port()
    started = time.perf_counter()
    process = subprocess.Popen(gunicorn.gunicorn_command(module, port), cwd=ROOT, env=env)  # noqa: S603
    try:
        gunicorn.wait_until_up(f"http://127.0.0.1:{port}/signin", process=process)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def import_probe(env: dict, extra: str = "") -> dict:
    output = subprocess.run(  # noqa: S603 - this interpreter on a fixed script
        [sys.executable, "-c", IMPORT_PROBE.format(extra=extra)], cwd=ROOT, env=env,
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run() -> list:
    repeat = int(os.environ.get("BENCH_COLD_REPEAT", "3"))
    with demo_database("cold") as url:
        env = server_environment(url)
        app_times, bare_times = [], []
        for round_number in range(repeat):
            pair = [("wsgi:app", app_times), ("bench.bare_app:app", bare_times)]
            for module, times in pair if round_number % 2 == 0 else pair[::-1]:
                times.append(first_page_seconds(module, env))
        plain = [import_probe(env) for _ in range(repeat)]
        loaded = [import_probe(env, WITH_ENGINES) for _ in range(repeat)]
    app_import = statistics.median(p["seconds"] for p in plain)
    with_engines = statistics.median(p["seconds"] for p in loaded)
    heavy = max(p["heavy"] for p in plain)
    return [
        Row("7 cold start", "process start to first served page", statistics.median(app_times),
            statistics.median(bare_times), "s", None, "gunicorn wsgi:app vs a bare Flask app, same settings"),
        Row("7 cold start", "app import vs app import + WeasyPrint and pyHanko", app_import, with_engines, "s", None,
            f"the difference ({with_engines - app_import:.2f} s) stays off start-up"),
        Figure("7 cold start", "WeasyPrint/pyHanko modules loaded by the app at start-up", heavy, "", 0,
               "imported when a PDF is first rendered or signed"),
    ]
