"""The search index: one row per thing a member can find, kept current with what it describes.

Each row is a document: its partnership (the only boundary search ever crosses is the user's own
memberships), what it is (`kind`, and `label` as a person reads it: "Risk", "Comment"), where it
lives (`section_key`, `link`), who wrote it (`party_id`), when (`occurred_at`) and its text
(`title`, `body`). Rows are written in the same transaction as what they describe
(app/search/indexing.py), so a rolled-back change never shows in results.

The full-text index over `title` and `body` is the engine's own:
- PostgreSQL: a GIN index over `to_tsvector('english', title || ' ' || body)`, the tsvector
  PostgreSQL keeps for every row as it is written;
- SQLite: an FTS5 table over the same two columns (`search_entry_fts`, external content, kept in
  step by triggers), created with the table.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import utcnow

# What an entry is. "review" holds a party's assessment, entered only once its cycle is revealed;
# "revision" holds a whole saved revision of a section, found only when asked for older text.
KINDS = ("section", "item", "comment", "action", "adaptation", "review", "version", "revision")

# The tsvector PostgreSQL indexes; queries use the very same expression so that the index serves.
DOCUMENT_SQL = "to_tsvector('english'::regconfig, (title::text || ' ' || body))"

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
    # A "revision" entry's revision: older text is the one no section points at any more.
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("section_revision.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(400))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


# SQLite's full-text index over the same rows, created and dropped with the table (db.create_all
# in tests and tools; the migration runs the same statements).
FTS_CREATE = (
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5(title, body, content='search_entry', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_entry_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
)

for _statement in FTS_CREATE:
    sa.event.listen(SearchEntry.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in FTS_DROP:
    sa.event.listen(SearchEntry.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite"))


def belongs_to_the_engine(name: str | None, type_: str) -> bool:
    """SQLite's FTS5 table with its shadow tables, and PostgreSQL's expression index: written as
    SQL, which schema comparison cannot read back (tests/search checks them by using them)."""
    if type_ == "table":
        return name == FTS_TABLE or (name or "").startswith(f"{FTS_TABLE}_")
    return type_ == "index" and name == "ix_search_entry_document"
