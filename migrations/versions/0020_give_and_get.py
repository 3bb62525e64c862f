"""The give-and-get balance: a meeting's length and the actions it raised (with each party's headcount, kept in its
attendance, it gives the time each party spends on the partnership's bodies), and the band a
party's position may stray in before the balance flags it, per partnership (changed by consent).
Each partnership's trust summary (reliability, balance flags, drift) for the portfolio and the
overview, kept by a periodic job. And escalations: issues taken up the plan's escalation
ladder, each level's time to resolve tracked as promises.

Revision ID: 0020_give_and_get
Revises: 0019_promises
Create Date: 2026-12-05 02:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "0020_give_and_get"
down_revision = "0019_promises"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("raised_party_id", sa.Integer(), nullable=False),
        sa.Column("raised_party_name", sa.String(length=200), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_party_name", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_escalation_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["raised_by_id"], ["user_account.id"],
                                name=op.f("fk_escalation_raised_by_id_user_account")),
        sa.ForeignKeyConstraint(["raised_party_id"], ["party.id"], name=op.f("fk_escalation_raised_party_id_party")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user_account.id"],
                                name=op.f("fk_escalation_resolved_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    with op.batch_alter_table("escalation") as batch:
        batch.create_index(batch.f("ix_escalation_partnership_id"), ["partnership_id"], unique=False)
    op.create_table(
        "trust_summary",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"], name=op.f("fk_trust_summary_partnership_id_partnership")),
        sa.PrimaryKeyConstraint("partnership_id", name=op.f("pk_trust_summary")),
    )
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("length_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actions", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table("partnership") as batch:
        batch.add_column(sa.Column("balance_band_points", sa.Integer(), server_default="20", nullable=False))


def downgrade():
    with op.batch_alter_table("escalation") as batch:
        batch.drop_index(batch.f("ix_escalation_partnership_id"))
    op.drop_table("escalation")
    op.drop_table("trust_summary")
    with op.batch_alter_table("partnership") as batch:
        batch.drop_column("balance_band_points")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("actions")
        batch.drop_column("length_minutes")
