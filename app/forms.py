"""Forms shared by every feature."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token: for buttons that change something."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]
