"""Reopening a submitted assessment to correct it goes through consent: an admin of the party
that submitted it proposes it with a reason, and it reopens when every other party agrees.

Blindness holds throughout. Before the reveal the other parties learn only that a correction
was asked for: the summary names the party and the period, and the reason, like everything
the party submitted, stays with it (`details_visible`). Once reopened, the assessment is the
party's draft again; the submission it replaces stays in the record, marked superseded, and
after the reveal everyone keeps reading it until the correction is submitted
(assessments.visible_assessments). The cycle's row lock orders a correction against the last
submission (the reveal) and against closing the cycle.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.audit.services import record_event
from app.consent import services as consent
from app.consent.kinds import Kind, Lapsed
from app.consent.models import Proposal
from app.extensions import db
from app.notifications.services import members_of_partnership, notify
from app.partnerships.models import Membership, Partnership, Party, Role
from app.review_cycle import assessments, cycles, stages
from app.review_cycle.models import CLOSED, Assessment, AssessmentSubmission, ReviewCycle
from app.types import utcnow

KIND = "reopen_assessment"


def _target(payload: dict) -> str:
    return f"assessment:{payload['assessment_id']}"


def open_correction(assessment: Assessment) -> Proposal | None:
    return consent.already_proposed(
        db.session.get(ReviewCycle, assessment.cycle_id).partnership_id, consent.get_kind(KIND),
        {"assessment_id": assessment.id})


def propose_correction(membership: Membership, cycle: ReviewCycle, reason: str) -> Proposal:
    """An admin asks to reopen their own party's submitted assessment. Raises RuleViolation
    (the reason) or consent.ConsentError (403, 409)."""
    if membership.role != Role.ADMIN.value:
        raise consent.ConsentError("Only an admin of your party can ask to correct its submitted assessment.", 403)
    if cycle.partnership_id != membership.partnership_id:
        raise consent.ConsentError("That cycle belongs to another partnership.", 404)
    if cycle.stage == CLOSED:
        raise consent.ConsentError(f"The {cycle.period} cycle is closed: its assessments and report are final.")
    assessment = assessments.own_assessment(cycle, membership.party_id)
    if assessment is None or assessment.submitted_at is None:
        raise consent.ConsentError(
            f"{membership.party.name} has no submitted assessment of {cycle.period} to correct"
            + ("; it is already open for correction." if assessment is not None and assessment.submissions else "."))
    return consent.propose(
        membership, KIND,
        {"cycle_id": cycle.id, "assessment_id": assessment.id, "party_id": membership.party_id,
         "party": membership.party.name, "period": cycle.period},
        summary=f"Reopen {membership.party.name}'s submitted assessment of {cycle.period} to correct it",
        reason=reason, reason_required=True,
    )


def _cycle(proposal: Proposal) -> ReviewCycle | None:
    return db.session.scalar(sa.select(ReviewCycle).where(
        ReviewCycle.id == proposal.payload["cycle_id"], ReviewCycle.partnership_id == proposal.partnership_id))


def _details_visible(proposal: Proposal, _party_id: int | None) -> bool:
    """The reason is the proposing party's until the reveal (the other parties may then read
    everything it submitted anyway)."""
    cycle = _cycle(proposal)
    return cycle is not None and cycle.revealed_at is not None


def _why_not(cycle: ReviewCycle | None, assessment: Assessment | None) -> str | None:
    # Words every party may read: nothing of what was submitted.
    if cycle is None or assessment is None:
        return "the review cycle no longer exists."
    if cycle.stage == CLOSED:
        return f"the {cycle.period} cycle was closed meanwhile."
    if assessment.submitted_at is None:
        return "the assessment is already open for correction."
    return None


def _check(proposal: Proposal) -> str | None:
    return _why_not(_cycle(proposal), db.session.get(Assessment, proposal.payload["assessment_id"]))


def _apply(proposal: Proposal, membership: Membership) -> None:
    cycle = _cycle(proposal)
    cycle = cycles.lock(cycle) if cycle is not None else None  # after, or before, the last submission
    assessment = db.session.scalar(
        sa.select(Assessment).where(Assessment.id == proposal.payload["assessment_id"]).with_for_update()
        .execution_options(populate_existing=True))
    why_not = _why_not(cycle, assessment)
    if why_not:
        raise Lapsed(why_not)
    now = utcnow()
    latest = assessments.latest_submission(assessment)
    latest.superseded_at = now
    latest.superseded_by_proposal_id = proposal.id
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    assessment.updated_at = now
    db.session.flush()
    record_event("review.reopened", actor=proposal.proposed_by, partnership_id=cycle.partnership_id,
                 party_id=proposal.proposed_by_party_id, obj=assessment,
                 details={"period": cycle.period, "proposal": proposal.id})
    if cycle.stage != "review":
        stages.withdraw_agreements(membership, cycle, "an assessment was reopened to correct it")
    party = db.session.get(Party, proposal.proposed_by_party_id)
    notify(members_of_partnership(cycle.partnership_id, party_id=party.id, roles=[Role.ADMIN, Role.EDITOR]),
           "review_stage_changed", partnership=db.session.get(Partnership, cycle.partnership_id), actor=membership.user,
           title=f"Every party agreed: correct {party.name}'s assessment of {cycle.period} and submit it again",
           body="It is your party's draft again; what it first submitted stays in the record.",
           link=cycles.cycle_path(cycle, "review_cycle.assessment"), dedupe_key=f"assessment_reopened:{proposal.id}")


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """A party's submission that a correction replaced, and when the correction came in
    (None while the party is still correcting)."""

    party: Party
    original: AssessmentSubmission
    reopened_at: datetime
    corrected_at: datetime | None
    proposal_id: int | None


def corrections_of(cycle: ReviewCycle) -> list[Correction]:
    """Every superseded submission of the cycle, oldest first (for revealed cycles' pages only)."""
    rows = list(db.session.execute(
        sa.select(AssessmentSubmission, Assessment)
        .join(Assessment, AssessmentSubmission.assessment_id == Assessment.id)
        .where(Assessment.cycle_id == cycle.id).order_by(Assessment.party_id, AssessmentSubmission.number)
    ).all())
    by_assessment: dict[int, list[AssessmentSubmission]] = {}
    parties = {}
    for submission, assessment in rows:
        by_assessment.setdefault(assessment.id, []).append(submission)
        parties[assessment.id] = assessment.party
    found = []
    for assessment_id, submissions in by_assessment.items():
        for n, submission in enumerate(submissions):
            if submission.superseded_at is None:
                continue
            after = submissions[n + 1] if n + 1 < len(submissions) else None
            found.append(Correction(parties[assessment_id], submission, submission.superseded_at,
                                    after.submitted_at if after is not None else None,
                                    submission.superseded_by_proposal_id))
    return found


PROPOSAL_KIND = Kind(
    key=KIND,
    label="Correct a submitted assessment",
    template="consent/kinds/reopen_assessment.html",
    apply=_apply,
    check=_check,
    target=_target,
    details_visible=_details_visible,
)
