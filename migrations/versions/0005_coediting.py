"""Co-editing: overlapping saves kept for their authors, comment threads, and who has a section open.

Revision ID: 0005_coediting
Revises: 0004_security
Create Date: 2026-11-23 17:19:30.476804

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_coediting'
down_revision = '0004_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('section_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("mode IN ('editing', 'viewing')", name=op.f('ck_section_presence_mode')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_section_presence_partnership_id_partnership')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_section_presence_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_presence')),
    sa.UniqueConstraint('partnership_id', 'section_key', 'user_id', 'mode', name=op.f('uq_section_presence_partnership_id_section_key_user_id_mode'))
    )
    op.create_table('comment_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_comment_thread_status')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_comment_thread_partnership_id_partnership')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_comment_thread_party_id_party')),
    sa.ForeignKeyConstraint(['section_id'], ['plan_section.id'], name=op.f('fk_comment_thread_section_id_plan_section')),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_comment_thread_started_by_id_user_account')),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['user_account.id'], name=op.f('fk_comment_thread_status_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_thread'))
    )
    with op.batch_alter_table('comment_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_thread_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index('ix_comment_thread_section_status', ['section_id', 'status'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_comment_party_id_party')),
    sa.ForeignKeyConstraint(['thread_id'], ['comment_thread.id'], name=op.f('fk_comment_thread_id_comment_thread')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_thread_id'), ['thread_id'], unique=False)

    op.create_table('edit_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_party_id', sa.Integer(), nullable=False),
    sa.Column('base_revision_id', sa.Integer(), nullable=True),
    sa.Column('their_revision_id', sa.Integer(), nullable=False),
    sa.Column('attempted_content', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('result_revision_id', sa.Integer(), nullable=True),
    sa.Column('followed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved', 'discarded', 'superseded')", name=op.f('ck_edit_conflict_status')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_edit_conflict_author_id_user_account')),
    sa.ForeignKeyConstraint(['author_party_id'], ['party.id'], name=op.f('fk_edit_conflict_author_party_id_party')),
    sa.ForeignKeyConstraint(['base_revision_id'], ['section_revision.id'], name=op.f('fk_edit_conflict_base_revision_id_section_revision')),
    sa.ForeignKeyConstraint(['followed_by_id'], ['edit_conflict.id'], name=op.f('fk_edit_conflict_followed_by_id_edit_conflict')),
    sa.ForeignKeyConstraint(['result_revision_id'], ['section_revision.id'], name=op.f('fk_edit_conflict_result_revision_id_section_revision')),
    sa.ForeignKeyConstraint(['section_id'], ['plan_section.id'], name=op.f('fk_edit_conflict_section_id_plan_section')),
    sa.ForeignKeyConstraint(['their_revision_id'], ['section_revision.id'], name=op.f('fk_edit_conflict_their_revision_id_section_revision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_conflict'))
    )
    with op.batch_alter_table('edit_conflict', schema=None) as batch_op:
        batch_op.create_index('ix_edit_conflict_open', ['section_id', 'author_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('edit_conflict', schema=None) as batch_op:
        batch_op.drop_index('ix_edit_conflict_open')

    op.drop_table('edit_conflict')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_thread_id'))
        batch_op.drop_index(batch_op.f('ix_comment_created_at'))

    op.drop_table('comment')
    with op.batch_alter_table('comment_thread', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_thread_section_status')
        batch_op.drop_index(batch_op.f('ix_comment_thread_partnership_id'))

    op.drop_table('comment_thread')
    op.drop_table('section_presence')
