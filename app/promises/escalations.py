"""Escalations: an issue the parties take up the plan's escalation ladder, tracked against each
level's time to resolve.

The ladder is the organisational arrangements' escalation levels (level, name, who per party,
time to resolve in days). An issue is raised at the lowest level; at each level the parties'
people there promise to settle it, or take it up a level, within that level's time to resolve:
one promise per party per level, kept on the day it was resolved or taken up, late after that
(the ledger reads them from here). Each level is recorded as the plan worded it when the issue
reached it, so a later change to the ladder leaves the history as it was.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.audit.services import record_event
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.links import path_for
from app.notifications.services import notify_other_parties
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership
from app.plan_sections.reading import current_content
from app.promises.models import Escalation
from app.rules import RuleViolation
from app.types import utcnow

TITLE_MAX = 200
TEXT_MAX = 5000


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    resolve_days: int | None
    who: dict  # party id (as text) -> who, in words

    @property
    def label(self) -> str:
        return f"Level {self.level}: {self.name}"


def ladder_of(partnership_id: int) -> list[Level]:
    """The plan's escalation ladder, lowest level first."""
    content = current_content(partnership_id, "organisational_arrangements")
    levels = []
    for item in (content.get("items") or {}).get("escalation_levels") or []:
        if isinstance(item.get("level"), int) and item.get("name"):
            levels.append(Level(item["level"], item["name"], item.get("resolve_days"), item.get("who") or {}))
    return sorted(levels, key=lambda level: level.level)


def _step(level: Level, since: date, party_name: str, note: str = "") -> dict:
    return {"level": level.level, "name": level.name, "resolve_days": level.resolve_days,
            "since": since.isoformat(), "party": party_name, "note": note}


def step_due(step: dict) -> date | None:
    days = step.get("resolve_days")
    return date.fromisoformat(step["since"]) + timedelta(days=days) if days else None


def step_ended(escalation: Escalation, index: int) -> date | None:
    """The day the issue left level `index`: taken up a level, or resolved there."""
    if index + 1 < len(escalation.steps):
        return date.fromisoformat(escalation.steps[index + 1]["since"])
    return escalation.resolved_on


@dataclass(frozen=True)
class Step:
    """A level an issue reached, as the pages show it."""
    level: int
    name: str
    resolve_days: int | None
    since: date
    party: str
    note: str
    due: date | None
    ended: date | None
    last: bool

    @property
    def late_days(self) -> int | None:
        """Days past its time to resolve when it left the level (None: in time, open or untimed)."""
        if self.due is None or self.ended is None or self.ended <= self.due:
            return None
        return (self.ended - self.due).days


def steps_of(escalation: Escalation) -> list[Step]:
    return [Step(step["level"], step["name"], step.get("resolve_days"), date.fromisoformat(step["since"]),
                 step.get("party") or "", step.get("note") or "", step_due(step), step_ended(escalation, index),
                 index == len(escalation.steps) - 1)
            for index, step in enumerate(escalation.steps)]


class EscalationError(RuleViolation):
    """What an escalation cannot take; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, field)
        self.status = status


def _may_act(membership: Membership) -> None:
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise EscalationError("Only editors and admins can raise, escalate or resolve an issue.", 403)


def _day(value: date | None, field: str, now: datetime, *, not_before: date | None = None,
         before_what: str = "") -> date:
    if value is None:
        raise EscalationError("Give the day.", field=field)
    if value > now.date():
        raise EscalationError("That day is still to come: record it once it has happened.", field=field)
    if not_before is not None and value < not_before:
        raise EscalationError(f"It cannot be before {before_what} ({not_before:%-d %B %Y}).", field=field)
    return value


def _text(value: str | None, field: str, limit: int, *, required: str | None = None) -> str:
    value = (value or "").strip()
    if has_control_characters(value):
        raise EscalationError(CONTROL_MESSAGE, field=field)
    if required and not value:
        raise EscalationError(required, field=field)
    if len(value) > limit:
        raise EscalationError(f"Keep it to {limit:,} characters (it has {len(value):,}).", field=field)
    return value


def escalation_path(escalation: Escalation) -> str:
    return path_for("promises.escalation", partnership_id=escalation.partnership_id, escalation_id=escalation.id)


def raise_issue(membership: Membership, title: str, description: str, raised_on: date | None, *,
                at: datetime | None = None) -> Escalation:
    """Raise an issue at the ladder's lowest level."""
    _may_act(membership)
    now = at or utcnow()
    title = _text(title, "title", TITLE_MAX, required="Say what the issue is.")
    description = _text(description, "description", TEXT_MAX)
    raised_on = _day(raised_on, "raised_on", now)
    ladder = ladder_of(membership.partnership_id)
    if not ladder:
        raise EscalationError("The plan has no escalation ladder yet: add its levels in Organisational "
                              "arrangements first.", 409)
    escalation = Escalation(
        partnership_id=membership.partnership_id, title=title, description=description, raised_on=raised_on,
        raised_by_id=membership.user_id, raised_party_id=membership.party_id,
        raised_party_name=membership.party.name, raised_at=now,
        steps=[_step(ladder[0], raised_on, membership.party.name)],
    )
    db.session.add(escalation)
    db.session.flush()
    record_event("escalation.raised", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=escalation,
                 details={"title": title, "level": ladder[0].label, "raised_on": f"{raised_on:%-d %B %Y}"})
    _tell(membership, escalation, f"{membership.party.name} raised “{title}” at {ladder[0].label}")
    return escalation


def locked(escalation_id: int, partnership_id: int) -> Escalation | None:
    """The escalation, locked for this transaction and read as the lock finds it."""
    return db.session.scalar(
        sa.select(Escalation).where(Escalation.id == escalation_id, Escalation.partnership_id == partnership_id)
        .with_for_update().execution_options(populate_existing=True))


def _fresh(membership: Membership, escalation_id: int, seen: int) -> Escalation:
    _may_act(membership)
    escalation = locked(escalation_id, membership.partnership_id)
    if escalation is None:
        raise EscalationError("No such escalation.", 404)
    if escalation.version != seen:
        raise EscalationError(f"{_last_change(escalation)} while you were looking: see it before you act.", 409)
    if not escalation.is_open:
        raise EscalationError("It is resolved already.", 409)
    return escalation


def _last_change(escalation: Escalation) -> str:
    if escalation.resolved_on is not None:
        return f"{escalation.resolved_party_name} resolved it"
    step = escalation.current
    return f"{step['party']} took it to level {step['level']} ({step['name']})"


def next_level(escalation: Escalation, ladder: list[Level]) -> Level | None:
    return next((level for level in ladder if level.level > escalation.current["level"]), None)


def escalate(membership: Membership, escalation_id: int, seen: int, on: date | None, note: str, *,
             at: datetime | None = None) -> Escalation:
    """Take the issue up to the ladder's next level."""
    now = at or utcnow()
    escalation = _fresh(membership, escalation_id, seen)
    on = _day(on, "on", now, not_before=date.fromisoformat(escalation.current["since"]),
              before_what="it reached its level")
    note = _text(note, "note", TEXT_MAX)
    level = next_level(escalation, ladder_of(membership.partnership_id))
    if level is None:
        raise EscalationError("It is at the top of the ladder: the parties settle it there, or the exit "
                              "arrangements take over.", 409)
    escalation.steps = [*escalation.steps, _step(level, on, membership.party.name, note)]
    escalation.version += 1
    db.session.flush()
    record_event("escalation.escalated", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=escalation,
                 details={"title": escalation.title, "level": level.label, "on": f"{on:%-d %B %Y}"})
    _tell(membership, escalation, f"{membership.party.name} took “{escalation.title}” up to {level.label}")
    return escalation


def resolve(membership: Membership, escalation_id: int, seen: int, on: date | None, resolution: str, *,
            at: datetime | None = None) -> Escalation:
    now = at or utcnow()
    escalation = _fresh(membership, escalation_id, seen)
    on = _day(on, "on", now, not_before=date.fromisoformat(escalation.current["since"]),
              before_what="it reached its level")
    resolution = _text(resolution, "resolution", TEXT_MAX, required="Say how it was resolved.")
    escalation.resolved_on, escalation.resolution = on, resolution
    escalation.resolved_by_id, escalation.resolved_party_name, escalation.resolved_at = (
        membership.user_id, membership.party.name, now)
    escalation.version += 1
    db.session.flush()
    step = escalation.current
    record_event("escalation.resolved", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=escalation,
                 details={"title": escalation.title, "level": f"Level {step['level']}: {step['name']}",
                          "on": f"{on:%-d %B %Y}"})
    _tell(membership, escalation, f"{membership.party.name} resolved “{escalation.title}” at level {step['level']}")
    return escalation


def _tell(membership: Membership, escalation: Escalation, title: str) -> None:
    notify_other_parties(membership, "escalation", link=escalation_path(escalation), title=title,
                         body=escalation.resolution or escalation.current.get("note") or escalation.description[:300],
                         dedupe_key=f"escalation:{escalation.id}:{escalation.version}")


def escalations_of(partnership_id: int) -> list[Escalation]:
    """Open ones first (longest at their level first), then the resolved, latest first."""
    found = list(db.session.scalars(sa.select(Escalation).where(Escalation.partnership_id == partnership_id)
                                    .order_by(Escalation.id.desc())))
    open_ = sorted((e for e in found if e.is_open), key=lambda e: e.current["since"])
    return open_ + [e for e in found if not e.is_open]
