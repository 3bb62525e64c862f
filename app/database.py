"""Engine settings that make SQLite behave like the production database where it matters."""

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def configure_engine_events(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def insert_for(model, session=None):
    """An INSERT for `model` in the dialect of the engine the session writes to, so that
    `.on_conflict_do_nothing(...)` (which both PostgreSQL and SQLite offer) can follow."""
    if (session or db.session).get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_once(model, values: dict, unique_columns: list[str]) -> int | None:
    """Insert a row unless one with the same unique values exists; the new row's id, or None.

    `INSERT ... ON CONFLICT DO NOTHING RETURNING id` on both engines. When another
    transaction is inserting the same values right now, PostgreSQL waits for it and
    then does nothing, so of two concurrent callers exactly one gets an id: the shape
    for "do this once" work such as reminders and digests.
    """
    statement = (
        insert_for(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique_columns)
        .returning(model.id)
    )
    return db.session.execute(statement).scalar_one_or_none()
