"""The promise ledger's records: what the promisee confirmed, what every party agreed to
release, and the promisor's contest, for promises whose record does not settle them alone.

Revision ID: 0019_promises
Revises: 0018_attachments
Create Date: 2026-12-04 23:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "0019_promises"
down_revision = "0018_attachments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "promise_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("kept_on", sa.Date(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("outcome_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome_party_id", sa.Integer(), nullable=True),
        sa.Column("outcome_party_name", sa.String(length=200), nullable=True),
        sa.Column("outcome_at", sa.DateTime(), nullable=True),
        sa.Column("agreed_at", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_proposal_id", sa.Integer(), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=False),
        sa.Column("contested_outcome", sa.String(length=20), nullable=True),
        sa.Column("contested_kept_on", sa.Date(), nullable=True),
        sa.Column("contested_note", sa.Text(), nullable=False),
        sa.Column("contested_by_id", sa.Integer(), nullable=True),
        sa.Column("contested_party_id", sa.Integer(), nullable=True),
        sa.Column("contested_party_name", sa.String(length=200), nullable=True),
        sa.Column("contested_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('kept', 'broken')", name=op.f("ck_promise_record_outcome")),
        sa.CheckConstraint("contested_outcome IS NULL OR contested_outcome IN ('kept', 'broken')",
                           name=op.f("ck_promise_record_contested_outcome")),
        sa.CheckConstraint("outcome IS NULL OR outcome = 'broken' OR kept_on IS NOT NULL",
                           name=op.f("ck_promise_record_kept_on")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_promise_record_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["outcome_by_id"], ["user_account.id"],
                                name=op.f("fk_promise_record_outcome_by_id_user_account")),
        sa.ForeignKeyConstraint(["outcome_party_id"], ["party.id"],
                                name=op.f("fk_promise_record_outcome_party_id_party")),
        sa.ForeignKeyConstraint(["release_proposal_id"], ["proposal.id"],
                                name=op.f("fk_promise_record_release_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["contested_by_id"], ["user_account.id"],
                                name=op.f("fk_promise_record_contested_by_id_user_account")),
        sa.ForeignKeyConstraint(["contested_party_id"], ["party.id"],
                                name=op.f("fk_promise_record_contested_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_record")),
        sa.UniqueConstraint("partnership_id", "key", name="uq_promise_record_key"),
    )
    with op.batch_alter_table("promise_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promise_record_partnership_id"), ["partnership_id"], unique=False)


def downgrade():
    with op.batch_alter_table("promise_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_record_partnership_id"))
    op.drop_table("promise_record")
