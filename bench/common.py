"""What every benchmark item shares: the PostgreSQL database with the demo, the app, timing, rows.

One database per run is created, migrated and loaded with the demo (the template);
each item works on its own copy of it (CREATE DATABASE ... TEMPLATE), so items never
see each other's data and each can run alone.
"""

import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEMO_EMAIL = "alex.morgan@northwind.example"
DEMO_PASSWORD = "partnering-demo-2026"  # noqa: S105 - the demo's published password
WORK_DIR = tempfile.mkdtemp(prefix="jointly-bench-")


@dataclass
class Row:
    """One line of the table: Jointly's figure beside its baseline's, and the target on their ratio."""

    item: str
    measure: str
    jointly: float
    baseline: float
    unit: str
    target: float | None  # the ratio Jointly / baseline must stay at or below this
    note: str = ""
    higher_is_better: bool = False  # for throughput: ratio is Jointly / baseline, must be >= target

    @property
    def ratio(self) -> float:
        return self.jointly / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target


@dataclass
class Figure:
    """A figure with an absolute limit (no baseline): e.g. signing ≤ 30 ms, lost updates = 0."""

    item: str
    measure: str
    value: float
    unit: str
    limit: float | None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.limit is None else self.value <= self.limit


# -- databases --------------------------------------------------------------------------------


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    with psycopg.connect(_libpq(SERVER_URL), autocommit=True) as conn:
        conn.execute(sql)


def _url(name: str) -> str:
    return sa.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


_TEMPLATE: list[str] = []


def demo_template() -> str:
    """The name of a database migrated with Alembic and holding the demo (built once per run)."""
    if _TEMPLATE:
        return _TEMPLATE[0]
    name = f"jointly_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    _TEMPLATE.append(name)
    app = make_app(_url(name))
    with app.app_context():
        from flask_migrate import upgrade

        from app.demo import build_demo
        from app.extensions import db

        upgrade()
        build_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return name


@contextmanager
def demo_database(label: str):
    """A fresh copy of the demo database, dropped afterwards; yields its URL."""
    template = demo_template()
    name = f"{template}_{label}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_template() -> None:
    while _TEMPLATE:
        _admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE.pop()}" WITH (FORCE)')


def app_settings(database_url: str) -> dict:
    """The settings a benchmark's app runs with, also handed to gunicorn through the environment."""
    instance = os.path.join(WORK_DIR, "instance")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench-only-secret-key",
        "INSTANCE_PATH": instance,
        "MAIL_FILE_DIR": os.path.join(instance, "mail"),
        "STORAGE_DIR": os.path.join(instance, "storage"),
        "LOG_LEVEL": "WARNING",
    }


def server_environment(database_url: str) -> dict:
    settings = app_settings(database_url)
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": settings["SECRET_KEY"],
        "JOINTLY_INSTANCE_PATH": settings["INSTANCE_PATH"],
        "MAIL_FILE_DIR": settings["MAIL_FILE_DIR"],
        "STORAGE_DIR": settings["STORAGE_DIR"],
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": ROOT,
    })
    return env


def make_app(database_url: str, **overrides):
    from app import create_app
    from config import Config
    from tests.support.client import JointlyClient

    settings = app_settings(database_url)
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "hide_parameters": True, "pool_size": 20}
    settings.update(overrides)
    app = create_app(Config, settings)
    app.test_client_class = JointlyClient
    return app


def signed_in_client(app, email: str = DEMO_EMAIL):
    client = app.test_client()
    client.sign_in(email, DEMO_PASSWORD)
    return client


def demo_partnership_id(app) -> int:
    from app.extensions import db
    from app.partnerships.models import Partnership

    with app.app_context():
        return db.session.scalar(sa.select(Partnership.id).order_by(Partnership.id).limit(1))


# -- timing -----------------------------------------------------------------------------------


def median_seconds(call, repeat: int, warmup: int = 2, clock=time.perf_counter) -> float:
    """The median time of `call` over `repeat` runs, after `warmup` runs (GC held off while timed).

    Wall time by default; clock=time.process_time gives this process's CPU time."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = clock()
            call()
            times.append(clock() - started)
        finally:
            gc.enable()
    return statistics.median(times)


def alternating_medians(calls: list, repeat: int, warmup: int = 1) -> list[float]:
    """Median seconds of each call, timed in alternating rounds so load from elsewhere hits all alike."""
    for call in calls:
        for _ in range(warmup):
            call()
    times = [[] for _ in calls]
    for round_number in range(repeat):
        order = list(enumerate(calls))
        if round_number % 2:
            order.reverse()
        for index, call in order:
            gc.collect()
            started = time.perf_counter()
            call()
            times[index].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)
