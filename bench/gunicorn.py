"""Starting gunicorn on the bench app and signing in to it over HTTP, as a browser does."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

from bench.common import DEMO_EMAIL, DEMO_PASSWORD, ROOT, server_environment

# The settings `make run` serves with.
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
THREADS = os.environ.get("THREADS", "4")
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(module: str, port: int, workers: str = WORKERS) -> list[str]:
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "--bind", f"127.0.0.1:{port}", "--workers", workers, "--threads", THREADS,
        "--log-level", "warning", "--timeout", "300", module,
    ]


def wait_until_up(url: str, timeout: float = 60, process=None) -> float:
    """Poll `url` until it answers 200; the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def serving(database_url: str, extra_env: dict | None = None, workers: str = WORKERS):
    """gunicorn serving bench.server:app on a free port; yields its base URL."""
    port = free_port()
    env = server_environment(database_url)
    env["BENCH_SERVER"] = "1"
    env.update(extra_env or {})
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn
        gunicorn_command("bench.server:app", port, workers), cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/signin", process=process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_in(base: str, email: str = DEMO_EMAIL) -> str:
    """Sign in through the real form; the session cookie as a Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/signin").read().decode()
    token = _TOKEN.search(page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": DEMO_PASSWORD}).encode()
    opener.open(base + "/signin", data=form).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "jointly_session")
    assert cookies, "sign-in did not set a session cookie"
    return cookies


def get(base: str, path: str, cookie: str) -> tuple[int, float, bytes]:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 - loopback
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        body = response.read()
        return response.status, time.perf_counter() - started, body
