"""Plan versions signed by every party: versions, signatures, stored PDFs, organisations' signing keys,
and PostgreSQL triggers that refuse any change to signed records.

Revision ID: 0006_plan_versions
Revises: 0005_coediting
Create Date: 2026-11-23 19:08:18.422407

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_plan_versions'
down_revision = '0005_coediting'
branch_labels = None
depends_on = None


# The same statements as app/plan_versions/models.py PG_TRIGGERS (kept verbatim here, so this
# migration never changes when the app does).
PG_TRIGGERS = (
    """
CREATE OR REPLACE FUNCTION plan_version_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'plan version % cannot be deleted', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'plan version % is signed and cannot be changed', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW.partnership_id, NEW.major, NEW.minor, NEW.summary, NEW.canonical, NEW.content_hash,
      NEW.revision_ids::text, NEW.issued_by_id, NEW.issued_by_party_id, NEW.issued_at)
     IS DISTINCT FROM
     (OLD.partnership_id, OLD.major, OLD.minor, OLD.summary, OLD.canonical, OLD.content_hash,
      OLD.revision_ids::text, OLD.issued_by_id, OLD.issued_by_party_id, OLD.issued_at) THEN
    RAISE EXCEPTION 'the issued content of plan version % cannot be changed', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION plan_record_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are immutable and cannot be changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER plan_version_guard BEFORE UPDATE OR DELETE ON plan_version "
    "FOR EACH ROW EXECUTE FUNCTION plan_version_guard()",
    "CREATE TRIGGER plan_signature_immutable BEFORE UPDATE OR DELETE ON plan_signature "
    "FOR EACH ROW EXECUTE FUNCTION plan_record_immutable()",
    "CREATE TRIGGER plan_document_immutable BEFORE UPDATE OR DELETE ON plan_document "
    "FOR EACH ROW EXECUTE FUNCTION plan_record_immutable()",
)


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table('organisation_signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('encrypted_key', sa.LargeBinary(), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('generated', 'uploaded')", name=op.f('ck_organisation_signing_key_source')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_organisation_signing_key_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_signing_key_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_signing_key'))
    )
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_signing_key_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('major', sa.Integer(), nullable=False),
    sa.Column('minor', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('revision_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_party_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_party_id', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('awaiting', 'signed', 'declined', 'withdrawn')", name=op.f('ck_plan_version_status')),
    sa.CheckConstraint('major >= 0 AND minor >= 0', name=op.f('ck_plan_version_number')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_plan_version_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_party_id'], ['party.id'], name=op.f('fk_plan_version_closed_party_id_party')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_plan_version_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['issued_by_party_id'], ['party.id'], name=op.f('fk_plan_version_issued_by_party_id_party')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_plan_version_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('partnership_id', 'major', 'minor', name=op.f('uq_plan_version_partnership_id_major_minor'))
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_version_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('plan_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('typed_name', sa.String(length=120), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('auth_method', sa.String(length=20), nullable=False),
    sa.Column('intent', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('signing_key_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("auth_method IN ('password', 'password+totp')", name=op.f('ck_plan_signature_auth_method')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_plan_signature_party_id_party')),
    sa.ForeignKeyConstraint(['signer_id'], ['user_account.id'], name=op.f('fk_plan_signature_signer_id_user_account')),
    sa.ForeignKeyConstraint(['signing_key_id'], ['organisation_signing_key.id'], name=op.f('fk_plan_signature_signing_key_id_organisation_signing_key')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_signature_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_signature')),
    sa.UniqueConstraint('version_id', 'party_id', name=op.f('uq_plan_signature_version_id_party_id'))
    )
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_signature_version_id'), ['version_id'], unique=False)

    op.create_table('plan_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('render_seconds', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['signature_id'], ['plan_signature.id'], name=op.f('fk_plan_document_signature_id_plan_signature')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_document_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_document')),
    sa.UniqueConstraint('signature_id', name=op.f('uq_plan_document_signature_id')),
    sa.UniqueConstraint('version_id', 'number', name=op.f('uq_plan_document_version_id_number'))
    )
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_document_version_id'), ['version_id'], unique=False)

    if _postgresql():
        for statement in PG_TRIGGERS:
            op.execute(statement)


def downgrade():
    if _postgresql():
        op.execute("DROP FUNCTION plan_version_guard() CASCADE")
        op.execute("DROP FUNCTION plan_record_immutable() CASCADE")
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_document_version_id'))

    op.drop_table('plan_document')
    with op.batch_alter_table('plan_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_signature_version_id'))

    op.drop_table('plan_signature')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_plan_version_content_hash'))

    op.drop_table('plan_version')
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_signing_key_organisation_id'))

    op.drop_table('organisation_signing_key')
