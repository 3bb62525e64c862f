"""Evidence packs.

- evidence_pack: an export a partnership admin asked for, the organisation whose key signs
  it, and (once a worker built it) the ZIP with its SHA-256.

Revision ID: 0015_evidence_packs
Revises: 0014_calendar_feeds
Create Date: 2026-12-04 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "0015_evidence_packs"
down_revision = "0014_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence_pack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ready_at", sa.DateTime(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=95), nullable=True),
        sa.Column("build_seconds", sa.Double(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'ready')", name=op.f("ck_evidence_pack_status")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_evidence_pack_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_evidence_pack_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_evidence_pack_requested_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_pack")),
    )
    with op.batch_alter_table("evidence_pack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_pack_partnership_id"), ["partnership_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_pack_requested_at"), ["requested_at"], unique=False)


def downgrade():
    op.drop_table("evidence_pack")
