"""Real servers a test needs beside the app: Redis (the shared one, or a private one started
for the test) and Jointly's own worker processes (`flask --app wsgi ermp worker`)."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.support.mail import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def redis_client(url: str):
    """A client when Redis answers at `url`, else None."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


@pytest.fixture
def redis_url(tmp_path):
    """REDIS_URL if it answers, else a private redis-server for this test (skipped without one
    unless REQUIRE_REDIS=1)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if redis_client(url) is not None:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        message = f"Redis is not reachable at {url} and redis-server is not installed"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while redis_client(url) is None:
            if time.monotonic() > deadline:
                pytest.fail("the private redis-server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def unique_prefix() -> str:
    """Keeps one test's queue and counters apart from every other test sharing the Redis."""
    return f"jointly-test-{uuid.uuid4().hex[:10]}"


def wait_for(condition, timeout: float = 60, interval: float = 0.2, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


class Worker:
    """One `flask --app wsgi ermp worker` process (and the job processes it forks)."""

    def __init__(self, env: dict, log_path: str, workers: int = 1):
        self.log_path = log_path
        self._log = open(log_path, "a")  # noqa: SIM115 - written by the process until it stops
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "ermp", "worker", "--workers", str(workers)]
        # Its own process group: kill() takes the forked job processes down with it, as a crash would.
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def log(self) -> str:
        with open(self.log_path) as handle:
            return handle.read()

    def kill(self) -> None:
        """SIGKILL to every process of the worker: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if not self._log.closed:
            self._log.close()


def worker_env(app, **extra) -> dict:
    """The environment that makes a worker process use the test app's database, queue and secrets."""
    config = app.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "JOINTLY_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": config["SECRET_KEY"],
        "AUDIT_KEY": config["AUDIT_KEY"],
        "SIGNING_KEYS_SECRET": config["SIGNING_KEYS_SECRET"],
        "RATELIMIT_KEY_PREFIX": config["RATELIMIT_KEY_PREFIX"],
        "MAIL_FILE_DIR": config["MAIL_FILE_DIR"],
        "APP_BASE_URL": config["APP_BASE_URL"],
        "JOB_SWEEP_GRACE_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("REDIS_URL", "MAIL_SERVER", "MAIL_PORT"):
        env.pop(key, None)
        if config.get(key):
            env[key] = str(config[key])
    env.update({k: str(v) for k, v in extra.items()})
    return env
