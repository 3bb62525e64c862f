from wtforms import TextAreaField
from wtforms.validators import Length

from app.consent.services import REASON_MAX
from app.forms import Form


class AnswerForm(Form):
    reason = TextAreaField(
        "Your reason",
        validators=[Length(max=REASON_MAX)],
        description="Needed when you decline; every party reads it.",
        render_kw={"rows": 3},
    )
