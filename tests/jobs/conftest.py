"""A queue shared with real `ermp worker` processes: SQLite storage beside an SQLite database,
Redis beside PostgreSQL (the two set-ups the README describes)."""

from dataclasses import dataclass, field

import pytest

from app.extensions import db
from tests.support import databases
from tests.support.factories import make_two_parties
from tests.support.review_cycle import add_measures
from tests.support.services import Worker, unique_prefix, worker_env


@dataclass
class Queue:
    app: object
    tmp_path: object
    workers: list = field(default_factory=list)

    def start_worker(self, workers: int = 1, **env) -> Worker:
        n = len(self.workers) + 1
        worker = Worker(worker_env(self.app, **env), str(self.tmp_path / f"worker{n}.log"), workers=workers)
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(worker.log() for worker in self.workers)


@pytest.fixture
def queue_app(make_app, request, tmp_path):
    """The app with jobs going to the real queue (not run in-process)."""
    overrides = {"JOBS_IMMEDIATE": False, "RATELIMIT_KEY_PREFIX": unique_prefix()}
    if databases.engine_name() == "postgresql":
        overrides["REDIS_URL"] = request.getfixturevalue("redis_url")
    app = make_app(**overrides)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def queue(queue_app, tmp_path):
    found = Queue(queue_app, tmp_path)
    try:
        yield found
    finally:
        for worker in found.workers:
            worker.stop()
        huey = queue_app.extensions["jobs"]
        huey.flush()


@pytest.fixture
def world(two_parties):
    """A partnership with joint measures in its business case, ready for review cycles."""
    add_measures(two_parties.partnership, two_parties.a.admin)
    return two_parties


@pytest.fixture
def queue_world(queue_app):
    return make_two_parties()
