"""Evidence attachments, and their text in the search index.

- attachment: a named file on a section, an item, an improvement action or a party's actual of
  a measure in a review; withdrawn, never deleted. At most one live attachment of a name per place.
- attachment_version: each upload of it (name, type, size, SHA-256, uploader and party), and the
  text a job reads from it for the search index.
- search_entry.kind also takes "attachment". On SQLite the table is copied to change its check,
  so the FTS5 table and its triggers are dropped first, made again after, and rebuilt.

Revision ID: 0018_attachments
Revises: 0017_search
Create Date: 2026-12-04 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = "0018_attachments"
down_revision = "0017_search"
branch_labels = None
depends_on = None

LIVE = sa.text("withdrawn_at IS NULL")
OLD_KINDS = "kind IN ('section', 'item', 'comment', 'action', 'adaptation', 'review', 'version', 'revision')"
NEW_KINDS = ("kind IN ('section', 'item', 'comment', 'action', 'adaptation', 'review', 'version', 'revision', "
             "'attachment')")
# As 0017_search made them (a migration stands alone).
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
    "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
)
FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
    "DROP VIEW IF EXISTS search_entry_fts_source",
)


def _search_kinds(old: str, new: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in FTS_DROP:
            op.execute(statement)
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_search_entry_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_search_entry_kind"), new)
    if sqlite:
        for statement in FTS_CREATE:
            op.execute(statement)


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_ref", sa.String(length=160), nullable=False),
        sa.Column("section_key", sa.String(length=40), nullable=True),
        sa.Column("item_id", sa.String(length=60), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("measure_id", sa.String(length=60), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_party_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("target_kind IN ('section', 'item', 'action', 'actual')",
                           name=op.f("ck_attachment_target_kind")),
        sa.ForeignKeyConstraint(["action_id"], ["improvement_action.id"],
                                name=op.f("fk_attachment_action_id_improvement_action")),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"],
                                name=op.f("fk_attachment_assessment_id_assessment")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_attachment_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_attachment_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_attachment_party_id_party")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_attachment_withdrawn_by_id_user_account")),
        sa.ForeignKeyConstraint(["withdrawn_party_id"], ["party.id"],
                                name=op.f("fk_attachment_withdrawn_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_partnership_id"), ["partnership_id"], unique=False)
        batch_op.create_index("uq_attachment_live_name", ["partnership_id", "target_ref", "name_key"], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)

    op.create_table(
        "attachment_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("type_key", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("text_state", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_note", sa.String(length=200), nullable=True),
        sa.CheckConstraint("text_state IN ('pending', 'done', 'none', 'failed')",
                           name=op.f("ck_attachment_version_text_state")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"],
                                name=op.f("fk_attachment_version_attachment_id_attachment")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_attachment_version_party_id_party")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"],
                                name=op.f("fk_attachment_version_uploaded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_version")),
        sa.UniqueConstraint("attachment_id", "number", name=op.f("uq_attachment_version_attachment_id_number")),
    )
    with op.batch_alter_table("attachment_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_version_attachment_id"), ["attachment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_version_sha256"), ["sha256"], unique=False)

    _search_kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM search_entry WHERE kind = 'attachment'")
    _search_kinds(NEW_KINDS, OLD_KINDS)
    op.drop_table("attachment_version")
    op.drop_table("attachment")
