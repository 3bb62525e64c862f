"""Forms shared by every feature, and `Form`, the base every form uses.

`Form` adds one rule to every text field: no invisible control characters (NUL and
the other C0 controls but tab and line breaks). PostgreSQL cannot store NUL at all,
so without this rule such input would fail at the database; with it, the person sees
a message beside the field and keeps what they typed.
"""

import re

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds characters the database cannot store or people cannot see."""
    return bool(_CONTROL.search(text))


def no_control_characters(form, field):
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError("Remove the invisible control characters from this text; they cannot be saved.")


class Form(FlaskForm):
    """The base of every form in the app (use it instead of FlaskForm)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):  # also Email, Password, TextArea fields
                field.validators = [*field.validators, no_control_characters]
            return field


class ConfirmForm(Form):
    """Nothing but the CSRF token: for buttons that change something."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]
