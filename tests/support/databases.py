"""Test databases: a private SQLite file or PostgreSQL database per test process.

JOINTLY_TEST_DB chooses the engine (sqlite by default, or postgresql). For
PostgreSQL, DATABASE_URL_TEST names a server database we may create others from
(default: the local `test` database); each pytest worker gets its own database,
dropped when the run ends, so parallel runs never share state.
"""

import os
import uuid

import psycopg
import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def engine_name() -> str:
    return os.environ.get("JOINTLY_TEST_DB", "sqlite").lower()


def postgres_server_url() -> str:
    from config import normalise_database_url

    return normalise_database_url(os.environ.get("DATABASE_URL_TEST") or DEFAULT_POSTGRES_URL)


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(_libpq(postgres_server_url()), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def create_postgres_database(label: str, template: str | None = None) -> str:
    """A new database; with `template` (a database's URL, nobody connected to it), a copy of it."""
    server = postgres_server_url()
    name = f"jointly_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    copy_of = f' TEMPLATE "{sa.make_url(template).database}"' if template else ""
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    with psycopg.connect(_libpq(postgres_server_url()), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_database(label: str, tmp_dir) -> str:
    if engine_name() == "postgresql":
        return create_postgres_database(label)
    return f"sqlite:///{tmp_dir}/{label}.db"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres_database(url)


def empty_all_tables(db) -> None:
    """Remove every row and reset sequences, leaving the schema (and seed rows) in place."""
    from app.audit.models import GENESIS_HASH

    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        conn.execute(
            sa.text("INSERT INTO audit_chain (partnership_id, last_seq, last_hash) VALUES (NULL, 0, :h)"),
            {"h": GENESIS_HASH},
        )


def wait_until_blocked(engine: sa.Engine, waiters: int = 1, timeout: float = 10.0) -> bool:
    """Wait until `waiters` other sessions of this PostgreSQL database wait on a lock (a row or
    table another transaction holds), so a race test knows the interleaving it meant happened
    instead of hoping a sleep was long enough. False if that did not happen within `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            if connection.execute(query).scalar_one() >= waiters:
                return True
            connection.rollback()
            time.sleep(0.02)
    return False
