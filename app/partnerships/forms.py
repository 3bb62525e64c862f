from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.forms import Form, choices
from app.partnerships.models import (
    PARTNERSHIP_TYPE_LABELS,
    REVIEW_CADENCES,
    PartnershipStatus,
    Role,
)
from app.submissions import OnceForm

TYPE_CHOICES = choices((t.value, label) for t, label in PARTNERSHIP_TYPE_LABELS.items())
CADENCE_CHOICES = choices(REVIEW_CADENCES.items())
STATUS_CHOICES = choices((s.value, s.label) for s in PartnershipStatus)
ROLE_CHOICES = choices([
    (Role.ADMIN.value, "Admin — invites, manages their party, issues plan versions"),
    (Role.EDITOR.value, "Editor — edits the plan and takes part in reviews"),
    (Role.VIEWER.value, "Viewer — reads everything, changes nothing"),
])
SHORT_ROLE_CHOICES = choices((r.value, r.label) for r in Role)


class PartnershipForm(OnceForm):
    name = StringField(
        "Partnership name",
        validators=[DataRequired(message="Give the partnership a name."), Length(max=160)],
        description="How both sides refer to it, e.g. “Northwind–Contoso supply alliance”.",
    )
    type = SelectField("Type", choices=TYPE_CHOICES, validators=[InputRequired()])
    purpose = TextAreaField(
        "Purpose",
        validators=[DataRequired(message="Say what the partnership is for."), Length(max=5000)],
        description="Its discrete, measurable purpose, in a few sentences both sides agree with.",
        render_kw={"rows": 5},
    )
    start_date = DateField(
        "Start date",
        validators=[InputRequired(message="Enter the date the relationship started (or starts).")],
    )
    review_cadence_months = SelectField(
        "Review cadence",
        choices=CADENCE_CHOICES,
        coerce=int,
        default=3,
        description="How often both parties review the relationship together.",
    )


class MemberForm(Form):
    role = SelectField("Role", choices=SHORT_ROLE_CHOICES)
    is_signatory = BooleanField("Signatory", description="May sign plan versions for their party.")



class LeavePartyForm(Form):
    reason = TextAreaField(
        "Why your party leaves",
        validators=[DataRequired(message="Say why your party leaves: the other parties read it."), Length(max=2000)],
        description="Every party reads it, in the notification and the audit trail.",
        render_kw={"rows": 4},
    )
    confirm = BooleanField(
        "I understand: my party's people lose access now, and only a new admission agreed by every "
        "party brings us back",
        validators=[DataRequired(message="Confirm that you understand what leaving means.")],
    )
