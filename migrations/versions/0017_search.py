"""Search: the index of what members can find, with the engine's full-text index over it.

- search_entry: one row per searchable thing (app/search/models.py).
- PostgreSQL: a GIN index over the entry's tsvector (title and text, English, and a lexeme
  naming its partnership, which searches AND in).
- SQLite: an FTS5 table over the same columns and the partnership as a token, its content read
  through a view, kept in step by triggers.

The index starts empty: the worker's periodic `search_backfill` job fills it for partnerships
written before (`flask --app wsgi ermp search-reindex` does it at once).

Revision ID: 0017_search
Revises: 0016_maturity_assessment
Create Date: 2026-12-04 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = "0017_search"
down_revision = "0016_maturity_assessment"
branch_labels = None
depends_on = None

# As app/search/models.py declares them at this revision (a migration stands alone).
DOCUMENT_SQL = ("(to_tsvector('english'::regconfig, (title::text || ' ' || body)) || "
                "array_to_tsvector(ARRAY['jointly:' || partnership_id::text]))")
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


def upgrade():
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("section_key", sa.String(length=40), nullable=True),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=400), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('section', 'item', 'comment', 'action', 'adaptation', 'review', 'version', 'revision')",
            name=op.f("ck_search_entry_kind"),
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["review_cycle.id"], name=op.f("fk_search_entry_cycle_id_review_cycle")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_search_entry_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_search_entry_party_id_party")),
        sa.ForeignKeyConstraint(["revision_id"], ["section_revision.id"],
                                name=op.f("fk_search_entry_revision_id_section_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("kind", "source", name=op.f("uq_search_entry_kind_source")),
    )
    op.create_index("ix_search_entry_partnership_kind", "search_entry", ["partnership_id", "kind"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_search_entry_document ON search_entry USING gin ({DOCUMENT_SQL})")
    else:
        for statement in FTS_CREATE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_search_entry_document", table_name="search_entry")
    else:
        for statement in FTS_DROP:
            op.execute(statement)
    op.drop_index("ix_search_entry_partnership_kind", table_name="search_entry")
    op.drop_table("search_entry")
