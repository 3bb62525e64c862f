"""The audit trail's filters: a GET form, so a filtered view is a link that can be shared."""

from wtforms import DateField, SelectField
from wtforms.validators import Optional

from app.forms import Form, choices, int_or_none


class TrailFilterForm(Form):
    class Meta:
        csrf = False  # it only reads

    action = SelectField("What happened", validators=[Optional()])
    party = SelectField("Party", coerce=int_or_none, validators=[Optional()])
    person = SelectField("Person", coerce=int_or_none, validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def set_choices(self, actions, parties, people) -> None:
        self.action.choices = choices([("", "Anything"), *actions])
        self.party.choices = choices([("", "Every party"), *parties])
        self.person.choices = choices([("", "Anyone"), *people])
