"""One partnership's audit trail: filtered pages for the screen and the CSV export."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import Organisation, User
from app.audit.actions import Names, action_label, changes, describe
from app.audit.models import AuditEvent
from app.downloads import CSV_START, csv_line
from app.extensions import db
from app.formatting import iso_datetime
from app.partnerships.models import Party


@dataclass
class TrailFilters:
    action: str | None = None
    party_id: int | None = None
    actor_id: int | None = None
    date_from: date | None = None  # in the viewer's time zone, inclusive
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.action, self.party_id, self.actor_id, self.date_from, self.date_to))


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _conditions(partnership_id: int, filters: TrailFilters, zone: ZoneInfo) -> list:
    conditions = [AuditEvent.partnership_id == partnership_id]
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.party_id is not None:
        conditions.append(AuditEvent.party_id == filters.party_id)
    if filters.actor_id is not None:
        conditions.append(AuditEvent.actor_id == filters.actor_id)
    if filters.date_from is not None:
        conditions.append(AuditEvent.occurred_at >= _start_of(filters.date_from, zone))
    if filters.date_to is not None:
        conditions.append(AuditEvent.occurred_at < _start_of(filters.date_to + timedelta(days=1), zone))
    return conditions


def party_names(partnership_id: int) -> dict[int, str]:
    parties = db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership_id).options(joinedload(Party.organisation))
    )
    return {party.id: party.name for party in parties}


def filter_choices(partnership_id: int) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """The actions and the people that occur in this partnership's trail.

    The distinct (action, actor) pairs come from the partnership's own events, and the people
    are then read by primary key: asking for the users whose id is among the events' actors in
    one statement let PostgreSQL's planner answer with a scan of every user of the instance."""
    pairs = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id).where(AuditEvent.partnership_id == partnership_id).distinct()
    ).all()
    actions = {action for action, _ in pairs}
    actor_ids = sorted({actor_id for _, actor_id in pairs if actor_id is not None})
    people = db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(actor_ids)).order_by(User.full_name, User.id)
    ).all() if actor_ids else []
    return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1].lower()), [tuple(p) for p in people]


def names_for(events, parties: dict[int, str] | None = None) -> Names:
    """The names a batch of events mentions, loaded with two queries however many events there are."""
    user_ids, org_ids = set(), set()
    for event in events:
        details = event.details or {}
        for value in (event.actor_id, details.get("user_id")):
            if isinstance(value, int):
                user_ids.add(value)
        for value in (event.organisation_id, details.get("organisation_id")):
            if isinstance(value, int):
                org_ids.add(value)
    users = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    organisations = dict(
        db.session.execute(sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()
    )
    return Names(users, organisations, parties or {})


@dataclass
class TrailEntry:
    event: AuditEvent
    sentence: str
    changes: list[str]
    party: str | None


def _entries(events, parties: dict[int, str]) -> list[TrailEntry]:
    names = names_for(events, parties)
    return [TrailEntry(e, describe(e, names), changes(e), parties.get(e.party_id)) for e in events]


def trail_page(partnership_id: int, filters: TrailFilters, zone: ZoneInfo, *, page: int, per_page: int):
    """(entries newest first, total matching) for one page."""
    conditions = _conditions(partnership_id, filters, zone)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*conditions))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.seq.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return _entries(events, party_names(partnership_id)), total


# --- CSV export -------------------------------------------------------------------

CSV_HEADER = [
    "Event #",
    "When (UTC)",
    "Person",
    "Organisation",
    "Party",
    "Action",
    "Action label",
    "Description",
    "Object type",
    "Object id",
    "IP address",
    "Details (JSON)",
    "Event hash",
]

def export_csv(partnership_id: int, filters: TrailFilters, zone: ZoneInfo, batch_size: int = 1000) -> Iterator[str]:
    """The filtered trail as CSV lines, newest first, read in batches (any length)."""
    parties = party_names(partnership_id)
    conditions = _conditions(partnership_id, filters, zone)
    yield CSV_START + csv_line(CSV_HEADER)
    before = None
    while True:
        query = sa.select(AuditEvent).where(*conditions)
        if before is not None:
            query = query.where(AuditEvent.seq < before)
        events = db.session.scalars(query.order_by(AuditEvent.seq.desc()).limit(batch_size)).all()
        if not events:
            return
        names = names_for(events, parties)
        for event in events:
            yield csv_line([
                event.seq,
                iso_datetime(event.occurred_at),
                names.user(event.actor_id) if event.actor_id is not None else "",
                names.organisations.get(event.organisation_id, ""),
                parties.get(event.party_id, ""),
                event.action,
                action_label(event.action),
                describe(event, names),
                event.object_type or "",
                event.object_id or "",
                event.ip or "",
                json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
                event.hash,
            ])
        before = events[-1].seq
        for event in events:  # keep memory flat on long exports
            db.session.expunge(event)
