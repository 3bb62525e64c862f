"""Organisation signing keys name the SIGNING_KEYS_SECRET key that encrypts them (NULL: stored under SECRET_KEY before key ids, until `ermp rekey`).

Revision ID: 0010_signing_key_ids
Revises: 0009_audit_chains
Create Date: 2026-12-03 10:31:59.521946

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_signing_key_ids'
down_revision = '0009_audit_chains'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption_key_id', sa.String(length=40), nullable=True))



def downgrade():
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.drop_column('encryption_key_id')

