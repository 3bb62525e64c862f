"""What Jointly holds about one partnership that counts as lifecycle evidence, loaded at once.

`load_snapshot` reads it in a fixed number of queries whatever the partnership's size: the plan's
sections with their current content, the plan versions, the review cycles, the improvement
actions and the audit events the rules cite. The rules (stages.py) then only read the snapshot.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_sections.progress import PlanOverview, plan_overview
from app.plan_versions.models import PlanVersion
from app.review_cycle.models import CLOSED, ImprovementAction, ReviewCycle

# The audit events a rule cites: a status change (partnership.updated says from and to).
CITED_ACTIONS = ("partnership.updated", "plan.version_baseline")


@dataclass(frozen=True)
class SignedVersion:
    id: int
    label: str
    signed_at: datetime


@dataclass(frozen=True)
class Cycle:
    id: int
    period: str
    revealed_at: datetime | None
    closed_at: datetime | None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class Action:
    id: int
    cycle_id: int
    title: str
    status: str


@dataclass(frozen=True)
class Event:
    seq: int
    action: str
    occurred_at: datetime
    details: dict


@dataclass
class Snapshot:
    """One partnership's evidence. Built by `load_snapshot`, or directly by tests of the rules."""

    partnership_id: int
    status: str
    purpose: str
    party_ids: list[int]
    party_names: dict[int, str] = field(default_factory=dict)
    plan: PlanOverview | None = None
    # section key -> its current content ({"narrative", "fields", "items"}); empty sections absent.
    contents: dict[str, dict] = field(default_factory=dict)
    signed_versions: list[SignedVersion] = field(default_factory=list)  # newest last
    cycles: list[Cycle] = field(default_factory=list)  # oldest period first
    actions: list[Action] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # oldest first

    def items(self, section_key: str, kind_key: str) -> list[dict]:
        return (self.contents.get(section_key) or {}).get("items", {}).get(kind_key, [])

    def fields(self, section_key: str) -> dict:
        return (self.contents.get(section_key) or {}).get("fields", {})

    @property
    def baseline(self) -> SignedVersion | None:
        return self.signed_versions[-1] if self.signed_versions else None

    @property
    def revealed(self) -> list[Cycle]:
        return [c for c in self.cycles if c.revealed_at is not None]

    @property
    def closed(self) -> list[Cycle]:
        return [c for c in self.cycles if c.is_closed]

    def status_changes_to(self, status: str) -> list[Event]:
        return [e for e in self.events if e.action == "partnership.updated"
                and isinstance(e.details.get("status"), list) and e.details["status"][-1:] == [status]]

    @property
    def stale_section_titles(self) -> list[str]:
        return [s.type.title for s in self.plan.stale] if self.plan is not None else []


def load_snapshot(partnership: Partnership, plan: PlanOverview | None = None,
                  review_cycles: list[ReviewCycle] | None = None) -> Snapshot:
    """The partnership's evidence in five queries (fewer when the caller already holds the plan's
    overview or the partnership's cycles of both kinds, as the partnership's home page does).
    `partnership.parties` should be loaded."""
    plan = plan if plan is not None else plan_overview(partnership)
    versions = db.session.execute(
        sa.select(PlanVersion.id, PlanVersion.major, PlanVersion.minor, PlanVersion.signed_at)
        .where(PlanVersion.partnership_id == partnership.id, PlanVersion.status == "signed")
        .order_by(PlanVersion.signed_at, PlanVersion.id)
    ).all()
    if review_cycles is not None:
        # The quarterly reviews: a maturity assessment (kind "maturity") is not one of them.
        cycles = sorted((c for c in review_cycles if c.kind == "review"), key=lambda c: c.period)
    else:
        cycles = db.session.execute(
            sa.select(ReviewCycle.id, ReviewCycle.period, ReviewCycle.revealed_at, ReviewCycle.closed_at,
                      ReviewCycle.stage)
            .where(ReviewCycle.partnership_id == partnership.id, ReviewCycle.kind == "review")
            .order_by(ReviewCycle.period)
        ).all()
    actions = db.session.execute(
        sa.select(ImprovementAction.id, ImprovementAction.cycle_id, ImprovementAction.title, ImprovementAction.status)
        .where(ImprovementAction.partnership_id == partnership.id).order_by(ImprovementAction.id)
    ).all()
    events = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.action, AuditEvent.occurred_at, AuditEvent.details)
        .where(AuditEvent.partnership_id == partnership.id, AuditEvent.action.in_(CITED_ACTIONS))
        .order_by(AuditEvent.seq)
    ).all()
    return Snapshot(
        partnership_id=partnership.id,
        status=partnership.status,
        purpose=partnership.purpose or "",
        party_ids=[p.id for p in partnership.parties],
        party_names={p.id: p.name for p in partnership.parties},
        plan=plan,
        contents={s.key: s.content for s in plan.sections if s.is_started},
        signed_versions=[SignedVersion(v.id, f"v{v.major}.{v.minor}", v.signed_at) for v in versions],
        cycles=[Cycle(c.id, c.period, c.revealed_at, c.closed_at if c.stage == CLOSED else None) for c in cycles],
        actions=[Action(a.id, a.cycle_id, a.title, a.status) for a in actions],
        events=[Event(e.seq, e.action, e.occurred_at, e.details or {}) for e in events],
    )
