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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient


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


def _folders(folder: str) -> dict:
    """The instance, mail and storage folders of an app whose files live in `folder`."""
    return {"INSTANCE_PATH": os.path.join(folder, "instance"), "MAIL_FILE_DIR": os.path.join(folder, "mail"),
            "STORAGE_DIR": os.path.join(folder, "storage")}


def _build(folder: str, migrated: bool) -> DemoBuild:
    url = databases.new_database("demo", folder)
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, **_folders(folder)})
    with app.app_context():
        if migrated:
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    return DemoBuild(url, folder)


def copy_demo(build: DemoBuild, folders: dict) -> str:
    """The URL of a new copy of `build`'s database, its folders copied to `folders` (the copy's
    INSTANCE_PATH, MAIL_FILE_DIR and STORAGE_DIR). A SQLite copy is made beside the instance
    folder, not in it, as an instance's database would be."""
    for setting, source in _folders(build.folder).items():
        if os.path.isdir(source):
            shutil.copytree(source, folders[setting], dirs_exist_ok=True)
    if build.url.startswith("postgresql"):
        return databases.create_postgres_database("demo_copy", template=build.url)
    folder = os.path.abspath(folders["INSTANCE_PATH"])
    path = os.path.join(os.path.dirname(folder), f"{os.path.basename(folder)}-demo.db")
    shutil.copyfile(build.url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory):
    """current(migrated=False) -> this process's build of the demo for today (made when first asked
    for), on tables made from the models or, `migrated`, by the migrations (as an instance's are)."""
    builds: dict[tuple, DemoBuild] = {}

    def current(migrated: bool = False) -> DemoBuild:
        key = (_days(), migrated)
        if key not in builds:
            builds[key] = _build(str(tmp_path_factory.mktemp("demo")), migrated)
        return builds[key]

    yield current
    for build in builds.values():
        databases.drop_database(build.url)


@contextmanager
def _app_on_a_copy(build: DemoBuild, folder: str):
    folders = _folders(folder)
    url = copy_demo(build, folders)
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, **folders})
    app.test_client_class = JointlyClient
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop_database(url)


@pytest.fixture
def demo(demo_builds, tmp_path):
    """An app on a copy of the demo workspace, with its context pushed."""
    with _app_on_a_copy(demo_builds(), str(tmp_path / "demo")) as app:
        yield app


@pytest.fixture
def migrated_demo(demo_builds, tmp_path):
    """An app on a copy of the demo workspace loaded into a database the migrations made (at
    head), with its context pushed: for migrations to walk down and up over."""
    with _app_on_a_copy(demo_builds(migrated=True), str(tmp_path / "demo")) as app:
        yield app
