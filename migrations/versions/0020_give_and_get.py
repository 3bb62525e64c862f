"""The give-and-get balance: a meeting's length (with each party's headcount, kept in its
attendance, it gives the time each party spends on the partnership's bodies), and the band a
party's position may stray in before the balance flags it, per partnership (changed by consent).
And each partnership's trust summary (reliability, balance flags, drift) for the portfolio and
the overview, kept by a periodic job.

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
    with op.batch_alter_table("partnership") as batch:
        batch.add_column(sa.Column("balance_band_points", sa.Integer(), server_default="20", nullable=False))


def downgrade():
    op.drop_table("trust_summary")
    with op.batch_alter_table("partnership") as batch:
        batch.drop_column("balance_band_points")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("length_minutes")
