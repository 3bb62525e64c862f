"""The cycle's rules: health dimensions, opening a cycle, blind assessments, and stage gates.

Every write to a cycle first locks its row (SELECT ... FOR UPDATE; SQLite serialises
writers anyway), so submissions, the reveal and agreements by several parties at once
are applied one after the other: the last submission reveals exactly once, and the last
agreement advances the stage exactly once. Blindness lives here too: `visible_assessments`
is the one way another party's assessment leaves the database, and it hands none out
before every party has submitted. Audit events record that a party submitted, never what.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.database import insert_for
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.jobs import enqueue_on_commit
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership, Party, Role
from app.partnerships.parties import RecordParty, cycle_parties, record_parties, record_party_ids
from app.plan_sections.fields import canonical_number
from app.plan_sections.services import performance_measures
from app.review_cycle import periods
from app.review_cycle.models import (
    CLOSED,
    STAGE_LABELS,
    STAGES,
    Assessment,
    AssessmentSubmission,
    HealthDimension,
    ReviewCycle,
    StageAgreement,
)
from app.rules import RuleViolation
from app.types import utcnow

DEFAULT_DIMENSIONS = [
    "Trust", "Communication", "Commitment", "Joint value",
    "Governance", "Responsiveness", "Fairness", "Innovation",
]
DIMENSION_NAME_MAX = 80
COMMENT_MAX = 2000
TEXT_MAX = 5000
REASON_MAX = 500
REVIEW_DAYS = 14  # from opening to the review's due date
STAGE_DAYS = 7  # Adapt and Improve each get a week after the review


class InvalidAssessment(RuleViolation):
    """Input an assessment refuses; `errors` maps input names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def cycle_path(cycle: ReviewCycle, suffix: str = "") -> str:
    return f"/partnerships/{cycle.partnership_id}/reviews/{cycle.id}{suffix}"


def _check(membership: Membership, permission: Permission, message: str) -> None:
    if not has_permission(membership, permission):
        raise RuleViolation(message)


def _check_admin(membership: Membership, message: str) -> None:
    if membership.role != Role.ADMIN:
        raise RuleViolation(message)


def parties_of(partnership_id: int) -> list[Party]:
    """The partnership's parties now (a party that left is no longer one)."""
    return list(db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership_id, Party.left_at.is_(None))
        .options(joinedload(Party.organisation)).order_by(Party.id)
    ))


def parties_of_cycle(cycle: ReviewCycle) -> list[RecordParty]:
    """The parties the cycle opened with (and any admitted into its Review), as it names them."""
    return record_parties(cycle.parties)


def parties_waited_for(cycle: ReviewCycle) -> list[RecordParty]:
    """The cycle's parties that still take part: the ones whose submissions and agreements it
    waits for. A party admitted since waits for the next cycle; one that left is waited for no more."""
    ids = record_party_ids(cycle.parties)
    gone = set(db.session.scalars(
        sa.select(Party.id).where(Party.id.in_(ids), Party.left_at.is_not(None))
    )) if ids else set()
    return [party for party in parties_of_cycle(cycle) if party.id not in gone]


def is_party_of(cycle: ReviewCycle, party_id: int) -> bool:
    return party_id in record_party_ids(cycle.parties)


def not_a_party_message(cycle: ReviewCycle, party: Party) -> str:
    return (f"{party.name} joined after the {cycle.period} cycle opened: it takes part in reviews from the next "
            "cycle on.")


# -- health dimensions ----------------------------------------------------------------------------


def dimensions(partnership_id: int, *, include_retired: bool = False) -> list[HealthDimension]:
    query = sa.select(HealthDimension).where(HealthDimension.partnership_id == partnership_id)
    if not include_retired:
        query = query.where(HealthDimension.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(HealthDimension.position, HealthDimension.id)))


def ensure_dimensions(partnership_id: int) -> list[HealthDimension]:
    """The partnership's dimensions, creating the default eight the first time (concurrency-safe)."""
    existing = dimensions(partnership_id, include_retired=True)
    if existing:
        return [d for d in existing if d.retired_at is None]
    now = utcnow()
    db.session.execute(
        insert_for(HealthDimension)
        .values([
            {"partnership_id": partnership_id, "name": name, "position": n, "created_at": now}
            for n, name in enumerate(DEFAULT_DIMENSIONS)
        ])
        .on_conflict_do_nothing(index_elements=["partnership_id", "name"])
    )
    return dimensions(partnership_id)


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if has_control_characters(name):
        raise RuleViolation(CONTROL_MESSAGE, "name")
    if not name:
        raise RuleViolation("Give the dimension a name.", "name")
    if len(name) > DIMENSION_NAME_MAX:
        raise RuleViolation(f"Keep the name to {DIMENSION_NAME_MAX} characters (it has {len(name)}).", "name")
    return name


def _name_taken(partnership_id: int, name: str, except_id: int | None = None) -> bool:
    query = sa.select(HealthDimension.id).where(
        HealthDimension.partnership_id == partnership_id, sa.func.lower(HealthDimension.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(HealthDimension.id != except_id)
    return db.session.scalar(query) is not None


def add_dimension(membership: Membership, name: str) -> HealthDimension:
    _check_admin(membership, "Only a partnership admin can change the health dimensions.")
    current = ensure_dimensions(membership.partnership_id)
    name = _clean_name(name)
    if _name_taken(membership.partnership_id, name):
        raise RuleViolation(f"There is already a dimension called “{name}”.", "name")
    dimension = HealthDimension(
        partnership_id=membership.partnership_id, name=name,
        position=max((d.position for d in current), default=-1) + 1,
    )
    db.session.add(dimension)
    db.session.flush()
    record_event("review.dimension_added", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=dimension, details={"name": name})
    return dimension


def dimension_of(partnership_id: int, dimension_id: int) -> HealthDimension | None:
    dimension = db.session.get(HealthDimension, dimension_id)
    return dimension if dimension is not None and dimension.partnership_id == partnership_id else None


def rename_dimension(membership: Membership, dimension: HealthDimension, name: str) -> None:
    _check_admin(membership, "Only a partnership admin can change the health dimensions.")
    name = _clean_name(name)
    if name == dimension.name:
        return
    if _name_taken(dimension.partnership_id, name, dimension.id):
        raise RuleViolation(f"There is already a dimension called “{name}”.", "name")
    before, dimension.name = dimension.name, name
    record_event("review.dimension_renamed", actor=membership.user, partnership_id=dimension.partnership_id,
                 party_id=membership.party_id, obj=dimension, details={"name": [before, name]})


def set_dimension_retired(membership: Membership, dimension: HealthDimension, retired: bool) -> None:
    _check_admin(membership, "Only a partnership admin can change the health dimensions.")
    if retired == (dimension.retired_at is not None):
        return
    if retired and len(dimensions(dimension.partnership_id)) <= 1:
        raise RuleViolation("Keep at least one dimension to score.")
    dimension.retired_at = utcnow() if retired else None
    record_event("review.dimension_retired" if retired else "review.dimension_restored", actor=membership.user,
                 partnership_id=dimension.partnership_id, party_id=membership.party_id, obj=dimension,
                 details={"name": dimension.name})


# -- cycles ---------------------------------------------------------------------------------------


def cycles_of(partnership_id: int) -> list[ReviewCycle]:
    """Every cycle, newest period first."""
    return list(db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id)
        .order_by(ReviewCycle.period.desc())
    ))


def open_cycle_of(partnership_id: int) -> ReviewCycle | None:
    return db.session.scalar(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.stage != CLOSED)
    )


def cycle_of(partnership_id: int, cycle_id: int) -> ReviewCycle | None:
    cycle = db.session.get(ReviewCycle, cycle_id)
    return cycle if cycle is not None and cycle.partnership_id == partnership_id else None


def proposed_period(partnership: Partnership, today: date | None = None) -> str:
    """The period after the latest cycle's, or the current period for a first cycle."""
    months = partnership.review_cadence_months
    latest = db.session.scalar(
        sa.select(ReviewCycle.period).where(ReviewCycle.partnership_id == partnership.id)
        .order_by(ReviewCycle.period.desc()).limit(1)
    )
    if latest and periods.period_bounds(latest, months):
        return periods.next_period(latest, months)
    return periods.period_of(today or utcnow().date(), months)


def stage_due_dates(cycle: ReviewCycle) -> dict[str, date]:
    adapt = min(cycle.review_due_on + timedelta(days=STAGE_DAYS), cycle.close_due_on)
    improve = min(adapt + timedelta(days=STAGE_DAYS), cycle.close_due_on)
    return {"review": cycle.review_due_on, "adapt": adapt, "improve": improve, "operate": cycle.close_due_on}


def open_cycle(
    membership: Membership, period: str, review_due_on: date | None = None, *, at: datetime | None = None
) -> ReviewCycle:
    """Open the partnership's cycle for `period`. One open cycle at a time, whoever tries at once."""
    _check_admin(membership, "Only a partnership admin can open a review cycle.")
    partnership = membership.partnership
    months = partnership.review_cadence_months
    period = (period or "").strip().upper()
    bounds = periods.period_bounds(period, months)
    if bounds is None:
        raise RuleViolation(
            f"Name the period like {periods.EXAMPLES[months]} ({partnership.cadence_label.lower()} reviews).", "period"
        )
    now = at or utcnow()
    current = open_cycle_of(partnership.id)
    if current is not None:
        raise RuleViolation(f"The {current.period} cycle is still open: close it before opening another.", "period")
    if db.session.scalar(sa.select(ReviewCycle.id).where(
            ReviewCycle.partnership_id == partnership.id, ReviewCycle.period == period)) is not None:
        raise RuleViolation(f"There is already a cycle for {period}.", "period")
    close_due = max(bounds[1], now.date() + timedelta(days=REVIEW_DAYS + 2 * STAGE_DAYS))
    review_due = review_due_on or now.date() + timedelta(days=REVIEW_DAYS)
    if review_due < now.date() or review_due > close_due:
        raise RuleViolation(
            f"Choose a due date between today and {close_due:%-d %B %Y}.", "review_due_on"
        )
    dims = ensure_dimensions(partnership.id)
    measures = [
        {k: m[k] for k in ("id", "name", "unit", "direction", "baseline", "target", "data_owner")}
        for m in performance_measures(partnership.id)
    ]
    cycle = ReviewCycle(
        partnership_id=partnership.id, period=period, stage="review",
        dimensions=[{"id": d.id, "name": d.name} for d in dims], measures=measures,
        review_due_on=review_due, close_due_on=close_due, opened_at=now, opened_by_id=membership.user_id,
        stage_changed_at=now, parties=cycle_parties(partnership),
    )
    try:
        with db.session.begin_nested():
            db.session.add(cycle)
            db.session.flush()
    except IntegrityError:
        # Someone opened one in the same moment: the partial unique index refused the second.
        raise RuleViolation("Another cycle was opened just now: open it from the list.", "period") from None
    record_event("review.cycle_opened", actor=membership.user, partnership_id=partnership.id,
                 party_id=membership.party_id, obj=cycle,
                 details={"period": period, "review_due_on": review_due.isoformat()})
    notify(members_of_partnership(partnership.id), "review_stage_changed", partnership=partnership,
           title=f"The {period} review is open: scores are due {review_due:%-d %B}",
           body="Each party scores the relationship on its own; scores stay hidden until every party has submitted.",
           link=cycle_path(cycle), actor=membership.user)
    return cycle


def lock(cycle: ReviewCycle) -> ReviewCycle:
    """Re-read the cycle under a row lock: what other writers committed is now visible."""
    return db.session.scalar(
        sa.select(ReviewCycle).where(ReviewCycle.id == cycle.id).with_for_update()
        .execution_options(populate_existing=True)
    )


# -- assessments (blind until every party has submitted) -------------------------------------------


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


def _decimal_text(raw: str | None) -> str | None:
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value.copy_abs() >= Decimal("1e15") or value.as_tuple().exponent < -6:
        raise ValueError
    return canonical_number(value)


def clean_assessment(cycle: ReviewCycle, party_id: int, form) -> tuple[dict, dict[str, str]]:
    """The assessment typed into `form` (a mapping of input names), and errors by input name."""
    errors: dict[str, str] = {}
    scores = {}
    for dim in cycle.dimensions:
        key = str(dim["id"])
        raw = (form.get(f"score-{key}") or "").strip()
        score = None
        if raw:
            if raw in ("1", "2", "3", "4", "5"):
                score = int(raw)
            else:
                errors[f"score-{key}"] = "Choose a score from 1 to 5."
        comment = (form.get(f"comment-{key}") or "").strip()
        if has_control_characters(comment):
            errors[f"comment-{key}"] = CONTROL_MESSAGE
        elif len(comment) > COMMENT_MAX:
            errors[f"comment-{key}"] = f"Keep the comment to {COMMENT_MAX} characters (it has {len(comment)})."
        scores[key] = {"score": score, "comment": comment}
    measures = {}
    for measure in cycle.measures:
        key = measure["id"]
        try:
            actual = _decimal_text(form.get(f"actual-{key}"))
        except ValueError:
            errors[f"actual-{key}"] = "Enter a number like 97.5, with at most 15 digits before the point and 6 after."
            actual = None
        disputed = measure["data_owner"] != party_id and form.get(f"disputed-{key}") in ("1", "on", "y", "yes")
        reason = (form.get(f"reason-{key}") or "").strip()
        if has_control_characters(reason):
            errors[f"reason-{key}"] = CONTROL_MESSAGE
        elif len(reason) > REASON_MAX:
            errors[f"reason-{key}"] = f"Keep the reason to {REASON_MAX} characters (it has {len(reason)})."
        measures[key] = {"actual": actual, "disputed": disputed, "reason": reason}
    texts = {}
    for name in ("achievements", "concerns"):
        texts[name] = (form.get(name) or "").strip()
        if has_control_characters(texts[name]):
            errors[name] = CONTROL_MESSAGE
        elif len(texts[name]) > TEXT_MAX:
            errors[name] = f"Keep this to {TEXT_MAX} characters (it has {len(texts[name])})."
    return {"scores": scores, "measures": measures, **texts}, errors


def _missing_for_submission(cycle: ReviewCycle, party_id: int, data: dict) -> dict[str, str]:
    errors = {}
    for dim in cycle.dimensions:
        if data["scores"][str(dim["id"])]["score"] is None:
            errors[f"score-{dim['id']}"] = f"Score {dim['name']} before submitting."
    for measure in cycle.measures:
        entry = data["measures"][measure["id"]]
        if measure["data_owner"] == party_id and entry["actual"] is None:
            errors[f"actual-{measure['id']}"] = "Your party owns this measure's data: record its actual."
        if entry["disputed"] and not entry["reason"]:
            errors[f"reason-{measure['id']}"] = "Say why the actual is disputed."
    return errors


def _check_can_assess(membership: Membership, cycle: ReviewCycle) -> None:
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    _check(membership, Permission.EDIT_PLAN, "Only admins and editors can write their party's review.")
    if not is_party_of(cycle, membership.party_id):
        raise RuleViolation(not_a_party_message(cycle, membership.party))
    if cycle.stage != "review" and not (cycle.stage != CLOSED and membership.party_id in reopened_party_ids(cycle)):
        raise RuleViolation(f"The {cycle.period} cycle has moved on from the Review stage; its scores are final.")


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


def save_draft(membership: Membership, cycle: ReviewCycle, form, *, at: datetime | None = None) -> Assessment:
    """Save the party's draft as typed; raises InvalidAssessment (nothing saved) on bad input."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, form)
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


def save_for_submission(membership: Membership, cycle: ReviewCycle, form, *, at: datetime | None = None) -> Assessment:
    """Check the assessment as a submission would be checked and save it as the draft: the
    confirmation that follows submits exactly what was checked."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, form)
    errors = errors or _missing_for_submission(cycle, membership.party_id, data)
    if errors:
        raise InvalidAssessment(errors)
    return save_draft(membership, cycle, form, at=at)


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


def submit(membership: Membership, cycle: ReviewCycle, form, *, at: datetime | None = None) -> Assessment:
    """Submit the party's assessment: final, and the last party's submission reveals them all."""
    _check_can_assess(membership, cycle)
    data, errors = clean_assessment(cycle, membership.party_id, form)
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
    if corrected and cycle.revealed_at is not None:
        title = f"{membership.party.name} submitted its corrected review of {cycle.period}"
        body = "The results now use the correction; what it first submitted stays in the record."
    else:
        title = f"{membership.party.name} submitted its {'corrected ' if corrected else ''}review of {cycle.period}"
        body = "Its scores stay hidden until every party has submitted."
    notify(members_of_partnership(partnership.id, exclude_party_id=membership.party_id),
           "review_submitted_by_other_party", partnership=partnership, title=title, body=body,
           link=cycle_path(cycle, "/results" if cycle.revealed_at is not None else ""), actor=membership.user,
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
    from app.review_cycle.results import health_index

    index = health_index(list(db.session.scalars(sa.select(Assessment).where(Assessment.cycle_id == cycle.id))),
                         cycle)
    record_event("review.revealed", actor=actor, partnership_id=cycle.partnership_id,
                 party_id=party_id, obj=cycle, details={"period": cycle.period, "health_index": index})
    notify(members_of_partnership(cycle.partnership_id), "review_stage_changed",
           partnership=db.session.get(Partnership, cycle.partnership_id),
           title=f"Every party has submitted: the results of {cycle.period} are in",
           link=cycle_path(cycle, "/results"), actor=actor, include_actor=True)
    return True


# -- stage gates -----------------------------------------------------------------------------------


def live_agreements(cycle: ReviewCycle, stage: str | None = None) -> list[StageAgreement]:
    return list(db.session.scalars(
        sa.select(StageAgreement)
        .where(StageAgreement.cycle_id == cycle.id, StageAgreement.stage == (stage or cycle.stage),
               StageAgreement.withdrawn_at.is_(None))
        .options(joinedload(StageAgreement.user))
        .order_by(StageAgreement.agreed_at)
    ))


def what_blocks(cycle: ReviewCycle) -> str | None:
    """Why nobody may agree to leave the current stage yet, or None."""
    if cycle.stage == "review" and cycle.revealed_at is None:
        return "Every party submits its review first."
    reopened = reopened_party_ids(cycle)
    if reopened:
        names = ", ".join(p.name for p in parties_of(cycle.partnership_id) if p.id in reopened)
        return f"{names} is correcting its assessment: it submits the correction first."
    return None


def agree(membership: Membership, cycle: ReviewCycle, stage: str, *, at: datetime | None = None) -> bool:
    """The member's party agrees to leave `stage`; True when that advanced the cycle.

    Refused out of order: a stage other than the current one (no skipping, no going back).
    """
    _check_admin(membership, "Only a partnership admin can agree to move the cycle on for their party.")
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    cycle = lock(cycle)  # agreements and the advance, one at a time
    if stage not in STAGES:
        raise RuleViolation("There is no such stage.")
    if cycle.stage == CLOSED:
        raise RuleViolation(f"The {cycle.period} cycle is closed.")
    if stage != cycle.stage:
        if STAGES.index(stage) > STAGES.index(cycle.stage):
            raise RuleViolation(
                f"No stage may be skipped: the cycle is in {cycle.stage_label}, so it cannot leave "
                f"{STAGE_LABELS[stage]} yet."
            )
        raise RuleViolation(f"The cycle has already moved on from {STAGE_LABELS[stage]}: it is in {cycle.stage_label}.")
    if not is_party_of(cycle, membership.party_id):
        raise RuleViolation(not_a_party_message(cycle, membership.party))
    blocked = what_blocks(cycle)
    if blocked:
        raise RuleViolation(blocked)
    now = at or utcnow()
    live = live_agreements(cycle)
    if any(a.party_id == membership.party_id for a in live):
        raise RuleViolation(f"{membership.party.name} has already agreed.")
    agreement = StageAgreement(cycle_id=cycle.id, stage=stage, party_id=membership.party_id,
                               user_id=membership.user_id, agreed_at=now)
    db.session.add(agreement)
    db.session.flush()
    closing = stage == STAGES[-1]
    record_event("review.stage_agreed", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=cycle, details={"period": cycle.period, "stage": stage})
    agreed = {a.party_id for a in live} | {membership.party_id}
    waiting = [p for p in parties_waited_for(cycle) if p.id not in agreed]
    partnership = membership.partnership
    if waiting:
        what = "close the cycle" if closing else f"move on from {STAGE_LABELS[stage]}"
        notify(members_of_partnership(cycle.partnership_id, roles=[Role.ADMIN], exclude_party_id=membership.party_id),
               "review_stage_changed", partnership=partnership,
               title=f"{membership.party.name} agreed to {what} ({cycle.period})",
               body="Your party's agreement is needed too.", link=cycle_path(cycle), actor=membership.user)
        return False
    return _advance(cycle, stage, now, actor=membership.user, party_id=membership.party_id)


def advance_if_agreed(cycle: ReviewCycle, now: datetime, *, actor, party_id: int | None) -> bool:
    """Advance the cycle when every party it waits for has agreed to leave its stage (after a
    party left, the others' agreements may already be all it needs). The caller holds its lock."""
    if cycle.stage == CLOSED or what_blocks(cycle):
        return False
    agreed = {a.party_id for a in live_agreements(cycle)}
    waited = {p.id for p in parties_waited_for(cycle)}
    if not agreed or not waited <= agreed:
        return False
    return _advance(cycle, cycle.stage, now, actor=actor, party_id=party_id)


def _advance(cycle: ReviewCycle, stage: str, now: datetime, *, actor, party_id: int | None) -> bool:
    closing = stage == STAGES[-1]
    partnership = db.session.get(Partnership, cycle.partnership_id)
    advanced = db.session.execute(
        sa.update(ReviewCycle)
        .where(ReviewCycle.id == cycle.id, ReviewCycle.stage == stage)
        .values(stage=CLOSED if closing else STAGES[STAGES.index(stage) + 1], stage_changed_at=now,
                closed_at=now if closing else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(cycle)
    if not advanced:
        return False
    record_event("review.closed" if closing else "review.stage_advanced", actor=actor,
                 partnership_id=cycle.partnership_id, party_id=party_id, obj=cycle,
                 details={"period": cycle.period, "stage": [stage, cycle.stage]})
    title = (f"The {cycle.period} review is closed: its report is ready" if closing
             else f"The {cycle.period} review moved to {cycle.stage_label}")
    notify(members_of_partnership(cycle.partnership_id), "review_stage_changed", partnership=partnership,
           title=title, link=cycle_path(cycle, "/report" if closing else ""), actor=actor,
           include_actor=True)
    if closing:
        from app.review_cycle.report import REPORT_JOB

        enqueue_on_commit(REPORT_JOB, cycle.id)
    return True


def withdraw_agreements(membership: Membership, cycle: ReviewCycle, because: str) -> int:
    """Something relevant changed: agreements given so far to leave the current stage lapse."""
    withdrawn = db.session.execute(
        sa.update(StageAgreement)
        .where(StageAgreement.cycle_id == cycle.id, StageAgreement.stage == cycle.stage,
               StageAgreement.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_because=because[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    if withdrawn:
        record_event("review.agreements_withdrawn", actor=membership.user, partnership_id=cycle.partnership_id,
                     party_id=membership.party_id, obj=cycle,
                     details={"period": cycle.period, "stage": cycle.stage, "because": because[:200]})
    return withdrawn


def check_writable(membership: Membership, cycle: ReviewCycle, stages: tuple[str, ...], what: str) -> ReviewCycle:
    """Lock the cycle and check the member may change `what` in its current stage."""
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    _check(membership, Permission.EDIT_PLAN, f"Only admins and editors can change {what}.")
    cycle = lock(cycle)
    if cycle.stage not in stages:
        names = " or ".join(STAGE_LABELS[s] for s in stages)
        raise RuleViolation(f"{what[:1].upper()}{what[1:]} can change in the {names} stage; "
                            f"the cycle is {'closed' if cycle.stage == CLOSED else 'in ' + cycle.stage_label}.")
    return cycle


# -- parties joining and leaving -------------------------------------------------------------------


def admitted_into_open_cycle_receiver(party: Party) -> None:
    """An agreed admission asked for the new party to take part in the open cycle, if any."""
    cycle = open_cycle_of(party.partnership_id)
    if cycle is not None:
        admit_into_open_cycle(cycle, party)


def admit_into_open_cycle(cycle: ReviewCycle, party: Party, *, actor=None) -> bool:
    """Add a newly admitted party to an open cycle's parties, as an agreed admission may ask;
    only while the cycle is in Review with no results revealed (otherwise it joins from the
    next cycle). True when it was added."""
    cycle = lock(cycle)
    if cycle.partnership_id != party.partnership_id or party.left_at is not None:
        return False
    if cycle.stage != "review" or cycle.revealed_at is not None or is_party_of(cycle, party.id):
        return False
    cycle.parties = [*cycle.parties, {"party_id": party.id, "name": party.name}]
    db.session.flush()
    record_event("review.party_included", actor=actor, partnership_id=cycle.partnership_id, party_id=party.id,
                 obj=cycle, details={"period": cycle.period, "party": party.name})
    return True


def party_left_open_cycle(party: Party, *, actor=None, at: datetime | None = None) -> ReviewCycle | None:
    """A party left: the open cycle stops waiting for it. Unless it had already submitted (then
    its review stays part of the record), it is no longer one of the cycle's parties; the cycle
    is revealed, or moves on, if the remaining parties have done what it waited for."""
    cycle = open_cycle_of(party.partnership_id)
    if cycle is None or not is_party_of(cycle, party.id):
        return None
    cycle = lock(cycle)
    now = at or utcnow()
    submitted = db.session.scalar(sa.select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.party_id == party.id, Assessment.submitted_at.is_not(None)))
    if submitted is None:
        cycle.parties = [entry for entry in cycle.parties if int(entry["party_id"]) != party.id]
        db.session.flush()
    record_event("review.party_left_cycle", actor=actor, partnership_id=cycle.partnership_id, party_id=party.id,
                 obj=cycle, details={"period": cycle.period, "party": party.name, "kept": submitted is not None})
    if not reveal_if_complete(cycle, now, actor=actor, party_id=None):
        advance_if_agreed(cycle, now, actor=actor, party_id=None)
    return cycle


def party_left_receiver(party: Party, actor=None, **_) -> None:
    party_left_open_cycle(party, actor=actor)


def leaving_consequences(party: Party) -> list[str]:
    cycle = open_cycle_of(party.partnership_id)
    if cycle is None or not is_party_of(cycle, party.id):
        return []
    submitted = db.session.scalar(sa.select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.party_id == party.id, Assessment.submitted_at.is_not(None)))
    if submitted is not None:
        return [f"The {cycle.period} review no longer waits for {party.name}; the review it submitted stays part "
                "of the cycle."]
    return [f"The {cycle.period} review no longer waits for {party.name}: it goes on with the other parties."]
