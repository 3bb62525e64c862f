"""Exclusive locks that die with their holder, so two workers never do the same work at once
and a killed worker never leaves a lock behind.

PostgreSQL: a session-level advisory lock on a connection of its own, held (idle, outside any
transaction) while the work runs; the server releases it when the connection closes, also
when the process is killed. SQLite (one machine by nature): an flock on a file under the
database file, which the kernel releases when the process ends.
"""

import contextlib
import fcntl
import hashlib
import os

import sqlalchemy as sa
from flask import current_app

from app.extensions import db


def _lock_id(key: str) -> int:
    """A signed 64-bit id for pg_try_advisory_lock(bigint)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(key: str):
    """Yield True while this process holds the lock named `key`, or False when another does.

    Never blocks: work that finds its lock taken is being done elsewhere right now.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            held = bool(connection.scalar(sa.select(sa.func.pg_try_advisory_lock(_lock_id(key)))))
            try:
                yield held
            finally:
                if held:
                    connection.scalar(sa.select(sa.func.pg_advisory_unlock(_lock_id(key))))
        return
    # Beside the database file, so every process using that database shares the locks.
    database = db.engine.url.database
    directory = f"{database}.locks" if database and database != ":memory:" else os.path.join(
        current_app.instance_path, "locks"
    )
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
