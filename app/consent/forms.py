from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.consent.services import REASON_MAX
from app.forms import Form
from app.partnerships.forms import CADENCE_CHOICES, STATUS_CHOICES, PartnershipForm
from app.partnerships.models import MATURITY_CADENCES


class AnswerForm(Form):
    reason = TextAreaField(
        "Your reason",
        validators=[Length(max=REASON_MAX)],
        description="Needed when you decline; every party reads it.",
        render_kw={"rows": 3},
    )


class PartnershipSettingsForm(Form):
    """The partnership's details: a change is proposed to the other parties (app/consent/profile.py)."""

    name = PartnershipForm.name
    type = PartnershipForm.type
    purpose = PartnershipForm.purpose
    start_date = PartnershipForm.start_date
    review_cadence_months = PartnershipForm.review_cadence_months
    status = SelectField("Status", choices=STATUS_CHOICES)
    section_review_cadence_months = SelectField(
        "Section review cadence", choices=CADENCE_CHOICES, coerce=int, default=3,
        description="How often each section of the plan is due for a review.",
    )
    maturity_cadence_months = SelectField(
        "Maturity assessment cadence", choices=list(MATURITY_CADENCES.items()), coerce=int, default=12,
        description="How often the parties assess the relationship's maturity together.",
    )
    proposal_ttl_days = IntegerField(
        "Days a proposal stays open",
        validators=[InputRequired(message="Enter a number of days."),
                    NumberRange(min=1, max=90, message="Enter a number of days from 1 to 90.")],
        description="Unanswered by then, a proposal expires and nothing changes.",
        render_kw={"inputmode": "numeric"},
    )
    balance_band_points = IntegerField(
        "Give-and-get band",
        validators=[InputRequired(message="Enter a band from 5 to 50 points."),
                    NumberRange(min=5, max=50, message="Enter a band from 5 to 50 points.")],
        description="How far a party's share of the value it gets may stray from its share of the value it "
                    "gives, in points of share, before the give-and-get balance flags it (two cycles in a row).",
        render_kw={"inputmode": "numeric"},
    )
    agreed_sections = BooleanField(
        "Agreed sections",
        description="Edits to sections of the signed baseline are proposed to the other parties, "
                    "and made only when every party agrees.",
    )
    reason = TextAreaField(
        "Why",
        validators=[Length(max=2000)],
        description="The other parties read it with the proposal.",
        render_kw={"rows": 2},
    )
