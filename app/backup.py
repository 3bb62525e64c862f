"""Online backups and restores of a whole instance: the database and the stored files.

A backup is one tar.gz archive holding
  manifest.json        app version, Alembic revision, engine, time, rows per table,
                       the audit chains' heads, and the SHA-256 of every other member
  database.sqlite3     SQLite's online backup API: a consistent copy while the app runs
  database.pgdump      or pg_dump's custom format, taken in the same snapshot as the counts
  files/storage/…      everything under STORAGE_DIR (stored uploads) but its objects/ folder
  files/objects/<key>  every object of the object store (app/storage.py: STORAGE_DIR/objects,
                       or an S3 bucket), read through the store whichever backend it is

A restore goes only into an EMPTY database, empty file directories and an empty object
store (unless forced), and writes the objects through the configured store, so a backup
taken on the filesystem restores into S3 and the other way round. It then checks that row
counts match the manifest, the audit chain verifies, every file's and every object's hash
matches (an attachment's object also the SHA-256 its key names), and every check that
features registered in INTEGRITY_CHECKS (app/registries.py) passes. Archives of earlier
versions simply have no files/objects/ members and restore as before.
"""

import io
import json
import os
import shutil
import sqlite3

# pg_dump/pg_restore run with argument lists, never a shell.
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.registries import INTEGRITY_CHECKS
from app.storage import OBJECTS_FOLDER, ObjectStore, StorageError, check_key, object_store, sha256_named_by
from app.uploads import stream_digest

# Still 1: the objects added members and a manifest entry that readers of format 1 can do without.
FORMAT = 1
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
OBJECTS = "files/objects/"  # members holding the object store's objects, by key


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


@dataclass
class RestoreReport:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine_name() -> str:
    return db.engine.dialect.name


def _app_version() -> str:
    import tomllib

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, ValueError):
        return "unknown"


def _file_dirs() -> dict[str, str]:
    config = current_app.config
    return {"storage": config["STORAGE_DIR"]}


def _sha256_file(path: str) -> str:
    with open(path, "rb") as handle:
        return _sha256_stream(handle)


def _sha256_stream(stream) -> str:
    return stream_digest(stream, 1024 * 1024)[0]


def _table_names(connection) -> list[str]:
    names = [t.name for t in db.metadata.sorted_tables]
    if sa.inspect(connection).has_table("alembic_version"):
        names.append("alembic_version")
    return names


def _counts(connection) -> dict[str, int]:
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        for name in _table_names(connection)
        if sa.inspect(connection).has_table(name)
    }


def _state(connection) -> dict:
    """Alembic revision and audit chain heads, read in the same snapshot as the counts."""
    inspector = sa.inspect(connection)
    revision = None
    if inspector.has_table("alembic_version"):
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    heads = connection.execute(
        sa.text("SELECT id, last_seq, last_hash FROM audit_chain ORDER BY id")
    ).all() if inspector.has_table("audit_chain") else []
    return {
        "alembic_revision": revision,
        "audit_heads": {str(chain_id): {"last_seq": seq, "last_hash": hash_} for chain_id, seq, hash_ in heads},
        "tables": _counts(connection),
    }


# Database dumps -------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return url.database


def _dump_sqlite(target: str) -> dict:
    """SQLite's online backup API copies a consistent snapshot while others keep writing."""
    source = sqlite3.connect(_sqlite_path(db.engine.url))
    try:
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _state(connection)
    finally:
        engine.dispose()


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed. PostgreSQL backups need the PostgreSQL client tools "
            f"of the server's major version (Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return path


def _pg_args(url: sa.URL) -> tuple[list[str], dict]:
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` would show it
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{os.path.basename(command[0])} failed: {result.stderr.strip() or result.stdout.strip()}")


def _dump_postgresql(target: str) -> dict:
    """pg_dump in the same snapshot the counts are read in, so the manifest matches the dump."""
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_args(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        state = _state(connection)
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([pg_dump, *options, "--file", target, *args], env)
        connection.rollback()
    return state


# Backup ---------------------------------------------------------------------


def _copy_objects(store: ObjectStore, work: str) -> dict[str, str]:
    """Every object of the store, copied into `work` so it is hashed and archived from one copy."""
    copies = {}
    try:
        for key in store.keys():  # noqa: SIM118 - an ObjectStore, not a dict
            path = os.path.join(work, "objects", *key.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with store.open(key) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            copies[f"{OBJECTS}{key}"] = path
    except StorageError as error:
        raise BackupError(f"The stored objects could not be read: {error}") from None
    return copies


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(directory: str) -> tuple[str, dict]:
    """Write a backup archive into `directory`; returns its path and manifest."""
    os.makedirs(directory, exist_ok=True)
    created = datetime.now(UTC)
    engine = _engine_name()
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
    member = SQLITE_MEMBER if engine == "sqlite" else PG_MEMBER
    with tempfile.TemporaryDirectory() as work:
        dump = os.path.join(work, member)
        state = _dump_sqlite(dump) if engine == "sqlite" else _dump_postgresql(dump)
        # Files after the database: every file a backed-up row names was written before
        # its row was committed, so it is here (later, unreferenced files are harmless).
        files = {}
        for area, root in _file_dirs().items():
            if not os.path.isdir(root):
                continue
            for folder, dirs, names in os.walk(root):
                if area == "storage" and folder == root and OBJECTS_FOLDER in dirs:
                    dirs.remove(OBJECTS_FOLDER)  # the filesystem object store: archived as objects below
                for name in sorted(names):
                    if name.endswith(".part"):
                        continue  # an upload still being written
                    path = os.path.join(folder, name)
                    relative = os.path.relpath(path, root).replace(os.sep, "/")
                    files[f"files/{area}/{relative}"] = path
        store = object_store()
        files.update(_copy_objects(store, work))
        manifest = {
            "format": FORMAT,
            "app": "Jointly",
            "app_version": _app_version(),
            "engine": engine,
            "created_at": created.isoformat(timespec="seconds"),
            "database": {"member": member, "sha256": _sha256_file(dump)},
            **state,
            "files": {name: _sha256_file(path) for name, path in files.items()},
            "object_store": store.describe(),
        }
        name = f"jointly-backup-{created:%Y%m%d-%H%M%S}-{engine}.tar.gz"
        final = os.path.join(directory, name)
        partial = final + ".part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
            archive.add(dump, arcname=member, recursive=False)
            for arcname, path in files.items():
                archive.add(path, arcname=arcname, recursive=False)
        os.replace(partial, final)
    return final, manifest


# Restore --------------------------------------------------------------------


def _read_archive(path: str, work: str) -> dict:
    """Extract the manifest's members (and nothing else) into `work`, checking hashes."""
    try:
        return _extract(path, work)
    except (tarfile.TarError, EOFError, OSError, KeyError) as error:
        raise BackupError(f"{path} is not a Jointly backup, or it is damaged ({error}).") from error


def _extract(path: str, work: str) -> dict:
    with tarfile.open(path, mode="r:gz") as archive:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
        except (KeyError, ValueError, TypeError) as error:
            raise BackupError(f"{path} is not a Jointly backup (no readable manifest).") from error
        if manifest.get("format") != FORMAT or manifest.get("app") != "Jointly":
            raise BackupError(f"{path} is not a Jointly backup of a format this version reads.")
        wanted = {manifest["database"]["member"]: manifest["database"]["sha256"], **manifest["files"]}
        for name, expected in wanted.items():
            if name.startswith("/") or ".." in name.split("/"):
                raise BackupError(f"Unsafe path in the backup: {name!r}")
            info = archive.getmember(name)
            if not info.isfile():
                raise BackupError(f"{name} in the backup is not a regular file.")
            target = os.path.join(work, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.extractfile(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            if _sha256_file(target) != expected:
                raise BackupError(f"{name} in the backup does not match its recorded hash: the archive is damaged.")
    return manifest


def _database_is_empty(connection) -> bool:
    return not [t for t in sa.inspect(connection).get_table_names() if t != "sqlite_sequence"]


def _dir_is_empty(path: str) -> bool:
    return not os.path.isdir(path) or not any(os.scandir(path))


def _restore_sqlite(source: str) -> None:
    target = _sqlite_path(db.engine.url)
    db.engine.dispose()
    src = sqlite3.connect(source)
    try:
        dest = sqlite3.connect(target)
        with dest:
            src.backup(dest)
        dest.close()
    finally:
        src.close()


def _restore_postgresql(source: str, force: bool) -> None:
    pg_restore = _pg_tool("pg_restore")
    args, env = _pg_args(db.engine.url)
    if force:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    db.engine.dispose()
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args, source], env)


def _objects(manifest: dict) -> dict[str, str]:
    """The archive's objects: key -> SHA-256 (none in archives made before the object store)."""
    return {name.removeprefix(OBJECTS): sha for name, sha in manifest["files"].items() if name.startswith(OBJECTS)}


def _store_holds_objects(store: ObjectStore) -> bool:
    """Also proves the store answers before anything is restored."""
    try:
        return next(iter(store.keys()), None) is not None
    except StorageError as error:
        raise BackupError(f"The object store cannot be used: {error}") from None


def restore_backup(path: str, *, force: bool = False) -> RestoreReport:
    """Restore an archive into this instance's (empty) database, file directories and object store."""
    engine = _engine_name()
    with db.engine.connect() as connection:
        empty = _database_is_empty(connection)
    dirs = _file_dirs()
    store = object_store()
    holds_objects = _store_holds_objects(store)
    if not force:
        if not empty:
            raise BackupError(
                "The database is not empty. Restore into a new, empty database, or pass --force to "
                "replace everything in it."
            )
        busy = [root for root in dirs.values() if not _dir_is_empty(root)]
        if busy:
            raise BackupError(f"{', '.join(busy)} is not empty. Use empty directories, or pass --force.")
        if holds_objects:
            raise BackupError(
                f"The object store, {store.describe()}, already holds objects. Use an empty one "
                "(or another S3_PREFIX), or pass --force."
            )
    with tempfile.TemporaryDirectory() as work:
        manifest = _read_archive(path, work)
        if manifest["engine"] != engine:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; this instance uses {engine}. "
                "Restore it into the same kind of database."
            )
        objects = _objects(manifest)
        for key in objects:
            try:
                check_key(key)
            except ValueError:
                raise BackupError(f"Unsafe object key in the backup: {key!r}") from None
        source = os.path.join(work, manifest["database"]["member"])
        if engine == "sqlite":
            _restore_sqlite(source)
        else:
            _restore_postgresql(source, force)
        for area, root in dirs.items():
            if force and os.path.isdir(root):
                shutil.rmtree(root)
            extracted = os.path.join(work, "files", area)
            if os.path.isdir(extracted):
                shutil.copytree(extracted, root, dirs_exist_ok=True)
                for folder, _d, names in os.walk(root):
                    for name in names:
                        os.chmod(os.path.join(folder, name), 0o600)
        # After the folders: a forced restore empties STORAGE_DIR, the filesystem store's home.
        # Forced into S3, objects the backup lacks stay: unreferenced, and never overwritten
        # with other bytes, as keys name their content.
        try:
            for key in objects:
                store.put_file(key, os.path.join(work, OBJECTS + key))
        except StorageError as error:
            raise BackupError(f"The stored objects could not be written: {error}") from None
    db.session.remove()
    return check_integrity(manifest)


def _check_objects(report: RestoreReport, objects: dict[str, str]) -> None:
    """Every object of the backup is in the store, with the backup's bytes; an attachment's
    bytes also hash to the SHA-256 its key names."""
    store = object_store()
    problems = len(report.problems)
    for key, expected in objects.items():
        try:
            with store.open(key) as stream:
                found = _sha256_stream(stream)
        except FileNotFoundError:
            report.problems.append(f"object {key} is missing from {store.describe()}")
            continue
        except StorageError as error:
            report.problems.append(f"object {key} could not be read: {error}")
            continue
        if found != expected:
            report.problems.append(f"object {key} differs from the backup (SHA-256 {found}, the backup had {expected})")
        if key.startswith("attachments/") and found != sha256_named_by(key):
            report.problems.append(f"object {key}: its bytes do not hash to the SHA-256 its key names")
    if len(report.problems) == problems:
        report.checked.append(f"{len(objects)} stored objects in {store.describe()}, hashes match")


def check_integrity(manifest: dict) -> RestoreReport:
    """Compare the restored instance with its manifest and verify the audit chain."""
    from app.audit.services import verify_chain

    report = RestoreReport(manifest)
    with db.engine.connect() as connection:
        state = _state(connection)
    for table, expected in manifest["tables"].items():
        found = state["tables"].get(table)
        if found != expected:
            report.problems.append(f"table {table}: {found} rows, the backup had {expected}")
    report.checked.append(f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows")
    if state["alembic_revision"] != manifest["alembic_revision"]:
        report.problems.append(
            f"schema revision {state['alembic_revision']}, the backup had {manifest['alembic_revision']}"
        )
    problem = verify_chain()
    if problem is not None:
        report.problems.append(f"audit trail: {problem.describe()}")
    elif state["audit_heads"] != manifest.get("audit_heads"):
        report.problems.append("audit trail: the chains' heads differ from the backup's")
    else:
        events = sum(head["last_seq"] for head in state["audit_heads"].values())
        report.checked.append(f"{len(state['audit_heads'])} audit chains of {events} events verified, "
                              "with their signed checkpoints")
    dirs = _file_dirs()
    objects = _objects(manifest)
    files = {name: sha for name, sha in manifest["files"].items() if not name.startswith(OBJECTS)}
    for name, expected in files.items():
        _files, area, relative = name.split("/", 2)
        path = os.path.join(dirs[area], relative)
        if not os.path.isfile(path) or _sha256_file(path) != expected:
            report.problems.append(f"file {area}/{relative} is missing or differs")
    report.checked.append(f"{len(files)} files, hashes match")
    _check_objects(report, objects)
    for check in INTEGRITY_CHECKS.all():
        check(report)
    db.session.remove()
    return report


# Commands ---------------------------------------------------------------------


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(directory: str):
    """Write a consistent backup of the database and stored files into DIRECTORY."""
    try:
        path, manifest = create_backup(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["tables"].values())
    objects = len(_objects(manifest))
    click.echo(
        f"Backup written to {path}\n"
        f"  {manifest['engine']} database at revision {manifest['alembic_revision']}: "
        f"{len(manifest['tables'])} tables, {rows} rows; {len(manifest['files']) - objects} files; "
        f"{objects} stored objects from {manifest['object_store']}; "
        f"{len(manifest['audit_heads'])} audit chains of "
        f"{sum(head['last_seq'] for head in manifest['audit_heads'].values())} events."
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a database, file directories and an object store that are not empty.")
@with_appcontext
def restore_command(file: str, force: bool):
    """Restore FILE into this instance's empty database and stores, then check its integrity."""
    try:
        report = restore_backup(file, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in report.checked:
        click.echo(f"  ok: {line}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"  PROBLEM: {problem}", err=True)
        raise click.ClickException("The restored instance does NOT match the backup (see above).")
    click.echo(f"Restored the backup of {report.manifest['created_at']}; integrity check passed.")
