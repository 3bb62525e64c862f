"""Forms shared by every feature, and `Form`, the base every form uses.

`Form` applies the app's input rules (app/inputs.py) to every field, so no form can forget them:

- text fields refuse invisible control characters (NUL and the other C0 and C1 controls but tab
  and line breaks): PostgreSQL cannot store NUL at all, so without this rule such input would
  fail at the database; with it, the person sees a message beside the field and keeps what
  they typed;
- date fields refuse dates outside DATE_MIN..DATE_MAX;
- number fields without bounds of their own get the database's integer range.

A submitted form shown again with errors answers 422, whichever view renders it: every `Form`
of the request is remembered, and `unprocessable_if_invalid` (an after_request hook) sets the
status when one of them has errors.
"""

from flask import g, has_request_context, request
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, FloatField, HiddenField, IntegerField, SelectChoice, StringField
from wtforms.validators import NumberRange, ValidationError

from app.inputs import (
    CONTROL_MESSAGE,
    DATE_RANGE_MESSAGE,
    DB_INT_MAX,
    FORM_CHANGED,
    has_control_characters,
    in_date_range,
    parse_id,
)

__all__ = ["Form", "ConfirmForm", "IdField", "choices", "has_control_characters", "unprocessable_if_invalid"]


def no_control_characters(form, field):
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(CONTROL_MESSAGE)


def date_in_range(form, field):
    if field.data is not None and not in_date_range(field.data):
        raise ValidationError(DATE_RANGE_MESSAGE)


def _has_bounds(field) -> bool:
    return any(isinstance(v, NumberRange) for v in field.validators)


class Form(FlaskForm):
    """The base of every form in the app (use it instead of FlaskForm)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            rules = []
            if isinstance(field, StringField):  # also Email, Password, TextArea and Hidden fields
                rules.append(no_control_characters)
            if isinstance(field, DateField):
                rules.append(date_in_range)
            if isinstance(field, IntegerField | DecimalField | FloatField) and not _has_bounds(field):
                rules.append(NumberRange(-DB_INT_MAX, DB_INT_MAX, message="Enter a smaller number."))
            field.validators = [*field.validators, *rules]
            return field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("forms", []).append(self)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.process_errors and isinstance(field, IntegerField | DecimalField | FloatField):
                # One message that says what to type, not WTForms' "Not a valid integer value."
                # followed by the range the empty value then also failed.
                field.errors = [_number_message(field)]
        return valid


def _number_message(field) -> str:
    for validator in field.validators:
        if isinstance(validator, NumberRange) and validator.message and validator.min is not None \
                and validator.max is not None and validator.max < DB_INT_MAX:
            return validator.message
    return "Enter a whole number, like 12." if isinstance(field, IntegerField) else "Enter a number, like 97.5."


class IdField(HiddenField):
    """A hidden id the page gives the form (the revision an edit started from…): its data is the
    id, and a missing or changed value fails validation with FORM_CHANGED (shown at the top of
    the form by the forms macro), never read as "none"."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_id(valuelist[0])
            if self.data is None:
                raise ValueError(FORM_CHANGED)

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(FORM_CHANGED)


class ConfirmForm(Form):
    """Nothing but the CSRF token: for buttons that change something."""


def int_or_none(value):
    """A filter select's coerce: the chosen id, or None for "every…" and for anything not a number
    (then the choice is refused beside the field, as no option has that value)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def unprocessable_if_invalid(response):
    """after_request hook: a form submitted and shown again with its errors answers 422."""
    if (
        request.method == "POST"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and any(form.errors for form in g.get("forms", ()))
    ):
        response.status_code = 422
    return response
