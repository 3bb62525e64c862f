"""Item 9: memory per web worker after 10,000 requests against after a warm-up.

gunicorn serves `wsgi:app` with `make run`'s settings (WEB_CONCURRENCY workers × THREADS
threads) on a copy of the demo database; one signed-in session asks, from 8 client threads,
for a mix of the pages people use (home, my work, notifications, the partnership's home,
plan, whole plan, a section, its history and comparison, versions, reviews, lifecycle, audit
trail) round and round. Each worker's resident set (VmRSS) is read after a warm-up
(BENCH_MEMORY_WARMUP requests, 1,000) and again after BENCH_MEMORY_REQUESTS more (10,000).
The target is growth of at most 10 % per worker.
"""

import http.client
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.common import ROOT, Row, demo_database, demo_partnership_id, log, make_app, server_environment
from bench.gunicorn import WORKERS, free_port, gunicorn_command, sign_in, wait_until_up

CLIENTS = 8
SECTION = "risk_assessment"


def pages(partnership_id: int) -> list[str]:
    base = f"/partnerships/{partnership_id}"
    return [
        "/home", "/my-work", "/notifications", base, f"{base}/plan", f"{base}/plan/full",
        f"{base}/plan/{SECTION}", f"{base}/plan/{SECTION}/history", f"{base}/plan/{SECTION}/compare",
        f"{base}/versions", f"{base}/reviews", f"{base}/lifecycle", f"{base}/audit", f"{base}/members",
    ]


def worker_pids(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return sorted(int(pid) for pid in children.read().split())


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def send(port: int, cookie: str, paths: list[str], count: int) -> int:
    """`count` GETs spread over CLIENTS keep-alive connections, cycling through `paths`; the errors."""
    lock, state = threading.Lock(), {"next": 0, "errors": 0}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                number = state["next"]
                if number >= count:
                    break
                state["next"] += 1
            connection.request("GET", paths[number % len(paths)], headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                with lock:
                    state["errors"] += 1
        connection.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(client) for _ in range(CLIENTS)]:
            future.result()
    return state["errors"]


def run() -> list:
    warmup = int(os.environ.get("BENCH_MEMORY_WARMUP", "1000"))
    requests = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
    with demo_database("memory") as url:
        partnership_id = demo_partnership_id(make_app(url))
        port = free_port()
        process = subprocess.Popen(gunicorn_command("wsgi:app", port), cwd=ROOT,  # noqa: S603 - our own gunicorn
                                   env=server_environment(url))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/signin", process=process)
            cookie = sign_in(base)
            paths = pages(partnership_id)
            log(f"memory: {warmup} requests to warm up over {len(paths)} pages")
            errors = send(port, cookie, paths, warmup)
            workers = worker_pids(process.pid)
            before = {pid: rss_kb(pid) for pid in workers}
            log(f"memory: {requests} requests")
            started = time.perf_counter()
            errors += send(port, cookie, paths, requests)
            took = time.perf_counter() - started
            after = {pid: rss_kb(pid) for pid in worker_pids(process.pid)}
        finally:
            process.terminate()
            process.wait(timeout=30)
    if set(after) != set(before):
        raise RuntimeError("a worker was replaced during the run: its memory cannot be compared")
    growth = ", ".join(f"{before[pid] / 1024:.0f} → {after[pid] / 1024:.0f} MB" for pid in workers)
    worst = max(workers, key=lambda pid: after[pid] / before[pid])
    return [Row("9 memory", f"web worker RSS after {requests:,} requests vs after {warmup:,} (worst worker)",
                after[worst] / 1024, before[worst] / 1024, "MB", 1.1,
                f"{WORKERS} workers: {growth}; {len(paths)} pages, {errors} errors, {requests / took:.0f} req/s")]
