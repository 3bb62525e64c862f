"""Maturity assessments run through the review cycle's engine.

- review_cycle.kind: "review" (the quarterly review, every cycle so far) or "maturity"; a period
  is unique per kind, and one cycle of each kind may be open at a time.
- partnership.maturity_cadence_months: how often a maturity assessment is due (yearly by default).

Revision ID: 0016_maturity_assessment
Revises: 0015_evidence_packs
Create Date: 2026-12-04 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "0016_maturity_assessment"
down_revision = "0015_evidence_packs"
branch_labels = None
depends_on = None

OPEN = sa.text("stage != 'closed'")


def upgrade():
    with op.batch_alter_table("review_cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="review", nullable=False))
        batch_op.create_check_constraint(op.f("ck_review_cycle_kind"), "kind IN ('review', 'maturity')")
        batch_op.drop_constraint(op.f("uq_review_cycle_partnership_id_period"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_review_cycle_partnership_id_kind_period"), ["partnership_id", "kind", "period"]
        )
        batch_op.drop_index("uq_review_cycle_one_open", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index("uq_review_cycle_one_open", ["partnership_id", "kind"], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maturity_cadence_months", sa.Integer(), server_default="12", nullable=False))
        batch_op.create_check_constraint(op.f("ck_partnership_maturity_cadence"), "maturity_cadence_months IN (6, 12)")


def downgrade():
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_partnership_maturity_cadence"), type_="check")
        batch_op.drop_column("maturity_cadence_months")

    # The older schema holds one kind of cycle, one open at a time: a maturity assessment stays
    # in the record as a closed cycle whose period says what it was ("M2026").
    op.execute("UPDATE review_cycle SET period = 'M' || period, stage = 'closed', "
               "closed_at = COALESCE(closed_at, stage_changed_at) WHERE kind = 'maturity'")
    with op.batch_alter_table("review_cycle", schema=None) as batch_op:
        batch_op.drop_index("uq_review_cycle_one_open", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index("uq_review_cycle_one_open", ["partnership_id"], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_constraint(op.f("uq_review_cycle_partnership_id_kind_period"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_review_cycle_partnership_id_period"), ["partnership_id", "period"])
        batch_op.drop_constraint(op.f("ck_review_cycle_kind"), type_="check")
        batch_op.drop_column("kind")
