"""The error services raise when a request breaks a business rule, and `applying`, the one
way a view commits a change that may break one.

Views turn a violation into a message beside the named form field (or a flashed message
when no field is named), so the user keeps what they typed.
"""

from collections.abc import Iterator
from contextlib import contextmanager

# Flask and the database layer are imported where they are used: the child process that reads an
# uploaded plan (app/plan_import/reading.py) imports this module for RuleViolation alone, and
# starts faster without them.


class RuleViolation(Exception):  # noqa: N818 - a broken business rule, not an error in the program
    status = 422  # what a view answers when the form that broke it is shown again; a rule may say 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def apply_to_form(form, violation: RuleViolation) -> bool:
    """Attach the violation to its field; False when the form has no such field."""
    field = getattr(form, violation.field, None) if form is not None and violation.field else None
    if field is None:
        return False
    field.errors = [*field.errors, violation.message]
    return True


def show_violation(form, violation: RuleViolation) -> None:
    """Undo the failed change and show its message beside the field, or flashed."""
    from flask import flash

    from app.extensions import db

    db.session.rollback()
    if not apply_to_form(form, violation):
        flash(violation.message, "error")


class Outcome:
    """What `applying` reports: true when the change was committed; else `violation` says why not."""

    violation: RuleViolation | None = None

    def __bool__(self) -> bool:
        return self.violation is None


@contextmanager
def applying(form=None, *, show: bool = True) -> Iterator[Outcome]:
    """Commit what the block changes, or undo it when it breaks a rule.

        with applying(form) as applied:
            services.open_cycle(...)
        if applied:
            flash(...)               # the change is saved: only now say so and redirect
            return redirect(...)
        return render_template(...), 422

    A RuleViolation rolls the transaction back and is shown beside its field of `form`, or
    flashed (`show=False` leaves the showing to the view, one that answers JSON say). Any other
    error rolls back too and goes on to its error handler. The commit happens when the block
    ends, so a redirect after it follows a change that is really saved.
    """
    from app.extensions import db

    outcome = Outcome()
    try:
        yield outcome
    except RuleViolation as violation:
        outcome.violation = violation
        if show:
            show_violation(form, violation)
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise
    else:
        db.session.commit()
