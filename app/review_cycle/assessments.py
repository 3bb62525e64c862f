"""Blind assessments: each party's draft, its submission, and the reveal once every party has
submitted. `visible_assessments` is the one way another party's assessment leaves the database,
and it hands none out before every party has submitted. Audit events record that a party
submitted, never what.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.database import insert_for
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership, Partnership, Party
from app.partnerships.parties import RecordParty
from app.plan_sections.fields import canonical_number
from app.review_cycle.cycles import (
    cycle_path,
    is_party_of,
    lock,
    not_a_party_message,
    parties_of_cycle,
    parties_waited_for,
)
from app.review_cycle.models import CLOSED, Assessment, AssessmentSubmission, ReviewCycle
from app.rules import RuleViolation
from app.types import utcnow

COMMENT_MAX = 2000
TEXT_MAX = 5000
REASON_MAX = 500


SCORES = range(1, 6)
SCORE_MESSAGE = "Choose a score from 1 to 5."
NUMBER_MESSAGE = "Enter a number like 97.5, with at most 15 digits before the point and 6 after."

# Where in an assessment a problem is: ("score", dimension id), ("comment", dimension id),
# ("actual" | "reason", measure id), or ("achievements" | "concerns", "").
Field = tuple[str, str]


class InvalidAssessment(RuleViolation):
    """Input an assessment refuses; `errors` maps the fields at fault to messages."""

    def __init__(self, errors: dict[Field, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def own_assessment(cycle: ReviewCycle, party_id: int) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.party_id == party_id)
    )


def visible_assessments(cycle: ReviewCycle, membership: Membership | None) -> dict[int, Assessment]:
    """Assessments this member may read, by party id: their own party's, and the others' only
    once every party has submitted (the cycle is revealed)."""
    query = sa.select(Assessment).where(Assessment.cycle_id == cycle.id)
    if cycle.revealed_at is None:
        if membership is None:
            raise ValueError("an unrevealed cycle's assessments are read by a member of a party")
        query = query.where(Assessment.party_id == membership.party_id)
        return {a.party_id: a for a in db.session.scalars(query.options(joinedload(Assessment.submitted_by)))}
    found = {}
    for assessment in db.session.scalars(query.options(joinedload(Assessment.submitted_by))):
        if assessment.submitted_at is not None:
            found[assessment.party_id] = assessment
        elif (latest := latest_submission(assessment)) is not None:
            # Reopened to correct it: everyone reads what it submitted until the correction is in,
            # never the draft its party is correcting.
            found[assessment.party_id] = AsSubmitted.of(assessment, latest)
    return found


@dataclass(frozen=True)
class AsSubmitted:
    """An assessment as its party last submitted it (read while the party corrects it)."""

    id: int
    cycle_id: int
    party_id: int
    party: Party
    scores: dict
    measures: dict
    achievements: str
    concerns: str
    submitted_at: datetime
    submitted_by: object

    @classmethod
    def of(cls, assessment: Assessment, submission: AssessmentSubmission) -> "AsSubmitted":
        return cls(assessment.id, assessment.cycle_id, assessment.party_id, assessment.party, submission.scores,
                   submission.measures, submission.achievements, submission.concerns, submission.submitted_at,
                   submission.submitted_by)


def latest_submission(assessment: Assessment) -> AssessmentSubmission | None:
    return db.session.scalar(
        sa.select(AssessmentSubmission).where(AssessmentSubmission.assessment_id == assessment.id)
        .order_by(AssessmentSubmission.number.desc()).limit(1)
    )


def reopened_party_ids(cycle: ReviewCycle) -> set[int]:
    """Parties whose submitted assessment every party agreed to reopen, and which have not
    submitted the correction yet."""
    return set(db.session.scalars(
        sa.select(Assessment.party_id).where(
            Assessment.cycle_id == cycle.id, Assessment.submitted_at.is_(None),
            sa.exists().where(AssessmentSubmission.assessment_id == Assessment.id))
    ))


@dataclass(frozen=True)
class Submission:
    """Whether a party has submitted: all another party may know before the reveal."""

    party: RecordParty
    submitted_at: datetime | None
    submitted_by: str | None


def submissions(cycle: ReviewCycle) -> list[Submission]:
    """Each party of the cycle and whether (when, by whom) it submitted: nothing of what it wrote."""
    done = {
        a.party_id: a for a in db.session.scalars(
            sa.select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.submitted_at.is_not(None))
            .options(joinedload(Assessment.submitted_by))
        )
    }
    return [
        Submission(party, done[party.id].submitted_at, done[party.id].submitted_by.full_name)
        if party.id in done else Submission(party, None, None)
        for party in parties_of_cycle(cycle)
    ]


@dataclass(frozen=True)
class DimensionScore:
    """A party's score of one health dimension (1 to 5; None while not yet scored) and why."""

    score: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class MeasureActual:
    """A party's actual for one performance measure, and whether it disputes the data owner's."""

    actual: Decimal | None = None
    disputed: bool = False
    reason: str = ""


@dataclass(frozen=True)
class AssessmentInput:
    """What a party writes in its assessment: scores by dimension id and actuals by measure id
    (as the cycle keys them), then its achievements and concerns. Missing entries are blank."""

    scores: dict[str, DimensionScore] = field(default_factory=dict)
    measures: dict[str, MeasureActual] = field(default_factory=dict)
    achievements: str = ""
    concerns: str = ""

    @classmethod
    def of(cls, assessment: Assessment) -> "AssessmentInput":
        """The stored draft, to submit exactly what was checked."""
        return cls(
            scores={key: DimensionScore(entry.get("score"), entry.get("comment") or "")
                    for key, entry in assessment.scores.items()},
            measures={key: MeasureActual(Decimal(entry["actual"]) if entry.get("actual") else None,
                                         bool(entry.get("disputed")), entry.get("reason") or "")
                      for key, entry in assessment.measures.items()},
            achievements=assessment.achievements, concerns=assessment.concerns,
        )


def _text_problem(text: str, limit: int, what: str) -> str | None:
    if has_control_characters(text):
        return CONTROL_MESSAGE
    if len(text) > limit:
        return f"Keep {what} to {limit} characters (it has {len(text)})."
    return None


def _actual_text(actual: Decimal | None) -> str | None:
    if actual is None:
        return None
    if not actual.is_finite() or actual.copy_abs() >= Decimal("1e15") or actual.as_tuple().exponent < -6:
        raise ValueError
    return canonical_number(actual)


def clean_assessment(cycle: ReviewCycle, party_id: int, given: AssessmentInput) -> tuple[dict, dict[Field, str]]:
    """The assessment as stored for the cycle's dimensions and measures, and what is wrong with it."""
    errors: dict[Field, str] = {}
    scores = {}
    for dim in cycle.dimensions:
        key = str(dim["id"])
        entry = given.scores.get(key, DimensionScore())
        if entry.score is not None and entry.score not in SCORES:
            errors["score", key] = SCORE_MESSAGE
        comment = entry.comment.strip()
        if problem := _text_problem(comment, COMMENT_MAX, "the comment"):
            errors["comment", key] = problem
        scores[key] = {"score": entry.score if entry.score in SCORES else None, "comment": comment}
    measures = {}
    for measure in cycle.measures:
        key = measure["id"]
        entry = given.measures.get(key, MeasureActual())
        try:
            actual = _actual_text(entry.actual)
        except ValueError:
            errors["actual", key] = NUMBER_MESSAGE
            actual = None
        reason = entry.reason.strip()
        if problem := _text_problem(reason, REASON_MAX, "the reason"):
            errors["reason", key] = problem
        measures[key] = {"actual": actual, "disputed": entry.disputed and measure["data_owner"] != party_id,
                         "reason": reason}
    texts = {"achievements": given.achievements.strip(), "concerns": given.concerns.strip()}
    for name, text in texts.items():
        if problem := _text_problem(text, TEXT_MAX, "this"):
            errors[name, ""] = problem
    return {"scores": scores, "measures": measures, **texts}, errors


def _missing_for_submission(cycle: ReviewCycle, party_id: int, data: dict) -> dict[Field, str]:
    errors: dict[Field, str] = {}
    for dim in cycle.dimensions:
        if data["scores"][str(dim["id"])]["score"] is None:
            errors["score", str(dim["id"])] = f"Score {dim['name']} before submitting."
    for measure in cycle.measures:
        entry = data["measures"][measure["id"]]
        if measure["data_owner"] == party_id and entry["actual"] is None:
            errors["actual", measure["id"]] = "Your party owns this measure's data: record its actual."
        if entry["disputed"] and not entry["reason"]:
            errors["reason", measure["id"]] = "Say why the actual is disputed."
    return errors


def _check_can_assess(membership: Membership, cycle: ReviewCycle) -> None:
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    check_permission(membership, Permission.EDIT_PLAN, "Only admins and editors can write their party's review.")
    if not is_party_of(cycle, membership.party_id):
        raise RuleViolation(not_a_party_message(cycle, membership.party))
    if cycle.stage != "review" and not (cycle.stage != CLOSED and membership.party_id in reopened_party_ids(cycle)):
        raise RuleViolation(f"The {cycle.period} cycle has moved on from the Review stage; its scores are final.")


def check_can_assess(membership: Membership, cycle: ReviewCycle) -> None:
    """RuleViolation unless the member may write its party's assessment of the cycle now (what
    goes with it, like the evidence of its actuals, follows the same rule)."""
    _check_can_assess(membership, cycle)


def _assessment_row(cycle: ReviewCycle, party_id: int) -> Assessment:
    """The party's assessment row, created if missing (concurrency-safe), locked for writing."""
    db.session.execute(
        insert_for(Assessment)
        .values(cycle_id=cycle.id, party_id=party_id, scores={}, measures={}, achievements="", concerns="",
                updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["cycle_id", "party_id"])
    )
    return db.session.scalar(
        sa.select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.party_id == party_id)
        .with_for_update().execution_options(populate_existing=True)
    )


def save_draft(
    membership: Membership, cycle: ReviewCycle, given: AssessmentInput, *, at: datetime | None = None
) -> Assessment:
    """Save the party's draft as typed; raises InvalidAssessment (nothing saved) on bad input."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, given)
    if errors:
        raise InvalidAssessment(errors)
    assessment = _assessment_row(cycle, membership.party_id)
    if assessment.submitted_at is not None:
        raise RuleViolation(
            f"{membership.party.name}'s review was already submitted by {assessment.submitted_by.full_name}; "
            "it can no longer change."
        )
    _write(assessment, data, membership, at or utcnow())
    return assessment


def save_for_submission(
    membership: Membership, cycle: ReviewCycle, given: AssessmentInput, *, at: datetime | None = None
) -> Assessment:
    """Check the assessment as a submission would be checked and save it as the draft: the
    confirmation that follows submits exactly what was checked."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, given)
    errors = errors or _missing_for_submission(cycle, membership.party_id, data)
    if errors:
        raise InvalidAssessment(errors)
    return save_draft(membership, cycle, given, at=at)


def _write(assessment: Assessment, data: dict, membership: Membership, now: datetime) -> None:
    assessment.scores = data["scores"]
    assessment.measures = data["measures"]
    assessment.achievements = data["achievements"]
    assessment.concerns = data["concerns"]
    assessment.updated_at = now
    assessment.updated_by_id = membership.user_id


def record_submission(assessment: Assessment) -> AssessmentSubmission:
    """Keep what was submitted, as submitted (a correction is the next number)."""
    number = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(AssessmentSubmission.number), 0))
        .where(AssessmentSubmission.assessment_id == assessment.id)
    ) + 1
    submission = AssessmentSubmission(
        assessment_id=assessment.id, number=number, scores=assessment.scores, measures=assessment.measures,
        achievements=assessment.achievements, concerns=assessment.concerns,
        submitted_at=assessment.submitted_at, submitted_by_id=assessment.submitted_by_id,
    )
    db.session.add(submission)
    return submission


def submit(
    membership: Membership, cycle: ReviewCycle, given: AssessmentInput, *, at: datetime | None = None
) -> Assessment:
    """Submit the party's assessment: final, and the last party's submission reveals them all."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, given)
    errors = errors or _missing_for_submission(cycle, membership.party_id, data)
    if errors:
        raise InvalidAssessment(errors)
    cycle = lock(cycle)  # submissions (and the reveal) one at a time
    _check_can_assess(membership, cycle)
    now = at or utcnow()
    assessment = _assessment_row(cycle, membership.party_id)
    if assessment.submitted_at is not None:
        raise RuleViolation(
            f"{membership.party.name}'s review was already submitted by {assessment.submitted_by.full_name}."
        )
    _write(assessment, data, membership, now)
    assessment.submitted_at = now
    assessment.submitted_by_id = membership.user_id
    submission = record_submission(assessment)
    db.session.flush()
    partnership = membership.partnership
    corrected = submission.number > 1
    # What was scored stays out of the record and the notification: only that it was submitted.
    record_event("review.submitted", actor=membership.user, partnership_id=partnership.id,
                 party_id=membership.party_id, obj=assessment,
                 details={"period": cycle.period, **({"submission": submission.number} if corrected else {})})
    what = "maturity assessment" if cycle.is_maturity else "review"
    if corrected and cycle.revealed_at is not None:
        title = f"{membership.party.name} submitted its corrected {what} of {cycle.period}"
        body = "The results now use the correction; what it first submitted stays in the record."
    else:
        title = f"{membership.party.name} submitted its {'corrected ' if corrected else ''}{what} of {cycle.period}"
        body = f"Its {'ratings' if cycle.is_maturity else 'scores'} stay hidden until every party has submitted."
    notify(members_of_partnership(partnership.id, exclude_party_id=membership.party_id),
           "review_submitted_by_other_party", partnership=partnership, title=title, body=body,
           link=cycle_path(cycle, "review_cycle.results" if cycle.revealed_at is not None else "review_cycle.show"),
           actor=membership.user,
           dedupe_key=f"review_submitted:{assessment.id}:{submission.number}" if corrected
           else f"review_submitted:{assessment.id}")
    _reveal_if_complete(membership, cycle, now)
    return assessment


def _reveal_if_complete(membership: Membership, cycle: ReviewCycle, now: datetime) -> None:
    reveal_if_complete(cycle, now, actor=membership.user, party_id=membership.party_id)


def reveal_if_complete(cycle: ReviewCycle, now: datetime, *, actor, party_id: int | None) -> bool:
    """Reveal the cycle once every party it waits for has submitted (the caller holds its lock)."""
    party_ids = {p.id for p in parties_waited_for(cycle)}
    submitted = set(db.session.scalars(
        sa.select(Assessment.party_id).where(Assessment.cycle_id == cycle.id, Assessment.submitted_at.is_not(None))
    ))
    if not party_ids or not party_ids <= submitted or cycle.revealed_at is not None or cycle.stage != "review":
        return False
    cycle.revealed_at = now
    from app.review_cycle.results import health_index, mean

    found = list(db.session.scalars(sa.select(Assessment).where(Assessment.cycle_id == cycle.id)))
    if cycle.is_maturity:  # the joint maturity, 1.0 to 5.0
        joint = mean([e["score"] for a in found for e in a.scores.values() if e.get("score") is not None])
        record_event("maturity.revealed", actor=actor, partnership_id=cycle.partnership_id, party_id=party_id,
                     obj=cycle, details={"period": cycle.period,
                                         "joint_maturity": None if joint is None else f"{joint:.1f}"})
    else:
        record_event("review.revealed", actor=actor, partnership_id=cycle.partnership_id, party_id=party_id,
                     obj=cycle, details={"period": cycle.period, "health_index": health_index(found)})
    notify(members_of_partnership(cycle.partnership_id), "review_stage_changed",
           partnership=db.session.get(Partnership, cycle.partnership_id),
           title=f"Every party has submitted: the results of the {cycle.name} are in",
           link=cycle_path(cycle, "review_cycle.results"), actor=actor, include_actor=True)
    return True
