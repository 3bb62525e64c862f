"""The organisation page's forms."""

from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import Form, choices

STARTER_CHOICES = choices([
    ("admins", "Organisation admins only"),
    ("members", "Any member of the organisation"),
])


class OrganisationForm(Form):
    name = StringField(
        "Organisation name",
        validators=[DataRequired(message="Enter the organisation's name."), Length(max=120)],
        description="How partners see your organisation in every partnership.",
        render_kw={"autocomplete": "organization"},
    )
    require_two_factor = BooleanField(
        "Require two-factor sign-in for everyone in the organisation",
        description="Members without it are asked to set it up right after they next sign in, "
        "and can do nothing else until they have.",
    )
    partnership_starters = RadioField(
        "Who may start a new partnership",
        choices=STARTER_CHOICES,
        default="admins",
        description="Whoever starts a partnership becomes its first admin for your organisation.",
    )
