"""Counting the SQL statements a block of code runs: for fixed-cost pages and reads."""

from contextlib import contextmanager

import sqlalchemy as sa


class Statements(list):
    """The statements run, in order; `len()` is the count."""

    def matching(self, *words: str) -> list[str]:
        return [s for s in self if all(w.lower() in s.lower() for w in words)]


@contextmanager
def count_queries(engine):
    """Collect every statement `engine` runs inside the block (a test-client request included)."""
    statements = Statements()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)
