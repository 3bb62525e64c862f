"""The organisation page's forms."""

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import Form


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
