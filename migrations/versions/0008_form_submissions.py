"""Create-forms that create once: the key each create-form carries, claimed by its first submission.

Revision ID: 0008_form_submissions
Revises: 0007_review_cycle
Create Date: 2026-12-03 10:13:48.607076

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_form_submissions'
down_revision = '0007_review_cycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submission',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_submission_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_form_submission'))
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_user_id'))

    op.drop_table('form_submission')
