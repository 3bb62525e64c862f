"""The promise ledger's records: what the promisee confirmed, what every party agreed to
release, and the promisor's contest, for promises whose record does not settle them alone;
and the meetings the plan's bodies and forums hold, with their decisions (the decision register).

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


    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("body_kind", sa.String(length=10), nullable=False),
        sa.Column("body_ref", sa.String(length=40), nullable=False),
        sa.Column("body_name", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendance", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("minutes_html", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_party_id", sa.Integer(), nullable=False),
        sa.Column("recorded_party_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("body_kind IN ('body', 'forum')", name=op.f("ck_meeting_body_kind")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"], name=op.f("fk_meeting_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_meeting_recorded_by_id_user_account")),
        sa.ForeignKeyConstraint(["recorded_party_id"], ["party.id"], name=op.f("fk_meeting_recorded_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    op.create_index("ix_meeting_partnership_body", "meeting", ["partnership_id", "body_kind", "body_ref", "held_on"])
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("right", sa.Text(), nullable=True),
        sa.Column("within_rights", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_decision_meeting_id_meeting")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_decision_partnership_id_partnership")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
    )
    op.create_index(op.f("ix_decision_meeting_id"), "decision", ["meeting_id"])
    op.create_index(op.f("ix_decision_partnership_id"), "decision", ["partnership_id"])


def downgrade():
    op.drop_index(op.f("ix_decision_partnership_id"), table_name="decision")
    op.drop_index(op.f("ix_decision_meeting_id"), table_name="decision")
    op.drop_table("decision")
    op.drop_index("ix_meeting_partnership_body", table_name="meeting")
    op.drop_table("meeting")
    with op.batch_alter_table("promise_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_record_partnership_id"))
    op.drop_table("promise_record")
