"""Bad input: create-forms that create once, and stored HTML with raw HTML shown as text.

- form_submission: the key each create-form carries, claimed by its first submission
  (app/submissions.py).
- The Markdown renderer used to let raw HTML through to the sanitiser, which dropped an unclosed
  `<style>` together with everything written after it. Revisions and comments keep the HTML
  they were rendered to when written; those whose text holds a "<" are rendered again with the
  app's renderer (the text itself, the record, is not touched). Nothing to render on an empty
  database.

Revision ID: 0010_bad_input
Revises: 0009_audit_chains
Create Date: 2026-12-03 10:13:48.607076

"""
import json
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_bad_input'
down_revision = '0009_audit_chains'
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
    _render_stored_html_again()


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _render_stored_html_again():
    connection = op.get_bind()
    narrative = (
        "content->>'narrative'" if connection.dialect.name == "postgresql" else "json_extract(content, '$.narrative')"
    )
    revisions = [
        (row.id, _json(row.content).get("narrative") or "")
        for row in connection.execute(sa.text(f"SELECT id, content FROM section_revision WHERE {narrative} LIKE '%<%'"))
    ]
    comments = connection.execute(
        sa.text("SELECT id, body, mentions FROM comment WHERE body LIKE '%<%'")
    ).all()
    if not revisions and not comments:
        return
    # Imported only when there is something to render: the renderer of the app being upgraded.
    from app.coediting.comments import find_mentions, render_comment
    from app.markdown import render_markdown

    for id_, text in revisions:
        connection.execute(sa.text("UPDATE section_revision SET narrative_html = :html WHERE id = :id"),
                           {"html": render_markdown(text), "id": id_})
    names = dict(connection.execute(sa.text("SELECT id, full_name FROM user_account")).all())
    for comment in comments:
        mentioned = [
            SimpleNamespace(user_id=user_id, user=SimpleNamespace(full_name=names[user_id], active=True))
            for user_id in _json(comment.mentions) or [] if user_id in names
        ]
        html = render_comment(comment.body, find_mentions(comment.body, mentioned))
        connection.execute(sa.text("UPDATE comment SET body_html = :html WHERE id = :id"),
                           {"html": html, "id": comment.id})


def downgrade():
    # The HTML rendered again stays: it shows the same text, and more of it.
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_user_id'))

    op.drop_table('form_submission')
