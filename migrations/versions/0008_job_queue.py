"""The job tier: failures of background jobs people can see, the mail outbox, DRAFT PDFs cached per content, and the stored PDF of each closed review report.

Revision ID: 0008_job_queue
Revises: 0007_review_cycle
Create Date: 2026-12-03 10:11:04.030250

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_job_queue'
down_revision = '0007_review_cycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_outbound_mail_status')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_outbound_mail_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_mail'))
    )
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_mail_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_outbound_mail_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('draft_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ready_at', sa.DateTime(), nullable=True),
    sa.Column('render_seconds', sa.Double(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'ready')", name=op.f('ck_draft_pdf_status')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_draft_pdf_partnership_id_partnership')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_draft_pdf_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_pdf')),
    sa.UniqueConstraint('partnership_id', 'content_hash', name=op.f('uq_draft_pdf_partnership_id_content_hash'))
    )
    with op.batch_alter_table('draft_pdf', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_pdf_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_pdf_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_pdf_requested_by_id'), ['requested_by_id'], unique=False)

    op.create_table('job_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=True),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.Column('gave_up', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_job_problem_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_problem')),
    sa.UniqueConstraint('job', 'key', name=op.f('uq_job_problem_job_key'))
    )
    with op.batch_alter_table('job_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_problem_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('review_report_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('render_seconds', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_report_document_cycle_id_review_cycle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_report_document')),
    sa.UniqueConstraint('cycle_id', name=op.f('uq_review_report_document_cycle_id'))
    )


def downgrade():
    op.drop_table('review_report_document')
    with op.batch_alter_table('job_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_problem_partnership_id'))

    op.drop_table('job_problem')
    with op.batch_alter_table('draft_pdf', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_pdf_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_draft_pdf_requested_at'))
        batch_op.drop_index(batch_op.f('ix_draft_pdf_partnership_id'))

    op.drop_table('draft_pdf')
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_mail_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbound_mail_organisation_id'))

    op.drop_table('outbound_mail')
