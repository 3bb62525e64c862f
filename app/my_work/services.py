"""What is waiting for one person, across every partnership they are a member of.

Read in a fixed number of queries whatever the number of partnerships or items: the
person's memberships, then one query (or two, with what it loads) per kind of item over all
of them. Nothing is read outside those memberships, and nothing breaks the review's
blindness: a review item says only that the reader's own party has not submitted.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.coediting.saving import section_path
from app.consent import services as consent
from app.consent.models import OPEN, Proposal
from app.extensions import db
from app.formatting import format_date
from app.links import path_for
from app.notifications.models import Notification
from app.notifications.services import visible_to
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership
from app.plan_sections.portfolio_columns import plan_overviews
from app.plan_versions.models import PlanVersion
from app.plan_versions.services import may_sign_now, version_path
from app.review_cycle.cycles import cycle_path, is_party_of, parties_of_cycle
from app.review_cycle.models import Assessment, ImprovementAction, ReviewCycle
from app.types import utcnow

# The kinds of item, in the order the page shows their groups.
KINDS = {
    "action": "Improvement actions you own",
    "signature": "Plan versions to sign",
    "proposal": "Proposals waiting for your answer",
    "assessment": "Reviews your party has not submitted",
    "section": "Plan sections due for review",
    "mention": "Mentions you have not read",
}


@dataclass(frozen=True)
class WorkItem:
    kind: str
    key: str  # stable per thing (the calendar's UIDs use it)
    title: str
    partnership_id: int
    partnership_name: str
    link: str
    due: date | None = None
    detail: str = ""
    overdue: bool = False
    # Mentions are opened through a POST that marks them read.
    notification_id: int | None = None
    # When it started waiting (for ordering what has no due date).
    since: datetime | None = None
    # What was said (a mention's words), shown under the item.
    excerpt: str = ""


@dataclass
class WorkGroup:
    kind: str
    label: str
    items: list[WorkItem] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)


@dataclass
class MyWork:
    groups: list[WorkGroup]

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def overdue(self) -> int:
        return sum(g.overdue_count for g in self.groups)

    @property
    def items(self) -> list[WorkItem]:
        return [item for g in self.groups for item in g.items]


def memberships_of(user: User) -> list[Membership]:
    """Every membership of the user (a party that left took its memberships with it)."""
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
        .options(joinedload(Membership.partnership)).order_by(Membership.partnership_id)
    ))


def _order(items: list[WorkItem]) -> list[WorkItem]:
    """Overdue first, then by due date (soonest first), then the undated, oldest first."""
    return sorted(items, key=lambda i: (
        not i.overdue, i.due is None, i.due or date.max, i.since or datetime.max, i.partnership_name, i.key,
    ))


def my_work(user: User, *, today: date | None = None, now: datetime | None = None) -> MyWork:
    now = now or utcnow()
    today = today or now.date()
    memberships = {m.partnership_id: m for m in memberships_of(user)}
    found = {kind: [] for kind in KINDS}
    if memberships:
        found["action"] = actions(user, memberships, today)
        found["signature"] = signatures(memberships, today)
        found["proposal"] = proposals(memberships, now)
        found["assessment"] = assessments(memberships, today)
        found["section"] = stale_sections(memberships, now)
        found["mention"] = mentions(user)
    return MyWork([WorkGroup(kind, label, _order(found[kind])) for kind, label in KINDS.items()])


def actions(user: User, memberships: dict[int, Membership], today: date) -> list[WorkItem]:
    rows = db.session.scalars(
        sa.select(ImprovementAction).where(
            ImprovementAction.owner_user_id == user.id,
            ImprovementAction.partnership_id.in_(memberships),
            ImprovementAction.status.in_(("open", "in_progress")),
        )
    )
    items = []
    for action in rows:
        partnership = memberships[action.partnership_id].partnership
        items.append(WorkItem(
            "action", f"action-{action.id}", action.title, partnership.id, partnership.name,
            path_for("review_cycle.action", partnership_id=partnership.id, cycle_id=action.cycle_id,
                     action_id=action.id),
            due=action.due_on, detail=action.status_label, overdue=action.is_overdue(today),
            since=action.opened_at,
        ))
    return items


def signatures(memberships: dict[int, Membership], today: date) -> list[WorkItem]:
    """Versions awaiting a signature from the reader's party, when the reader signs for it and
    the party's turn has come; due by the version's last day to sign, when it has one."""
    signing = [pid for pid, m in memberships.items() if m.is_signatory]
    if not signing:
        return []
    rows = db.session.scalars(
        sa.select(PlanVersion).where(PlanVersion.partnership_id.in_(signing), PlanVersion.status == "awaiting")
        .options(selectinload(PlanVersion.signatures))
    )
    items = []
    for version in rows:
        membership = memberships[version.partnership_id]
        if not may_sign_now(version, membership.party_id):  # unsigned, and its turn when signed in order
            continue
        partnership = membership.partnership
        items.append(WorkItem(
            "signature", f"signature-{version.id}-{membership.party_id}", f"Sign plan {version.label}",
            partnership.id, partnership.name, version_path(version, "plan_versions.sign"),
            due=version.sign_by, detail=f"Issued {format_date(version.issued_at)}",
            overdue=version.overdue_on(today), since=version.issued_at,
        ))
    return items


def proposals(memberships: dict[int, Membership], now: datetime) -> list[WorkItem]:
    """Open proposals the reader's party has yet to answer, when the reader's answer counts."""
    rows = list(db.session.scalars(
        sa.select(Proposal).where(
            Proposal.partnership_id.in_(memberships), Proposal.status == OPEN, Proposal.expires_at > now,
        ).options(selectinload(Proposal.responses))
    ))
    items = []
    for proposal in rows:
        membership = memberships[proposal.partnership_id]
        if not consent.awaiting_answer([proposal], membership.party_id):
            continue
        if not consent.may_answer_for_party(membership, proposal):
            continue
        partnership = membership.partnership
        items.append(WorkItem(
            "proposal", f"proposal-{proposal.id}", proposal.summary, partnership.id, partnership.name,
            consent.proposal_path(proposal), due=proposal.expires_at.date(), detail="Agree or decline",
            since=proposal.created_at,
        ))
    return items


def assessments(memberships: dict[int, Membership], today: date) -> list[WorkItem]:
    """Open cycles in Review where the reader's party has not submitted (admins and editors write it)."""
    writers = {pid: m for pid, m in memberships.items() if has_permission(m, Permission.EDIT_PLAN)}
    if not writers:
        return []
    cycles = [c for c in db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id.in_(writers), ReviewCycle.stage == "review")
    ) if is_party_of(c, writers[c.partnership_id].party_id)]
    if not cycles:
        return []
    submitted = set(db.session.execute(
        sa.select(Assessment.cycle_id, Assessment.party_id).where(
            Assessment.cycle_id.in_([c.id for c in cycles]), Assessment.submitted_at.is_not(None),
        )
    ))
    items = []
    for cycle in cycles:
        membership = writers[cycle.partnership_id]
        if (cycle.id, membership.party_id) in submitted:
            continue
        partnership = membership.partnership
        party = next((p.name for p in parties_of_cycle(cycle) if p.id == membership.party_id), "your party")
        items.append(WorkItem(
            "assessment", f"assessment-{cycle.id}-{membership.party_id}",
            f"Submit {party}'s maturity assessment for {cycle.period}" if cycle.is_maturity
            else f"Submit {party}'s review for {cycle.period}", partnership.id, partnership.name,
            cycle_path(cycle, "review_cycle.assessment"), due=cycle.review_due_on,
            detail="Your party has not submitted yet", overdue=cycle.review_due_on < today, since=cycle.opened_at,
        ))
    return items


def stale_sections(memberships: dict[int, Membership], now: datetime) -> list[WorkItem]:
    """Sections not changed or reviewed within the partnership's section cadence. The plan is
    joint (no party owns a section), so they wait for every admin and editor: any of them can
    mark a section reviewed."""
    writers = {pid: m for pid, m in memberships.items() if has_permission(m, Permission.EDIT_PLAN)}
    if not writers:
        return []
    items = []
    for pid, overview in plan_overviews(list(writers)).items():
        partnership = writers[pid].partnership
        for state in overview.stale:
            items.append(WorkItem(
                "section", f"section-{pid}-{state.key}", f"Review “{state.type.title}”", pid, partnership.name,
                section_path(pid, state.key), due=state.review_due.date(),
                detail="Not changed or reviewed within the cadence", overdue=True, since=state.review_due,
            ))
    return items


def mentions(user: User) -> list[WorkItem]:
    rows = db.session.scalars(
        sa.select(Notification).where(
            visible_to(user), Notification.kind == "mention", Notification.read_at.is_(None),
            Notification.partnership_id.is_not(None),
        ).options(joinedload(Notification.partnership), joinedload(Notification.actor))
        .order_by(Notification.updated_at.desc()).limit(50)
    )
    return [
        WorkItem(
            "mention", f"mention-{n.id}", n.title, n.partnership_id, n.partnership.name, n.link or "",
            detail=f"by {n.actor.full_name}" if n.actor else "", excerpt=n.body, notification_id=n.id,
            since=n.updated_at,
        )
        for n in rows
    ]
