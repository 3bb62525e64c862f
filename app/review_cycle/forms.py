"""Forms of the review cycle. The assessment form is built from the cycle's own dimensions and
measures (see templates/review_cycle/assessment.html): `read_assessment` turns its inputs into
the assessment the service checks, and `input_errors` puts the service's refusals back beside them."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import Form
from app.inputs import parse_id
from app.review_cycle.assessments import (
    NUMBER_MESSAGE,
    SCORE_MESSAGE,
    AssessmentInput,
    DimensionScore,
    Field,
    InvalidAssessment,
    MeasureActual,
)
from app.review_cycle.dimensions import DIMENSION_NAME_MAX
from app.review_cycle.improvement import TEXT_MAX, TITLE_MAX
from app.review_cycle.models import ReviewCycle
from app.submissions import OnceForm


class OpenCycleForm(OnceForm):
    period = StringField("Period", validators=[DataRequired(message="Name the period.")],
                         description="Proposed from the review cadence; change it to review another period.")
    review_due_on = DateField("Scores due", validators=[Optional()],
                              description="When each party should have submitted its scores (two weeks by default).")


class StartMaturityForm(OnceForm):
    period = StringField("Period", validators=[DataRequired(message="Name the period.")],
                         description="Proposed from the maturity schedule: the year (or half-year) being assessed.")
    review_due_on = DateField("Ratings due", validators=[Optional()],
                              description="When each party should have submitted its ratings (two weeks by default).")


class AdaptationForm(OnceForm):
    what = TextAreaField("What changes in how we work",
                         validators=[DataRequired(message="Say what changes."), Length(max=TEXT_MAX)])
    why = TextAreaField("Why", validators=[Optional(), Length(max=TEXT_MAX)])
    section_key = SelectField("Plan section it affects", choices=[], validators=[Optional()])


def _optional_int(value):
    return value if isinstance(value, int) else parse_id(str(value))


class ActionForm(OnceForm):
    title = StringField("Action", validators=[DataRequired(message="Give the action a title."),
                                              Length(max=TITLE_MAX)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=TEXT_MAX)])
    owner_party_id = SelectField("Owner party", coerce=_optional_int, choices=[])
    owner_user_id = SelectField("Owner", coerce=_optional_int, choices=[], validators=[Optional()])
    due_on = DateField("Due", validators=[DataRequired(message="Give a due date (like 2026-12-31).")])
    link = SelectField("Improves", choices=[], validators=[Optional()])
    status = SelectField("Status", choices=[])

    def fields_dict(self) -> dict:
        return {"title": self.title.data, "description": self.description.data,
                "owner_party_id": self.owner_party_id.data, "owner_user_id": self.owner_user_id.data,
                "due_on": self.due_on.data, "link": self.link.data}


class DimensionForm(OnceForm):
    name = StringField("Name", validators=[DataRequired(message="Give the dimension a name."),
                                           Length(max=DIMENSION_NAME_MAX)])


class CorrectionForm(Form):
    reason = TextAreaField(
        "What needs correcting, and why",
        validators=[Length(max=2000)],
        description="Until every party has submitted, only your party reads this; the others learn only that "
                    "a correction was asked for.",
        render_kw={"rows": 3},
    )


# -- the assessment, whose inputs are named after the cycle's dimensions and measures -------------

TICKED = ("1", "on", "y", "yes")


def input_name(where: Field) -> str:
    kind, key = where
    return f"{kind}-{key}" if key else kind


def input_errors(invalid: InvalidAssessment) -> dict[str, str]:
    """The refusals by input name, as the page and the autosave's answer show them."""
    return {input_name(where): message for where, message in invalid.errors.items()}


def read_assessment(cycle: ReviewCycle, formdata: Mapping[str, str]) -> AssessmentInput:
    """The assessment as typed; InvalidAssessment when a score or an actual is not a number."""
    errors: dict[Field, str] = {}
    scores = {}
    for dim in cycle.dimensions:
        key = str(dim["id"])
        raw = (formdata.get(f"score-{key}") or "").strip()
        score = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 2 else None
        if raw and score is None:
            errors["score", key] = SCORE_MESSAGE
        scores[key] = DimensionScore(score, formdata.get(f"comment-{key}") or "")
    measures = {}
    for measure in cycle.measures:
        key = measure["id"]
        raw = (formdata.get(f"actual-{key}") or "").strip().replace(",", "")
        actual = None
        if raw:
            try:
                actual = Decimal(raw)
            except InvalidOperation:
                errors["actual", key] = NUMBER_MESSAGE
        measures[key] = MeasureActual(actual, formdata.get(f"disputed-{key}") in TICKED,
                                      formdata.get(f"reason-{key}") or "")
    if errors:
        raise InvalidAssessment(errors)
    return AssessmentInput(scores, measures, formdata.get("achievements") or "", formdata.get("concerns") or "")
