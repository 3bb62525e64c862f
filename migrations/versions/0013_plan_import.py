"""Plan import: a plan file read and waiting for its importer to confirm the mapping.

- pending_import: the parts of an uploaded DOCX or Markdown plan, the section revisions
  they were read against, for one person in one partnership, until confirmed or expired.

Revision ID: 0013_plan_import
Revises: 0012_signing_deadlines
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0013_plan_import'
down_revision = '0012_signing_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('file_kind', sa.String(length=20), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('base_revision_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_pending_import_partnership_id_partnership')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pending_import_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_import'))
    )
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_import_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_import_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_import_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_import_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_import_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_pending_import_expires_at'))
    op.drop_table('pending_import')
