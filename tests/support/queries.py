"""Counting the SQL statements a piece of code runs, to keep pages' query counts bounded."""

from contextlib import contextmanager

import sqlalchemy as sa

from app.extensions import db


class QueryCount:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        listing = "\n".join(f"  {s.splitlines()[0][:160]}" for s in self.statements)
        return f"<{self.count} statements>\n{listing}"


@contextmanager
def count_queries(engine=None):
    """with count_queries() as queries: ...; queries.count -> statements sent to the database.

    Savepoint and transaction control statements are not counted; every SELECT,
    INSERT, UPDATE and DELETE is.
    """
    engine = engine or db.engine
    counter = QueryCount()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            counter.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)
