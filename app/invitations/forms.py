from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.forms import PASSWORD_HELP, password_policy
from app.formatting import time_zone_choices
from app.forms import Form, choices
from app.partnerships.forms import ROLE_CHOICES
from app.submissions import OnceForm


class InvitationForm(OnceForm):
    invite_as = RadioField(
        "Who are you inviting?",
        choices=choices([
            ("colleague", "A colleague from my organisation"),
            ("new_party", "Someone from another organisation, as a new party (every party must agree first)"),
        ]),
        default="colleague",
    )
    email = EmailField(
        "Their email address",
        validators=[DataRequired(message="Enter the email address to invite."), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    organisation_name = StringField(
        "Their organisation",
        validators=[Optional(), Length(max=120)],
        description="For a new party: the organisation they represent. They can correct it when they join.",
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")
    is_signatory = BooleanField("Signatory: may sign plan versions for their party")
    message = TextAreaField(
        "Personal message",
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    include_in_current_cycle = BooleanField(
        "Include them in the open review and maturity assessment",
        description="Only while an open cycle is still in its Review stage when they join; "
                    "otherwise they take part from the next cycle.",
    )
    reason = TextAreaField(
        "Why bring them in (for the other parties)",
        validators=[Optional(), Length(max=2000)],
        description="The other parties read it with your proposal.",
        render_kw={"rows": 2},
    )


class InvitedSignUpForm(Form):
    full_name = StringField(
        "Your full name",
        validators=[DataRequired(message="Enter your name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    organisation_name = StringField(
        "Your organisation",
        validators=[Optional(), Length(max=120)],
        render_kw={"autocomplete": "organization"},
    )
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(message="Choose a password."), password_policy],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password"},
    )
    time_zone = SelectField(
        "Time zone",
        choices=time_zone_choices,
        default="UTC",
        description="Times are shown to you in this zone.",
        render_kw={"data-detect-time-zone": "true"},
    )
