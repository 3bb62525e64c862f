"""How the partnership improves after its review: adaptations agreed in the Adapt stage (and the
plan revisions saved for them) and improvement actions of the Improve stage, which can be promoted
into the plan's Continuous improvement section.

Each change in a stage withdraws the agreements given so far to leave that stage: a party
agreed to what it saw, not to what was added afterwards.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.extensions import db
from app.notifications.services import notify
from app.partnerships.models import Membership
from app.plan_sections import reading
from app.plan_sections.models import SectionRevision
from app.plan_sections.registry import get_section_type
from app.review_cycle.cycles import cycle_path, parties_of_cycle, parties_waited_for
from app.review_cycle.models import (
    ACTION_STATUS_LABELS,
    ACTION_STATUSES,
    Adaptation,
    CycleRevision,
    ImprovementAction,
    ReviewCycle,
)
from app.review_cycle.stages import check_writable, withdraw_agreements
from app.rules import RuleViolation
from app.types import utcnow

TITLE_MAX = 160
TEXT_MAX = 4000

# -- adaptations ----------------------------------------------------------------------------------


def adaptations_of(cycle: ReviewCycle) -> list[Adaptation]:
    return list(db.session.scalars(
        sa.select(Adaptation).where(Adaptation.cycle_id == cycle.id)
        .options(joinedload(Adaptation.created_by), joinedload(Adaptation.party))
        .order_by(Adaptation.id)
    ))


def _text(value: str | None, limit: int, field: str, label: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(f"Say {label}.", field)
    if len(value) > limit:
        raise RuleViolation(f"Keep this to {limit} characters (it has {len(value)}).", field)
    return value


def add_adaptation(
    membership: Membership, cycle: ReviewCycle, what: str, why: str, section_key: str | None,
    *, at: datetime | None = None,
) -> Adaptation:
    what = _text(what, TEXT_MAX, "what", "what changes in how you work", required=True)
    why = _text(why, TEXT_MAX, "why", "why")
    section_key = section_key or None
    if section_key is not None and get_section_type(section_key) is None:
        raise RuleViolation("Choose a section of the plan, or none.", "section_key")
    cycle = check_writable(membership, cycle, ("adapt",), "adaptations")
    adaptation = Adaptation(cycle_id=cycle.id, what=what, why=why, section_key=section_key,
                            created_by_id=membership.user_id, party_id=membership.party_id, created_at=at or utcnow())
    db.session.add(adaptation)
    db.session.flush()
    record_event("review.adaptation_added", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=adaptation,
                 details={"period": cycle.period, "section": section_key, "what": what[:120]})
    withdraw_agreements(membership, cycle, "an adaptation was added")
    return adaptation


def link_revision(membership: Membership, cycle_id: int, revision: SectionRevision,
                  adaptation_id: int | None = None) -> CycleRevision | None:
    """Link a revision saved from a section editor opened in the cycle's context (an open cycle of
    the same partnership only; anything else is ignored, the save itself stands)."""
    cycle = db.session.get(ReviewCycle, cycle_id)
    if cycle is None or cycle.partnership_id != membership.partnership_id or not cycle.is_open:
        return None
    if adaptation_id is not None:
        adaptation = db.session.get(Adaptation, adaptation_id)
        if adaptation is None or adaptation.cycle_id != cycle.id:
            adaptation_id = None
    link = CycleRevision(cycle_id=cycle.id, revision_id=revision.id, adaptation_id=adaptation_id)
    db.session.add(link)
    db.session.flush()
    record_event("review.revision_linked", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=cycle,
                 details={"period": cycle.period, "section": revision.section.section_key, "revision": revision.number})
    return link


def linked_revisions(cycle: ReviewCycle) -> list[tuple[CycleRevision, SectionRevision]]:
    return list(db.session.execute(
        sa.select(CycleRevision, SectionRevision)
        .join(SectionRevision, SectionRevision.id == CycleRevision.revision_id)
        .where(CycleRevision.cycle_id == cycle.id)
        .options(joinedload(SectionRevision.section), joinedload(SectionRevision.author))
        .order_by(CycleRevision.id)
    ).unique().all())


# -- improvement actions --------------------------------------------------------------------------


def actions_of(cycle: ReviewCycle) -> list[ImprovementAction]:
    return list(db.session.scalars(
        sa.select(ImprovementAction).where(ImprovementAction.cycle_id == cycle.id)
        .options(joinedload(ImprovementAction.owner_party), joinedload(ImprovementAction.owner_user))
        .order_by(ImprovementAction.due_on, ImprovementAction.id)
    ))


def link_options(cycle: ReviewCycle) -> list[tuple[str, str]]:
    """("kind:ref", label) for everything an action can be linked to: the cycle's dimensions and
    measures, and the plan's risks."""
    options = [(f"dimension:{d['id']}", f"Dimension: {d['name']}") for d in cycle.dimensions]
    options += [(f"measure:{m['id']}", f"Measure: {m['name']}") for m in cycle.measures]
    risks = reading.current_content(cycle.partnership_id, "risk_assessment")["items"].get("risks", [])
    options += [(f"risk:{r['id']}", f"Risk: {r['title']}") for r in risks]
    return options


def _clean_action(cycle: ReviewCycle, fields: dict) -> dict:
    title = " ".join((fields.get("title") or "").split())
    if not title:
        raise RuleViolation("Give the action a title.", "title")
    if len(title) > TITLE_MAX:
        raise RuleViolation(f"Keep the title to {TITLE_MAX} characters (it has {len(title)}).", "title")
    description = _text(fields.get("description"), TEXT_MAX, "description", "what the action is")
    # The cycle's parties that still take part own its actions.
    parties = {p.id: p for p in parties_waited_for(cycle)}
    owner_party_id = fields.get("owner_party_id")
    if owner_party_id not in parties:
        gone = next((p for p in parties_of_cycle(cycle) if p.id == owner_party_id), None)
        if gone is not None:
            raise RuleViolation(f"{gone.name} left the partnership: choose a party still taking part to own "
                                "the action.", "owner_party_id")
        raise RuleViolation("Choose the party that owns the action.", "owner_party_id")
    owner_user_id = fields.get("owner_user_id")
    if owner_user_id is not None:
        member = db.session.scalar(sa.select(Membership).where(
            Membership.partnership_id == cycle.partnership_id, Membership.user_id == owner_user_id))
        if member is None or member.party_id != owner_party_id:
            raise RuleViolation("Choose a person of the owner party, or nobody yet.", "owner_user_id")
    due_on = fields.get("due_on")
    if not isinstance(due_on, date):
        raise RuleViolation("Give a due date.", "due_on")
    link = fields.get("link") or ""
    link_kind = link_ref = link_label = None
    if link:
        labels = dict(link_options(cycle))
        if link not in labels:
            raise RuleViolation("Choose what the action improves from the list, or nothing.", "link")
        link_kind, _, link_ref = link.partition(":")
        link_label = labels[link].split(": ", 1)[1][:160]
    return {"title": title, "description": description, "owner_party_id": owner_party_id,
            "owner_user_id": owner_user_id, "due_on": due_on, "link_kind": link_kind, "link_ref": link_ref,
            "link_label": link_label}


def _assigned(membership: Membership, cycle: ReviewCycle, action: ImprovementAction) -> None:
    if action.owner_user_id is None:
        return
    from app.accounts.models import User

    owner = db.session.get(User, action.owner_user_id)
    notify([owner], "action_assigned", partnership=membership.partnership,
           title=f"{membership.user.full_name} assigned you an action: {action.title}",
           body=f"Due {action.due_on:%-d %B %Y} ({cycle.period} review).",
           link=cycle_path(cycle, "review_cycle.action", action_id=action.id), actor=membership.user)


def add_action(membership: Membership, cycle: ReviewCycle, fields: dict, *,
               at: datetime | None = None) -> ImprovementAction:
    clean = _clean_action(cycle, fields)
    cycle = check_writable(membership, cycle, ("improve",), "improvement actions")
    action = ImprovementAction(partnership_id=cycle.partnership_id, cycle_id=cycle.id, created_by_id=membership.user_id,
                               opened_at=at or utcnow(), status="open", **clean)
    db.session.add(action)
    db.session.flush()
    record_event("review.action_added", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=action,
                 details={"period": cycle.period, "title": clean["title"][:120],
                          "due_on": clean["due_on"].isoformat(), "owner_party_id": clean["owner_party_id"]})
    withdraw_agreements(membership, cycle, "an action was added")
    _assigned(membership, cycle, action)
    return action


def update_action(membership: Membership, action: ImprovementAction, fields: dict, status: str, *,
                  at: datetime | None = None) -> None:
    cycle = db.session.get(ReviewCycle, action.cycle_id)
    clean = _clean_action(cycle, fields)
    if status not in ACTION_STATUSES:
        raise RuleViolation("Choose a status.", "status")
    cycle = check_writable(membership, cycle, ("improve", "operate"), "improvement actions")
    now = at or utcnow()
    changes = {}
    for name, value in clean.items():
        if getattr(action, name) != value:
            before = getattr(action, name)
            changes[name] = [before.isoformat() if isinstance(before, date) else before,
                             value.isoformat() if isinstance(value, date) else value]
            setattr(action, name, value)
    if status != action.status:
        changes["status"] = [action.status, status]
        action.status = status
        stamp = {"in_progress": "started_at", "done": "done_at", "dropped": "dropped_at"}.get(status)
        if stamp:
            setattr(action, stamp, now)
        if status in ("open", "in_progress"):
            action.done_at = action.dropped_at = None
    if not changes:
        return
    for long_field in ("title", "description"):
        if long_field in changes:
            changes[long_field] = [str(v or "")[:120] for v in changes[long_field]]
    record_event("review.action_updated", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=action, details={"title": action.title[:120], **changes})
    withdraw_agreements(membership, cycle, "an action changed")
    if "owner_user_id" in changes:
        _assigned(membership, cycle, action)


def promote_action(membership: Membership, action: ImprovementAction):
    """Add the action as an initiative of the plan's Continuous improvement section (a new
    revision, saved like any edit); the action remembers it was promoted."""
    cycle = db.session.get(ReviewCycle, action.cycle_id)
    cycle = check_writable(membership, cycle, ("improve", "operate"), "improvement actions")
    if action.promoted_at is not None:
        raise RuleViolation("This action is already in the plan's Continuous improvement section.")
    from app.coediting import saving

    section = reading.section_for(cycle.partnership_id, "continuous_improvement")
    content = reading.content_of(section, get_section_type("continuous_improvement"))
    content = {"narrative": content["narrative"], "fields": dict(content.get("fields") or {}),
               "items": {k: list(v) for k, v in content["items"].items()}}
    linked_measure = action.link_ref if action.link_kind == "measure" else None
    content["items"].setdefault("initiatives", []).append({
        "title": action.title[:160], "proposed_by": action.owner_party_id, "champion": action.owner_user_id,
        "expected_benefit": action.description or None, "estimated_value": None, "linked_measure": linked_measure,
        "status": "approved", "target_date": action.due_on.isoformat(),
    })
    outcome = saving.save_edit(membership, section, content, section.current_revision_id,
                               f"From the {cycle.period} review: {action.title}"[:200])
    if outcome.status == "conflict":
        raise RuleViolation("The Continuous improvement section changed at the same moment: try again.")
    if outcome.status == "proposed" and outcome.proposal.status != "agreed":
        # Agreed sections: in the plan once every party agrees (promoted_by_agreement).
        outcome.proposal.payload = {**outcome.proposal.payload, "from_action": action.id}
        return outcome
    revision = outcome.revision if outcome.status != "proposed" else reading.section_for(
        cycle.partnership_id, "continuous_improvement").current_revision
    _promoted(membership, action, cycle, revision)
    return outcome


def _promoted(membership: Membership, action: ImprovementAction, cycle: ReviewCycle, revision) -> None:
    action.promoted_at = utcnow()
    record_event("review.action_promoted", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=action, details={"title": action.title[:120]})
    if revision is not None:
        link_revision(membership, cycle.id, revision)


def promoted_by_agreement(proposal, author: Membership, revision) -> None:
    """Every party agreed to the section change that promotes an action: it is in the plan now."""
    action_id = proposal.payload.get("from_action")
    action = db.session.get(ImprovementAction, action_id) if action_id is not None else None
    if action is None or action.promoted_at is not None:
        return
    cycle = db.session.get(ReviewCycle, action.cycle_id)
    if cycle is None or cycle.partnership_id != proposal.partnership_id:
        return
    _promoted(author, action, cycle, revision)


def promotion_waiting(action: ImprovementAction):
    """The proposed change that would promote this action, while the parties are asked."""
    from app.consent import services as consent

    cycle = db.session.get(ReviewCycle, action.cycle_id)
    return next((p for p in consent.open_of_kind(cycle.partnership_id, "section_change")
                 if p.payload.get("from_action") == action.id), None)


def status_choices() -> list[tuple[str, str]]:
    return list(ACTION_STATUS_LABELS.items())
