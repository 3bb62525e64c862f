"""The search index: one row per thing a member can find, kept current with what it describes.

Each row is a document: its partnership (the only boundary search ever crosses is the user's own
memberships), what it is (`kind`, and `label` as a person reads it: "Risk", "Comment"), where it
lives (`section_key`, `link`), who wrote it (`party_id`), when (`occurred_at`) and its text
(`title`, `body`). Rows are written in the same transaction as what they describe
(app/search/indexing.py), so a rolled-back change never shows in results.

The full-text index over `title` and `body` is the engine's own:
- PostgreSQL: a GIN index over the expression `to_tsvector('english', title || ' ' || body)`:
  the index holds every row's lexemes, kept as rows are written; nothing else is stored, so the
  ranking computes the vector again from the text of the rows that match;
- SQLite: an FTS5 table over the same two columns and a third, `scope`, holding the partnership
  as a token ("p12"), so a search matches only in the member's partnerships (`search_entry_fts`,
  its content read through the view `search_entry_fts_source`, kept in step by triggers),
  created with the table.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import utcnow

# What an entry is. "review" holds a party's assessment, entered only once its cycle is revealed;
# "revision" holds the text a newer revision of a section no longer says (its removed and changed
# items, its old narrative), under the revision that said it; found only when asked for older text.
KINDS = ("section", "item", "comment", "action", "adaptation", "review", "version", "revision", "attachment")

# The tsvector PostgreSQL indexes; queries use the very same expression so that the index serves.
# Besides the words it holds one lexeme naming the partnership ("jointly:12", which no typed query
# can produce), so that a search ANDs the member's partnerships into the query itself and the
# index skips every other partnership's entries before a row is read.
def document_sql(table: str = "") -> str:
    """The expression; `table` qualifies its columns in a query that joins other tables."""
    t = f"{table}." if table else ""
    return (f"(to_tsvector('english'::regconfig, ({t}title::text || ' ' || {t}body)) || "
            f"array_to_tsvector(ARRAY['jointly:' || {t}partnership_id::text]))")


DOCUMENT_SQL = document_sql()


def scope_lexeme(partnership_id: int) -> str:
    return f"jointly:{partnership_id}"


FTS_TABLE = "search_entry_fts"


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (
        sa.UniqueConstraint("kind", "source"),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        sa.Index("ix_search_entry_partnership_kind", "partnership_id", "kind"),
        sa.Index("ix_search_entry_document", sa.text(DOCUMENT_SQL), postgresql_using="gin")
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    # What it was made from, unique within its kind: "12" (a comment's id), "40:rsk-1a2b3c4d".
    source: Mapped[str] = mapped_column(sa.String(80))
    label: Mapped[str] = mapped_column(sa.String(60))
    section_key: Mapped[str | None] = mapped_column(sa.String(40))
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    # The review cycle of a review's text: searchable only once that cycle is revealed.
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_cycle.id"))
    # A "revision" entry's revision (one a newer revision replaced).
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("section_revision.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(400))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


# SQLite's full-text index over the same rows, created and dropped with the table (db.create_all
# in tests and tools; the migration runs the same statements).
FTS_CREATE = (
    "CREATE VIEW search_entry_fts_source AS "
    "SELECT id, title, body, 'p' || partnership_id AS scope FROM search_entry",
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5(title, body, scope, content='search_entry_fts_source', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, title, body, scope) "
    "VALUES (new.id, new.title, new.body, 'p' || new.partnership_id); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title, body, scope) "
    "VALUES ('delete', old.id, old.title, old.body, 'p' || old.partnership_id); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title, body, scope) "
    "VALUES ('delete', old.id, old.title, old.body, 'p' || old.partnership_id); "
    "INSERT INTO search_entry_fts(rowid, title, body, scope) "
    "VALUES (new.id, new.title, new.body, 'p' || new.partnership_id); END",
)
FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
    "DROP VIEW IF EXISTS search_entry_fts_source",
)

for _statement in FTS_CREATE:
    sa.event.listen(SearchEntry.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in FTS_DROP:
    sa.event.listen(SearchEntry.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite"))


def belongs_to_the_engine(name: str | None, type_: str) -> bool:
    """SQLite's FTS5 table with its shadow tables (and its source view, which schema comparison
    does not read), and PostgreSQL's expression index: written as SQL, which schema comparison
    cannot read back (tests/search checks them by using them)."""
    if type_ == "table":
        return name == FTS_TABLE or (name or "").startswith(f"{FTS_TABLE}_")
    return type_ == "index" and name == "ix_search_entry_document"
