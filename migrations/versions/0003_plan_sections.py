"""The shared plan: sections, their append-only revisions and reviews.

Revision ID: 0003_plan_sections
Revises: 0002_notifications
Create Date: 2026-11-23 16:12:18.552251

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_plan_sections'
down_revision = '0002_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=40), nullable=False),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('revision_count', sa.Integer(), nullable=False),
    sa.Column('last_reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('last_reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('last_reviewed_party_id', sa.Integer(), nullable=True),
    sa.Column('last_reviewed_revision_number', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['last_reviewed_by_id'], ['user_account.id'], name=op.f('fk_plan_section_last_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['last_reviewed_party_id'], ['party.id'], name=op.f('fk_plan_section_last_reviewed_party_id_party')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_plan_section_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_section')),
    sa.UniqueConstraint('partnership_id', 'section_key', name=op.f('uq_plan_section_partnership_id_section_key'))
    )
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_section_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('section_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('narrative_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('base_revision_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('edit', 'restore', 'merge')", name=op.f('ck_section_revision_kind')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_section_revision_number')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_section_revision_author_id_user_account')),
    sa.ForeignKeyConstraint(['author_party_id'], ['party.id'], name=op.f('fk_section_revision_author_party_id_party')),
    sa.ForeignKeyConstraint(['base_revision_id'], ['section_revision.id'], name=op.f('fk_section_revision_base_revision_id_section_revision')),
    sa.ForeignKeyConstraint(['section_id'], ['plan_section.id'], name=op.f('fk_section_revision_section_id_plan_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_revision')),
    sa.UniqueConstraint('section_id', 'number', name=op.f('uq_section_revision_section_id_number'))
    )
    with op.batch_alter_table('section_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_revision_section_id'), ['section_id'], unique=False)

    op.create_table('section_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_section_review_party_id_party')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_section_review_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['revision_id'], ['section_revision.id'], name=op.f('fk_section_review_revision_id_section_revision')),
    sa.ForeignKeyConstraint(['section_id'], ['plan_section.id'], name=op.f('fk_section_review_section_id_plan_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_review'))
    )
    with op.batch_alter_table('section_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_review_section_id'), ['section_id'], unique=False)

    # The section -> current revision pointer closes a cycle, so it is added once both tables exist.
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_plan_section_current_revision_id_section_revision'),
            'section_revision', ['current_revision_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_section_current_revision_id_section_revision'), type_='foreignkey')

    with op.batch_alter_table('section_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_review_section_id'))

    op.drop_table('section_review')
    with op.batch_alter_table('section_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_revision_section_id'))

    op.drop_table('section_revision')
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_section_partnership_id'))

    op.drop_table('plan_section')
