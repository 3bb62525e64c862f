"""Signatures that do not stall: a deadline and a signing order per plan version, and nudges.

- plan_version.sign_by: the last day to sign (optional), chosen at issue.
- plan_version.signing_order: the party ids in the order they sign (NULL: any order).
- signature_nudge: an admin's reminder to a party that has not signed yet.
- PostgreSQL: plan_version_guard also freezes the deadline and the order of an issued version.

Revision ID: 0012_signing_deadlines
Revises: 0011_consent
Create Date: 2026-12-03 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

# plan_version_guard as app/plan_versions/models.py PG_TRIGGERS has it from this migration on
# (kept verbatim here, so this migration never changes when the app does).
PLAN_VERSION_GUARD = """
CREATE OR REPLACE FUNCTION plan_version_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'plan version % cannot be deleted', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'plan version % is signed and cannot be changed', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW.partnership_id, NEW.major, NEW.minor, NEW.summary, NEW.canonical, NEW.content_hash,
      NEW.revision_ids::text, NEW.issued_by_id, NEW.issued_by_party_id, NEW.issued_at, NEW.parties::text,
      NEW.sign_by, NEW.signing_order::text)
     IS DISTINCT FROM
     (OLD.partnership_id, OLD.major, OLD.minor, OLD.summary, OLD.canonical, OLD.content_hash,
      OLD.revision_ids::text, OLD.issued_by_id, OLD.issued_by_party_id, OLD.issued_at, OLD.parties::text,
      OLD.sign_by, OLD.signing_order::text) THEN
    RAISE EXCEPTION 'the issued content of plan version % cannot be changed', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""
# As 0011_consent left it, for the downgrade.
OLD_PLAN_VERSION_GUARD = PLAN_VERSION_GUARD.replace(",\n      NEW.sign_by, NEW.signing_order::text)", ")").replace(
    ",\n      OLD.sign_by, OLD.signing_order::text)", ")"
)


# revision identifiers, used by Alembic.
revision = '0012_signing_deadlines'
down_revision = '0011_consent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signature_nudge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_party_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_signature_nudge_party_id_party')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_signature_nudge_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['sent_by_party_id'], ['party.id'], name=op.f('fk_signature_nudge_sent_by_party_id_party')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_signature_nudge_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_nudge'))
    )
    with op.batch_alter_table('signature_nudge', schema=None) as batch_op:
        batch_op.create_index('ix_signature_nudge_version_party', ['version_id', 'party_id', 'sent_at'], unique=False)

    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('signing_order', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PLAN_VERSION_GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(OLD_PLAN_VERSION_GUARD)
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('signing_order')
        batch_op.drop_column('sign_by')

    with op.batch_alter_table('signature_nudge', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_nudge_version_party')
    op.drop_table('signature_nudge')
