"""Personal calendar feeds.

- calendar_feed: a person's secret calendar address (only the token's hash is searchable; the
  token is derived from the nonce with a key outside the database).

Revision ID: 0014_calendar_feeds
Revises: 0013_plan_import
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "0014_calendar_feeds"
down_revision = "0013_plan_import"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reset_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_calendar_feed_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
    )


def downgrade():
    op.drop_table("calendar_feed")
