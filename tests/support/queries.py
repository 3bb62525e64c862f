"""Counting the SQL statements a block of code runs, to keep pages' query counts bounded."""

from contextlib import contextmanager

import sqlalchemy as sa

from app.extensions import db

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


class Statements(list):
    """The statements run, in order (transaction control left out); `len()` is the count."""

    @property
    def statements(self) -> list[str]:
        return list(self)

    @property
    def total(self) -> int:
        return len(self)

    def matching(self, *words: str) -> list[str]:
        return [s for s in self if all(w.lower() in s.lower() for w in words)]

    def __repr__(self) -> str:
        listing = "\n".join(f"  {s[:160]}" for s in self)
        return f"<{len(self)} statements>\n{listing}"


@contextmanager
def count_queries(engine=None):
    """with count_queries() as statements: ...; len(statements) -> statements sent to the database.

    Every SELECT, INSERT, UPDATE and DELETE counts, a test-client request's included;
    savepoints and transaction control do not.
    """
    engine = engine or db.engine
    statements = Statements()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)
