"""`flask ermp backup` / `ermp restore`: a restored instance matches its backup exactly,
on this run's engine (SQLite's backup API, or pg_dump/pg_restore for PostgreSQL)."""

import gzip
import io
import json
import os
import tarfile

import pytest
from flask_migrate import upgrade

from app import create_app
from app.audit.services import verify_chain
from app.backup import _counts
from app.demo import build_demo
from app.demo.workspace import PEOPLE
from app.extensions import db
from app.registries import INTEGRITY_CHECKS
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient

PDF = b"%PDF-1.7\nsigned plan version\n%%EOF\n"


@pytest.fixture
def instance(tmp_path):
    """instance(name, empty=False) -> an app on its own new database and instance folder."""
    made = []

    def factory(name: str, *, migrate: bool = True):
        url = databases.new_database(name, tmp_path)
        folder = tmp_path / name
        app = create_app(
            TestConfig,
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(folder),
                "STORAGE_DIR": str(folder / "storage"),
                "MAIL_FILE_DIR": str(folder / "mail"),
            },
        )
        app.test_client_class = JointlyClient
        if migrate:
            with app.app_context():
                upgrade()
        made.append((app, url))
        return app

    yield factory
    for app, url in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop_database(url)


def _populated(instance):
    app = instance("source")
    with app.app_context():
        build_demo()
        db.session.commit()
        for relative, data in (("storage/plans/7f3a.pdf", PDF), ("storage/uploads/1.png", b"\x89PNG\r\n\x1a\n")):
            path = os.path.join(app.instance_path, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
    return app


def _backup(app, directory) -> str:
    result = app.test_cli_runner().invoke(args=["ermp", "backup", str(directory)])
    assert result.exit_code == 0, result.output
    [name] = [n for n in os.listdir(directory) if n.endswith(".tar.gz")]
    return os.path.join(directory, name)


def test_backup_and_restore_into_an_empty_database(instance, tmp_path):
    source = _populated(instance)
    archive = _backup(source, tmp_path / "backups")
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["engine"] == databases.engine_name() and manifest["alembic_revision"]
    assert manifest["tables"]["user_account"] >= len(PEOPLE) and manifest["tables"]["audit_event"] > 10
    assert {"files/storage/plans/7f3a.pdf", "files/storage/uploads/1.png"} <= set(manifest["files"]) <= names

    target = instance("target", migrate=False)
    result = target.test_cli_runner().invoke(args=["ermp", "restore", archive])
    assert result.exit_code == 0, result.output
    assert "integrity check passed" in result.output and "audit chains of" in result.output
    # The demo's stored plan PDFs: v1.0 (both parties) and v1.1 (one) verify after the restore.
    assert "stored plan PDFs match their SHA-256; 2 signed ones verify" in result.output
    with source.app_context(), db.engine.connect() as connection:
        expected = _counts(connection)
    with target.app_context():
        with db.engine.connect() as connection:
            assert _counts(connection) == expected
        assert verify_chain() is None
        with open(os.path.join(target.config["STORAGE_DIR"], "plans", "7f3a.pdf"), "rb") as handle:
            assert handle.read() == PDF
        assert os.path.exists(os.path.join(target.config["STORAGE_DIR"], "uploads", "1.png"))
    # The restored instance works: demo users sign in.
    client = target.test_client()
    client.sign_in("dana.reyes@contoso.example", "partnering-demo-2026")
    assert "Northwind–Contoso Supply Alliance" in client.get("/home").get_data(as_text=True)


def test_restore_refuses_a_database_that_is_not_empty(instance, tmp_path):
    source = _populated(instance)
    archive = _backup(source, tmp_path / "backups")
    result = source.test_cli_runner().invoke(args=["ermp", "restore", archive])
    assert result.exit_code != 0 and "not empty" in result.output
    with source.app_context():
        assert verify_chain() is None  # untouched
    forced = source.test_cli_runner().invoke(args=["ermp", "restore", archive, "--force"])
    assert forced.exit_code == 0, forced.output


def test_a_damaged_archive_is_refused(instance, tmp_path):
    source = _populated(instance)
    archive = _backup(source, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    damaged = str(tmp_path / "damaged.tar.gz")
    with tarfile.open(damaged, "w:gz") as tar:
        for member, data in members:
            if member.name == "files/storage/plans/7f3a.pdf":
                data = data.replace(b"signed", b"forged")
            tar.addfile(member, io.BytesIO(data))
    target = instance("target", migrate=False)
    result = target.test_cli_runner().invoke(args=["ermp", "restore", damaged])
    assert result.exit_code != 0 and "does not match its recorded hash" in result.output


def test_features_can_add_integrity_checks(instance, tmp_path):
    source = _populated(instance)
    archive = _backup(source, tmp_path / "backups")
    target = instance("target", migrate=False)

    def every_pdf_is_signed(report):
        report.problems.append("plans/7f3a.pdf: no signature")

    INTEGRITY_CHECKS.add(target, every_pdf_is_signed)
    result = target.test_cli_runner().invoke(args=["ermp", "restore", archive])
    assert result.exit_code != 0 and "no signature" in result.output


def test_not_a_backup(instance, tmp_path):
    path = tmp_path / "x.tar.gz"
    path.write_bytes(gzip.compress(b"hello"))
    target = instance("target", migrate=False)
    result = target.test_cli_runner().invoke(args=["ermp", "restore", str(path)])
    assert result.exit_code != 0 and "not a Jointly backup" in result.output


def _tamper_with_newest_signed_pdf(app, *, keep_hash_consistent: bool) -> str:
    """Flip one byte inside the signed part of v1.0's newest stored PDF, going around the
    service, the ORM and (on PostgreSQL) the immutability triggers, as an intruder would."""
    import hashlib

    import sqlalchemy as sa

    from app.plan_versions.models import PlanDocument, PlanVersion

    with app.app_context():
        version = db.session.scalar(sa.select(PlanVersion).where(PlanVersion.major == 1, PlanVersion.minor == 0))
        document = db.session.scalars(
            sa.select(PlanDocument).where(PlanDocument.version_id == version.id).order_by(PlanDocument.number.desc())
        ).first()
        data = bytearray(document.data)
        at = data.index(b"Northwind")
        data[at] = ord("S")
        digest = hashlib.sha256(data).hexdigest() if keep_hash_consistent else document.sha256
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("ALTER TABLE plan_document DISABLE TRIGGER USER"))
            connection.execute(sa.text("UPDATE plan_document SET data = :data, sha256 = :sha WHERE id = :id"),
                               {"data": bytes(data), "sha": digest, "id": document.id})
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("ALTER TABLE plan_document ENABLE TRIGGER USER"))
        db.session.remove()
        return version.label


@pytest.mark.parametrize("keep_hash_consistent", [False, True], ids=["bytes-changed", "bytes-and-hash-changed"])
def test_the_integrity_check_finds_a_stored_signed_pdf_that_was_changed(instance, keep_hash_consistent):
    from app.backup import RestoreReport
    from app.plan_versions.integrity import stored_pdfs_verify

    app = _populated(instance)
    label = _tamper_with_newest_signed_pdf(app, keep_hash_consistent=keep_hash_consistent)
    with app.app_context():
        report = RestoreReport(manifest={})
        stored_pdfs_verify(report)
    [problem] = report.problems
    assert problem.startswith(f"plan PDF {label} of partnership")
    if keep_hash_consistent:
        assert "signatures are intact, valid and unaltered" in problem
    else:
        assert "differ from their recorded SHA-256" in problem
