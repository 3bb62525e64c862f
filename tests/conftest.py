"""Fixtures for the whole suite: an app on a private test database, clients and data.

Run on SQLite by default; JOINTLY_TEST_DB=postgresql runs the same tests on PostgreSQL.
"""

import os

import pytest

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient
from tests.support.demo import demo, demo_builds, migrated_demo  # noqa: F401 - the demo workspace, built once per process
from tests.support.factories import make_two_parties
from tests.support.plans import Agreed, Plan, Versions, agreed_plan, written
from tests.support.s3 import s3_bucket, s3_endpoint  # noqa: F401 - a real S3 API (moto's server) for every test
from tests.support.server_log import no_unhandled_server_errors  # noqa: F401 - autouse, on every test
from tests.support.services import redis_url  # noqa: F401 - a fixture for every test that needs Redis


def pytest_report_header(config):
    return f"database engine: {databases.engine_name()}"


def pytest_configure(config):
    from tests.support import server_log

    server_log.install()


SERVER_LOG = {"tests": 0, "unhandled": 0}


def pytest_runtest_logreport(report):
    # Runs where the results are gathered (with xdist: the controller), so it counts the whole run.
    if report.when == "teardown":
        counts = dict(report.user_properties)
        if "unhandled_server_errors" in counts:
            SERVER_LOG["tests"] += 1
            SERVER_LOG["unhandled"] += counts["unhandled_server_errors"]


def pytest_terminal_summary(terminalreporter):
    if SERVER_LOG["tests"]:
        terminalreporter.write_line(
            f"server log, checked after each of {SERVER_LOG['tests']} tests: "
            f"{SERVER_LOG['unhandled']} unhandled exceptions"
        )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if databases.engine_name() == "postgresql" and not databases.postgres_reachable():
        pytest.exit("JOINTLY_TEST_DB=postgresql but PostgreSQL is not reachable", returncode=3)
    url = databases.new_database("suite", tmp_path_factory.mktemp("db"))
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path_factory.mktemp("i"))})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    databases.drop_database(url)


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the suite's database with config overrides; rows are removed after the test."""
    apps = []

    def factory(**overrides):
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
            "STORAGE_DIR": str(tmp_path / "storage"),
        }
        config.update(overrides)
        app = create_app(TestConfig, config)
        app.test_client_class = JointlyClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            databases.empty_all_tables(db)
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app, with its context pushed so tests can call services directly."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app) -> JointlyClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def two_parties(app):
    return make_two_parties()


@pytest.fixture
def plan(two_parties) -> Plan:
    """A partnership whose plan the test writes."""
    return Plan(two_parties)


@pytest.fixture
def versions(two_parties) -> Versions:
    """Every section written, ready to issue versions of."""
    return written(two_parties)


@pytest.fixture
def agreed(two_parties) -> Agreed:
    """A plan signed by both parties, with agreed sections switched on."""
    return agreed_plan(two_parties)


@pytest.fixture
def empty_database(tmp_path):
    """An app on a database of its own with no tables, for migrations to build."""
    url = databases.new_database("migrations", tmp_path)
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path / "i")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop_database(url)


@pytest.fixture
def client_as(app):
    """client_as(user) -> a fresh client signed in as that user."""

    def factory(user, password: str | None = None):
        from tests.support.factories import PASSWORD

        client = app.test_client()
        client.sign_in(user.email, password or PASSWORD)
        return client

    return factory


def pytest_collection_modifyitems(config, items):
    # Tests that need PostgreSQL's row locks and concurrent writers skip on SQLite.
    if databases.engine_name() != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (JOINTLY_TEST_DB=postgresql)")
        for item in items:
            if item.get_closest_marker("postgres_only"):
                item.add_marker(skip)
    # Tests that touch no database already ran on the SQLite pass of `make test`.
    if os.environ.get("JOINTLY_ONCE_PER_RUN_DONE") == "1":
        once = [item for item in items if item.get_closest_marker("engine_independent")]
        if once:
            config.hook.pytest_deselected(items=once)
            items[:] = [item for item in items if not item.get_closest_marker("engine_independent")]
    # Browser journeys are slow: run them last so fast feedback comes first.
    items.sort(key=lambda item: "e2e" in item.nodeid.split(os.sep))
