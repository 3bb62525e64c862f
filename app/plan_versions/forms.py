"""Forms for issuing, signing, declining, verifying and the organisation's signing key."""

from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms import Form, choices
from app.plan_versions.services import REASON_MAX, SUMMARY_MAX
from app.submissions import OnceForm


class IssueForm(OnceForm):
    step = RadioField(
        "Version step",
        choices=choices([("minor", "Minor step"), ("major", "Major step")]),
        default="minor",
        description="A major step for a change in what the parties commit to; a minor one for everything else.",
    )
    summary = TextAreaField(
        "What changed",
        validators=[Length(max=SUMMARY_MAX)],
        description="Signatories read this first, next to the differences from the signed baseline.",
        render_kw={"rows": 4},
    )


class SignForm(Form):
    password = PasswordField("Your password", render_kw={"autocomplete": "current-password"})
    code = StringField(
        "Code from your authenticator app",
        validators=[Optional()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    typed_name = StringField(
        "Type your full name", validators=[Length(max=120)], render_kw={"autocomplete": "off", "spellcheck": "false"}
    )
    confirm = BooleanField("I confirm the statement above")


class DeclineForm(Form):
    reason = TextAreaField(
        "Why you decline",
        validators=[Length(max=REASON_MAX)],
        description="Every member of the partnership reads it; say what would need to change.",
        render_kw={"rows": 3},
    )


class VerifyForm(Form):
    file = FileField("PDF to verify", description="A plan PDF exported from Jointly, up to 20 MB.",
                     render_kw={"accept": "application/pdf,.pdf"})


class SigningKeyForm(Form):
    file = FileField(
        "PKCS#12 file (.p12 or .pfx)", description="The organisation's certificate with its private key.",
        render_kw={"accept": ".p12,.pfx"},
    )
    password = PasswordField("File password", render_kw={"autocomplete": "off"})


class WithdrawForm(Form):
    reason = TextAreaField(
        "Why it should be withdrawn",
        validators=[Length(max=REASON_MAX)],
        description="Every member of every party reads it; the other parties' admins agree or decline.",
        render_kw={"rows": 3},
    )
