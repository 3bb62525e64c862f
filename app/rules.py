"""The error services raise when a request breaks a business rule.

Views turn it into a message beside the named form field (or a flashed message
when no field is named), so the user keeps what they typed.
"""


class RuleViolation(Exception):  # noqa: N818 - a broken business rule, not an error in the program
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def apply_to_form(form, violation: RuleViolation) -> bool:
    """Attach the violation to its field; False when the form has no such field."""
    field = getattr(form, violation.field, None) if violation.field else None
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
