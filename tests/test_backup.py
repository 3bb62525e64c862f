"""`flask ermp backup` / `ermp restore`: a restored instance matches its backup exactly,
on this run's engine (SQLite's backup API, or pg_dump/pg_restore for PostgreSQL)."""

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile

import pytest
from flask_migrate import upgrade

from app import create_app
from app.audit.services import verify_chain
from app.backup import _counts, check_integrity
from app.demo.workspace import PEOPLE
from app.extensions import db
from app.registries import INTEGRITY_CHECKS
from app.storage import content_key, object_store
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient
from tests.support.demo import DemoBuild, copy_demo

PDF = b"%PDF-1.7\nsigned plan version\n%%EOF\n"


@pytest.fixture
def instance(tmp_path):
    """instance(name, migrate=True, demo=None, **config) -> an app on its own new database and instance folder."""
    made = []

    def factory(name: str, *, migrate: bool = True, demo: DemoBuild | None = None, **config):
        """`demo`: a copy of that build of the demo workspace, files and all (migrated already)."""
        folder = tmp_path / name
        folders = {"INSTANCE_PATH": str(folder), "STORAGE_DIR": str(folder / "storage"),
                   "MAIL_FILE_DIR": str(folder / "mail")}
        if demo is not None:
            url = copy_demo(demo, folders)
            migrate = False
        else:
            url = databases.new_database(name, tmp_path)
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, **folders, **config})
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


def _populated(instance, demo_builds):
    app = instance("source", demo=demo_builds(migrated=True))
    with app.app_context():
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


def test_backup_and_restore_into_an_empty_database(instance, demo_builds, tmp_path):
    source = _populated(instance, demo_builds)
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


def test_restore_refuses_a_database_that_is_not_empty(instance, demo_builds, tmp_path):
    source = _populated(instance, demo_builds)
    archive = _backup(source, tmp_path / "backups")
    result = source.test_cli_runner().invoke(args=["ermp", "restore", archive])
    assert result.exit_code != 0 and "not empty" in result.output
    with source.app_context():
        assert verify_chain() is None  # untouched
    forced = source.test_cli_runner().invoke(args=["ermp", "restore", archive, "--force"])
    assert forced.exit_code == 0, forced.output


def test_a_damaged_archive_is_refused(instance, demo_builds, tmp_path):
    source = _populated(instance, demo_builds)
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


def test_features_can_add_integrity_checks(instance, demo_builds, tmp_path):
    source = _populated(instance, demo_builds)
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
def test_the_integrity_check_finds_a_stored_signed_pdf_that_was_changed(instance, demo_builds, keep_hash_consistent):
    from app.backup import RestoreReport
    from app.plan_versions.integrity import stored_pdfs_verify

    app = _populated(instance, demo_builds)
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


# The object store's content travels with the backup, from and into either backend ------------


CONTRACT = b"%PDF-1.7\nthe partnering agreement, signed\n%%EOF\n"
MINUTES = b"minutes of the quarterly review"


def _with_objects(instance, name="source", **config) -> tuple:
    """An instance holding two attachments' objects, an object outside attachments/, and a
    file under STORAGE_DIR; returns the app and {key: bytes}."""
    app = instance(name, **config)
    objects = {content_key(hashlib.sha256(data).hexdigest()): data for data in (CONTRACT, MINUTES)}
    objects["exports/2026/pack.zip"] = b"PK\x03\x04 an evidence pack"
    _put(app, objects)
    upload = os.path.join(app.config["STORAGE_DIR"], "uploads", "1.png")
    os.makedirs(os.path.dirname(upload))
    with open(upload, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
    return app, objects


def _put(app, objects: dict) -> None:
    store = object_store(app)
    with tempfile.TemporaryDirectory() as folder:
        for key, data in objects.items():
            path = os.path.join(folder, "object")
            with open(path, "wb") as handle:
                handle.write(data)
            store.put_file(key, path)


def _stored(app) -> dict:
    store = object_store(app)
    result = {}
    for key in store.keys():  # noqa: SIM118 - an ObjectStore, not a dict
        with store.open(key) as stream:
            result[key] = stream.read()
    return result


def _manifest(archive: str) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _restore(app, archive: str, *options: str):
    return app.test_cli_runner().invoke(args=["ermp", "restore", archive, *options])


def test_objects_on_the_filesystem_restore_into_s3(instance, tmp_path, s3_bucket):
    source, objects = _with_objects(instance)
    archive = _backup(source, tmp_path / "backups")
    manifest = _manifest(archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    for key, data in objects.items():
        assert manifest["files"][f"files/objects/{key}"] == hashlib.sha256(data).hexdigest()
        assert f"files/objects/{key}" in names
    # The filesystem store's folder is archived once, as objects, not again as stored files.
    assert [n for n in manifest["files"] if n.startswith("files/storage/")] == ["files/storage/uploads/1.png"]
    assert manifest["object_store"] == f"the folder {source.config['STORAGE_DIR']}/objects"

    target = instance("target", migrate=False, **s3_bucket.config)
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert f"ok: 3 stored objects in S3 bucket {s3_bucket.name} at {s3_bucket.endpoint}, hashes match" in result.output
    assert _stored(target) == objects
    listed = s3_bucket.client().list_objects_v2(Bucket=s3_bucket.name)["Contents"]
    assert sorted(item["Key"] for item in listed) == sorted(objects)
    assert not os.path.exists(os.path.join(target.config["STORAGE_DIR"], "objects"))
    with open(os.path.join(target.config["STORAGE_DIR"], "uploads", "1.png"), "rb") as handle:
        assert handle.read() == b"\x89PNG\r\n\x1a\n"


def test_objects_in_s3_restore_onto_the_filesystem(instance, tmp_path, s3_bucket):
    source, objects = _with_objects(instance, **s3_bucket.config, S3_PREFIX="jointly/")
    archive = _backup(source, tmp_path / "backups")
    assert _manifest(archive)["object_store"].startswith(f"S3 bucket {s3_bucket.name} at ")

    target = instance("target", migrate=False)
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert "ok: 3 stored objects in the folder" in result.output
    assert _stored(target) == objects
    root = os.path.join(target.config["STORAGE_DIR"], "objects")
    for key, data in objects.items():
        path = os.path.join(root, *key.split("/"))
        with open(path, "rb") as handle:
            assert handle.read() == data
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_the_integrity_check_finds_objects_missing_or_changed_after_a_restore(instance, tmp_path, backend, request):
    source, objects = _with_objects(instance)
    archive = _backup(source, tmp_path / "backups")
    bucket = request.getfixturevalue("s3_bucket") if backend == "s3" else None
    target = instance("target", migrate=False, **(bucket.config if bucket else {}))
    assert _restore(target, archive).exit_code == 0
    contract = content_key(hashlib.sha256(CONTRACT).hexdigest())
    minutes = content_key(hashlib.sha256(MINUTES).hexdigest())
    # Going around the store, as a failing disk or an intruder would.
    if bucket:
        bucket.client().put_object(Bucket=bucket.name, Key=contract, Body=b"a forged contract")
        bucket.client().delete_object(Bucket=bucket.name, Key=minutes)
        bucket.client().put_object(Bucket=bucket.name, Key="exports/2026/pack.zip", Body=b"changed")
    else:
        root = os.path.join(target.config["STORAGE_DIR"], "objects")
        with open(os.path.join(root, *contract.split("/")), "wb") as handle:
            handle.write(b"a forged contract")
        os.unlink(os.path.join(root, *minutes.split("/")))
        with open(os.path.join(root, "exports", "2026", "pack.zip"), "wb") as handle:
            handle.write(b"changed")

    with target.app_context():
        report = check_integrity(_manifest(archive))
    forged = hashlib.sha256(b"a forged contract").hexdigest()
    pack, changed = (hashlib.sha256(data).hexdigest() for data in (objects["exports/2026/pack.zip"], b"changed"))
    problems = [p for p in report.problems if p.startswith("object ")]
    where = object_store(target).describe()
    assert sorted(problems) == sorted([
        f"object {contract} differs from the backup (SHA-256 {forged}, the backup had {contract[-64:]})",
        f"object {contract}: its bytes do not hash to the SHA-256 its key names",
        f"object {minutes} is missing from {where}",
        f"object exports/2026/pack.zip differs from the backup (SHA-256 {changed}, the backup had {pack})",
    ])
    assert not any("stored objects" in line for line in report.checked)
    # Restored again (forced), the backup's objects are written over the damage.
    result = _restore(target, archive, "--force")
    assert result.exit_code == 0, result.output
    assert _stored(target) == objects


def test_an_attachment_whose_bytes_do_not_match_its_key_is_reported(instance, tmp_path):
    source, objects = _with_objects(instance)
    contract = content_key(hashlib.sha256(CONTRACT).hexdigest())
    _put(source, {contract: b"damaged before the backup"})  # the backup records what it read
    archive = _backup(source, tmp_path / "backups")
    target = instance("target", migrate=False)
    result = _restore(target, archive)
    assert result.exit_code != 0
    assert f"PROBLEM: object {contract}: its bytes do not hash to the SHA-256 its key names" in result.output
    assert "differs from the backup" not in result.output


def test_restore_refuses_an_object_store_that_is_not_empty(instance, tmp_path, s3_bucket):
    source, objects = _with_objects(instance)
    archive = _backup(source, tmp_path / "backups")
    s3_bucket.client().put_object(Bucket=s3_bucket.name, Key="exports/earlier.zip", Body=b"already here")
    target = instance("target", migrate=False, **s3_bucket.config)
    result = _restore(target, archive)
    assert result.exit_code != 0
    where = f"S3 bucket {s3_bucket.name} at {s3_bucket.endpoint}"
    assert f"The object store, {where}, already holds objects" in result.output
    with target.app_context(), db.engine.connect() as connection:
        assert _counts(connection) == {}  # nothing restored

    forced = _restore(target, archive, "--force")
    assert forced.exit_code == 0, forced.output
    assert _stored(target) == {**objects, "exports/earlier.zip": b"already here"}

    # Under another S3_PREFIX, the same bucket is an empty store.
    beside = instance("beside", migrate=False, **s3_bucket.config, S3_PREFIX="restored/")
    result = _restore(beside, archive)
    assert result.exit_code == 0, result.output
    assert _stored(beside) == objects


def test_restore_into_an_unreachable_object_store_changes_nothing(instance, tmp_path, s3_bucket):
    source, _objects = _with_objects(instance)
    archive = _backup(source, tmp_path / "backups")
    target = instance("target", migrate=False, **{**s3_bucket.config, "S3_BUCKET": "no-such-bucket"})
    for options in ((), ("--force",)):
        result = _restore(target, archive, *options)
        assert result.exit_code != 0
        assert "The object store cannot be used: The S3 bucket no-such-bucket" in result.output
        assert "does not exist" in result.output
    with target.app_context(), db.engine.connect() as connection:
        assert _counts(connection) == {}


def test_an_archive_without_objects_still_restores(instance, tmp_path):
    """Archives written before the object store have no files/objects/ members and no
    object_store entry in their manifest."""
    source = instance("source")
    archive = _backup(source, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    older = str(tmp_path / "older.tar.gz")
    with tarfile.open(older, "w:gz") as tar:
        for member, data in members:
            if member.name == "manifest.json":
                manifest = json.loads(data)
                del manifest["object_store"]
                assert not [n for n in manifest["files"] if n.startswith("files/objects/")]
                data = json.dumps(manifest).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    target = instance("target", migrate=False)
    result = _restore(target, older)
    assert result.exit_code == 0, result.output
    assert "ok: 0 stored objects in the folder" in result.output
