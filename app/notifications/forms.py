"""The delivery choices form: one radio group per notification kind."""

from wtforms import RadioField

from app.forms import Form, choices
from app.notifications.kinds import KINDS


class PreferencesForm(Form):
    """Fields are added per registered kind by `preferences_form`."""


def preferences_form(current: dict, **kwargs) -> Form:
    form_class = type("KindPreferencesForm", (PreferencesForm,), {})
    for spec in KINDS.all():
        setattr(
            form_class,
            spec.key,
            RadioField(
                spec.label,
                choices=choices((d.value, d.label) for d in spec.choices),
                default=current[spec.key].value,
                description=spec.description,
            ),
        )
    return form_class(prefix="notify", **kwargs)
