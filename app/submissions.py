"""Create-forms that create once: a second submission of the same rendered form (a double
click, a resent request, a reload of the POST) creates nothing more.

Each `OnceForm` carries a random key in a hidden field. A view that creates something claims
the key in the same transaction as what it creates, and says where the result is:

    if form.validate_on_submit():
        submission = claim(form)            # a repeat never gets past this line
        thread = start_thread(...)
        target = url_for(...)
        submission.led_to(target)
        db.session.commit()
        return redirect(target)

The claim is an INSERT ... ON CONFLICT DO NOTHING on the key: of two submissions arriving
together, the second waits for the first's transaction and then finds the key taken, so
PostgreSQL and SQLite both let exactly one through. The repeat answers with a redirect to
where the first one led. A submission that fails (errors, a broken rule) rolls its claim back
with everything else, so the same form can be corrected and sent again.
"""

import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, abort, flash, redirect, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from app.database import insert_for
from app.extensions import db
from app.forms import Form
from app.inputs import FORM_CHANGED
from app.types import utcnow

_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


def new_key() -> str:
    return secrets.token_urlsafe(24)  # 32 characters


class FormSubmission(db.Model):
    """A create-form submission that went through, by the key its form carried."""

    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the submission led (the new comment, the new partnership…): repeats go there too.
    result: Mapped[str | None] = mapped_column(sa.String(500))


class SubmissionKeyField(HiddenField):
    """The form's key: a fresh one when the page is drawn (or when a request sends none)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=new_key, **kwargs)

    def __call__(self, **kwargs):
        kwargs.setdefault("id", False)  # pages hold several such forms: no duplicate ids
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            if not _KEY.fullmatch(valuelist[0]):
                raise ValueError(FORM_CHANGED)  # the form shown again carries a fresh, valid key
            self.data = valuelist[0]


class OnceForm(Form):
    """A form that creates something; its view claims the key (see the module's docstring)."""

    submission_key = SubmissionKeyField()


class RepeatedSubmission(Exception):  # noqa: N818 - says what happened, like the rule violations
    def __init__(self, result: str | None):
        super().__init__("this form was already submitted")
        self.result = result


class Submission:
    def __init__(self, key: str):
        self.key = key

    def led_to(self, url: str) -> None:
        """Record where the submission led, before the transaction commits."""
        db.session.execute(sa.update(FormSubmission).where(FormSubmission.key == self.key).values(result=url[:500]))


def claim(form: OnceForm) -> Submission:
    """Claim the form's key for this submission; RepeatedSubmission if it was already used."""
    key = form.submission_key.data
    user_id = current_user.id if current_user.is_authenticated else None
    claimed = db.session.execute(
        insert_for(FormSubmission)
        .values(key=key, user_id=user_id, endpoint=request.endpoint or "", created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(FormSubmission.key)
    ).scalar_one_or_none()
    if claimed is None:
        earlier = db.session.get(FormSubmission, key)
        if earlier is None or earlier.user_id != user_id or earlier.endpoint != (request.endpoint or ""):
            abort(409, FORM_CHANGED)  # someone else's key, or another form's
        raise RepeatedSubmission(earlier.result)
    return Submission(key)


def init_app(app: Flask) -> None:
    @app.errorhandler(RepeatedSubmission)
    def repeated(error: RepeatedSubmission):
        db.session.rollback()
        flash("That was already sent, and it was saved once.", "info")
        return redirect(error.result or "/")
