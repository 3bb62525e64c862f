"""The ledger's filters (a GET form: a filtered ledger is a link), and the forms that answer
for a promise. Each answer carries the version of the promise's record the person saw."""

from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import Form, choices, int_or_none
from app.promises.ledger import OUTCOMES, SOURCES
from app.promises.services import NOTE_MAX


class LedgerFilterForm(Form):
    class Meta:
        csrf = False  # it only reads

    party = SelectField("Promised by", coerce=int_or_none, validators=[Optional()])
    source = SelectField("Source", validators=[Optional()],
                         choices=choices([("", "Every source"), *SOURCES.items()]))
    outcome = SelectField("Outcome", validators=[Optional()],
                          choices=choices([("", "Any outcome"), *OUTCOMES.items(), ("overdue", "Open and overdue")]))
    due_from = DateField("Due from", validators=[Optional()])
    due_to = DateField("Due to", validators=[Optional()])
    disputed = BooleanField("Disputed only")

    def set_parties(self, parties) -> None:
        self.party.choices = choices([("", "Every party"), *((p.id, p.name) for p in parties)])

    def validate_due_to(self, field) -> None:
        if field.data and self.due_from.data and field.data < self.due_from.data:
            raise ValidationError("The end comes before the start: swap the dates.")


class _Answer(Form):
    seen = HiddenField()

    def seen_version(self) -> int:
        try:
            return int(self.seen.data)
        except (TypeError, ValueError):
            return -1


class ConfirmForm(_Answer):
    outcome = RadioField("Outcome", choices=[("kept", "Kept"), ("broken", "Broken")],
                         validators=[InputRequired(message="Choose kept or broken.")])
    kept_on = DateField("Kept on", validators=[Optional()], description="The day it was kept.")
    note = TextAreaField("Note", validators=[Length(max=NOTE_MAX)], render_kw={"rows": 3},
                         description="Required for a broken promise: what was promised and not done.")


class ContestForm(_Answer):
    kept_on = DateField("It was kept on", validators=[InputRequired(message="Give the day it was kept.")])
    note = TextAreaField("Why the outcome is wrong", validators=[InputRequired(message="Say why the outcome is wrong."),
                                                                  Length(max=NOTE_MAX)],
                         render_kw={"rows": 3}, description="The other parties read it beside their view.")


class AnswerForm(_Answer):
    """Withdrawing a contest, or accepting one: nothing but the version seen."""


class ReleaseForm(Form):
    reason = TextAreaField("Why release it?", validators=[InputRequired(message="Say why it should be released."),
                                                          Length(max=2000)],
                           render_kw={"rows": 3},
                           description="Every other party is asked to agree; until they all do, the promise stands.")





class MeetingForm(Form):
    """The meeting's day and minutes; the parties who came and the decisions taken are rows the
    page writes per party and per decision (read in routes.py)."""

    body = HiddenField()
    held_on = DateField("Held on", validators=[InputRequired(message="Give the day the meeting was held.")])
    length_hours = DecimalField(
        "How long it lasted", places=2,
        validators=[Optional(), NumberRange(min=Decimal("0.25"), max=24,
                                            message="Give a length from a quarter of an hour to 24 hours.")],
        description="In hours: 1.5 for an hour and a half. With how many came, it gives each party's time "
                    "in Give and get.",
        render_kw={"inputmode": "decimal"},
    )
    minutes = TextAreaField("Minutes", validators=[Length(max=20_000)], render_kw={"rows": 8},
                            description="Markdown: headings, lists, links. Every party reads them.")


class EscalationForm(Form):
    title = StringField("The issue", validators=[InputRequired(message="Say what the issue is."), Length(max=200)],
                        description="In a line both parties would recognise.")
    description = TextAreaField("What happened", validators=[Length(max=5000)], render_kw={"rows": 4},
                                description="What is at stake, and what has been tried.")
    raised_on = DateField("Raised on", validators=[InputRequired(message="Give the day it was raised.")],
                          description="It starts at the ladder's first level; its time to resolve runs from here.")


class EscalateForm(_Answer):
    on = DateField("Taken up on", validators=[InputRequired(message="Give the day it was taken up.")])
    note = TextAreaField("Why", validators=[Length(max=5000)], render_kw={"rows": 2},
                         description="What the level below could not settle.")


class ResolveForm(_Answer):
    on = DateField("Resolved on", validators=[InputRequired(message="Give the day it was resolved.")])
    resolution = TextAreaField("How it was resolved",
                               validators=[InputRequired(message="Say how it was resolved."), Length(max=5000)],
                               render_kw={"rows": 3})

