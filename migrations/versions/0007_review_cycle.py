"""The review cycle: health dimensions, cycles (one open per partnership), blind assessments, stage agreements, adaptations, linked revisions and improvement actions.

Revision ID: 0007_review_cycle
Revises: 0006_plan_versions
Create Date: 2026-11-23 19:12:07.922797

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_review_cycle'
down_revision = '0006_plan_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('health_dimension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_health_dimension_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_dimension')),
    sa.UniqueConstraint('partnership_id', 'name', name=op.f('uq_health_dimension_partnership_id_name'))
    )
    with op.batch_alter_table('health_dimension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_dimension_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('review_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('review_due_on', sa.Date(), nullable=False),
    sa.Column('close_due_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('stage_changed_at', sa.DateTime(), nullable=False),
    sa.Column('revealed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("stage IN ('review', 'adapt', 'improve', 'operate', 'closed')", name=op.f('ck_review_cycle_stage')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_review_cycle_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_review_cycle_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cycle')),
    sa.UniqueConstraint('partnership_id', 'period', name=op.f('uq_review_cycle_partnership_id_period'))
    )
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cycle_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index('uq_review_cycle_one_open', ['partnership_id'], unique=True, sqlite_where=sa.text("stage != 'closed'"), postgresql_where=sa.text("stage != 'closed'"))

    op.create_table('adaptation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('section_key', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_adaptation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_adaptation_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_adaptation_party_id_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adaptation'))
    )
    with op.batch_alter_table('adaptation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adaptation_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('achievements', sa.Text(), nullable=False),
    sa.Column('concerns', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_assessment_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_assessment_party_id_party')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_assessment_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_assessment_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('cycle_id', 'party_id', name=op.f('uq_assessment_cycle_id_party_id'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_party_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('link_kind', sa.String(length=20), nullable=True),
    sa.Column('link_ref', sa.String(length=40), nullable=True),
    sa.Column('link_label', sa.String(length=160), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('dropped_at', sa.DateTime(), nullable=True),
    sa.Column('promoted_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("link_kind IS NULL OR link_kind IN ('dimension', 'measure', 'risk')", name=op.f('ck_improvement_action_link_kind')),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'done', 'dropped')", name=op.f('ck_improvement_action_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_improvement_action_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_improvement_action_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['owner_party_id'], ['party.id'], name=op.f('fk_improvement_action_owner_party_id_party')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_improvement_action_owner_user_id_user_account')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_improvement_action_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action'))
    )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_action_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_action_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('stage_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_because', sa.String(length=200), nullable=True),
    sa.CheckConstraint("stage IN ('review', 'adapt', 'improve', 'operate')", name=op.f('ck_stage_agreement_stage')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_stage_agreement_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_stage_agreement_party_id_party')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_stage_agreement_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_agreement'))
    )
    with op.batch_alter_table('stage_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_agreement_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index('uq_stage_agreement_live', ['cycle_id', 'stage', 'party_id'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('cycle_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('adaptation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['adaptation_id'], ['adaptation.id'], name=op.f('fk_cycle_revision_adaptation_id_adaptation')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_cycle_revision_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['revision_id'], ['section_revision.id'], name=op.f('fk_cycle_revision_revision_id_section_revision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_revision')),
    sa.UniqueConstraint('revision_id', name=op.f('uq_cycle_revision_revision_id'))
    )
    with op.batch_alter_table('cycle_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_revision_cycle_id'), ['cycle_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cycle_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_revision_cycle_id'))

    op.drop_table('cycle_revision')
    with op.batch_alter_table('stage_agreement', schema=None) as batch_op:
        batch_op.drop_index('uq_stage_agreement_live', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_stage_agreement_cycle_id'))

    op.drop_table('stage_agreement')
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_action_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_action_cycle_id'))

    op.drop_table('improvement_action')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_cycle_id'))

    op.drop_table('assessment')
    with op.batch_alter_table('adaptation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adaptation_cycle_id'))

    op.drop_table('adaptation')
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.drop_index('uq_review_cycle_one_open', sqlite_where=sa.text("stage != 'closed'"), postgresql_where=sa.text("stage != 'closed'"))
        batch_op.drop_index(batch_op.f('ix_review_cycle_partnership_id'))

    op.drop_table('review_cycle')
    with op.batch_alter_table('health_dimension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_dimension_partnership_id'))

    op.drop_table('health_dimension')
