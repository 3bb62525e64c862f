"""The demo workspace, built once per test process and copied for each test that reads it.

Loading the demo takes seconds (it renders and signs plan PDFs and reads its files' text), and a
dozen tests only read what it built. The `demo` fixture gives each of them an app on a copy of one
build: its database (a file copy on SQLite, a template copy on PostgreSQL) and its instance, mail
and storage folders, so the copy keeps the build's keys, emails and files. The build is made again
when the day has changed in any time zone its people live in since it was made, so "yesterday"
and "this year" mean in a copy what they mean in a fresh build. Tests of the command itself (its
output, --if-empty, running it twice, the worker's first run after it) still run it.
"""

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient

FOLDERS = ("instance", "mail", "storage")


@dataclass(frozen=True)
class DemoBuild:
    url: str
    folder: str


def _days() -> tuple:
    """Today in UTC and in every time zone of the demo's people."""
    from app.demo.portfolio import NORTHWIND_PARTNERSHIPS
    from app.demo.workspace import PEOPLE

    zones = sorted({"UTC", *(person[3] for person in PEOPLE), *(row[7] for row in NORTHWIND_PARTNERSHIPS)})
    now = datetime.now(UTC)
    return tuple(now.astimezone(ZoneInfo(zone)).date() for zone in zones)


def _settings(url: str, folder: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": os.path.join(folder, "instance"),
            "MAIL_FILE_DIR": os.path.join(folder, "mail"), "STORAGE_DIR": os.path.join(folder, "storage")}


def _build(folder: str) -> DemoBuild:
    url = databases.new_database("demo", folder)
    app = create_app(TestConfig, _settings(url, folder))
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    return DemoBuild(url, folder)


def _copy(build: DemoBuild, folder: str) -> str:
    for name in FOLDERS:
        if os.path.isdir(os.path.join(build.folder, name)):
            shutil.copytree(os.path.join(build.folder, name), os.path.join(folder, name))
    if build.url.startswith("postgresql"):
        return databases.create_postgres_database("demo_copy", template=build.url)
    path = os.path.join(folder, "demo.db")
    shutil.copyfile(build.url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory):
    """current() -> this process's build of the demo for today (made when first asked for)."""
    builds: dict[tuple, DemoBuild] = {}

    def current() -> DemoBuild:
        days = _days()
        if days not in builds:
            builds[days] = _build(str(tmp_path_factory.mktemp("demo")))
        return builds[days]

    yield current
    for build in builds.values():
        databases.drop_database(build.url)


@pytest.fixture
def demo(demo_builds, tmp_path):
    """An app on a copy of the demo workspace, with its context pushed."""
    folder = str(tmp_path / "demo")
    url = _copy(demo_builds(), folder)
    app = create_app(TestConfig, _settings(url, folder))
    app.test_client_class = JointlyClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop_database(url)
