"""Forms for issuing, signing, declining, verifying and the organisation's signing key."""

from itertools import permutations

from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms import Form, IdField, choices
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
    sign_by = DateField(
        "Sign by", validators=[Optional()],
        description="The last day to sign. Signatories are reminded halfway there, a day before and once it "
                    "has passed; leave it empty for no deadline.",
    )
    signing_order = RadioField(
        "Signing order", choices=[], default="any",
        description="In turn, each party is asked to sign (and can sign) only once the party before it has signed.",
    )

    def offer_orders(self, parties) -> None:
        """Any order, or the parties in turn: every order for up to three parties, each party
        first (then the others as listed) for more."""
        self.signing_order.choices = order_choices(parties)

    def chosen_order(self) -> list[int] | None:
        value = self.signing_order.data or "any"
        return None if value == "any" else [int(part) for part in value.split("-")]


def order_choices(parties) -> list[tuple[str, str]]:
    options = [("any", "Any order: every party is asked at once")]
    if len(parties) < 2:
        return options
    if len(parties) <= 3:
        orders = list(permutations(parties))
    else:
        orders = [(first, *[p for p in parties if p.id != first.id]) for first in parties]
    for order in orders:
        options.append(("-".join(str(p.id) for p in order), ", then ".join(p.name for p in order)))
    return options


class NudgeForm(Form):
    party_id = IdField()


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
    evidence = MultipleFileField(
        "Evidence files to check against the plan",
        description="Files a plan version rests on (a contract, minutes). Each is checked by its "
                    "SHA-256 against the version's annex of evidence files; they are hashed, then deleted.")


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
