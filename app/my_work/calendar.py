"""A person's calendar: the dates of every partnership they are a member of now, as all-day
events of an iCalendar (RFC 5545) feed their calendar app subscribes to.

Review due dates and stage deadlines of open cycles, the improvement actions they own,
signing deadlines of versions awaiting signatures, the expiry of open proposals, and the
commercial agreement's term end, renewal decision and notice dates, with the notice date of
each exit trigger (the term's end less the trigger's notice period). Each event's UID names
the thing it is about, so calendar apps update an event rather than duplicate it. What the
feed serves is worked out on every request from the person's memberships now: leaving a
partnership takes its events out of the next refresh.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa

from app.accounts.models import User
from app.coediting.saving import section_path
from app.consent.models import OPEN, Proposal
from app.consent.services import proposal_path
from app.extensions import db
from app.links import path_for
from app.my_work.services import memberships_of
from app.partnerships.models import Membership
from app.plan_sections.portfolio_columns import plan_overviews
from app.plan_versions.models import PlanVersion
from app.plan_versions.services import version_path
from app.review_cycle.cycles import cycle_path, stage_due_dates
from app.review_cycle.models import STAGE_LABELS, ImprovementAction, ReviewCycle
from app.types import utcnow

PRODID = "-//Jointly//Partnership calendar//EN"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # stable per thing, without the domain
    day: date
    summary: str
    description: str
    path: str


def _day(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return None


def calendar_entries(user: User, *, now: datetime | None = None) -> list[CalendarEntry]:
    now = now or utcnow()
    memberships = {m.partnership_id: m for m in memberships_of(user)}
    if not memberships:
        return []
    entries = []
    entries += _cycles(memberships)
    entries += _actions(user, memberships)
    entries += _versions(memberships)
    entries += _proposals(memberships, now)
    entries += _plan_dates(memberships)
    return sorted(entries, key=lambda e: (e.day, e.uid))


def _name(memberships: dict[int, Membership], pid: int) -> str:
    return memberships[pid].partnership.name


def _cycles(memberships) -> list[CalendarEntry]:
    entries = []
    cycles = db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id.in_(memberships), ReviewCycle.stage != "closed")
    )
    for cycle in cycles:
        name = _name(memberships, cycle.partnership_id)
        for stage, due in stage_due_dates(cycle).items():
            if stage == "review":
                summary = f"{cycle.title} due: {name}"
                description = (f"Every party's maturity assessment of {name} for {cycle.period} is due."
                               if cycle.is_maturity else f"Every party's review of {name} for {cycle.period} is due.")
            elif stage == "operate":
                summary = (f"{cycle.title} closes: {name}" if cycle.is_maturity
                           else f"Review cycle {cycle.period} closes: {name}")
                description = (f"The {cycle.name} of {name} is due to close." if cycle.is_maturity
                               else f"The {cycle.period} cycle of {name} is due to close.")
            else:
                summary = f"{STAGE_LABELS[stage]} stage of {cycle.period} due: {name}"
                description = f"The {STAGE_LABELS[stage]} stage of {name}'s {cycle.period} cycle is due to end."
            entries.append(CalendarEntry(f"cycle-{cycle.id}-{stage}", due, summary, description, cycle_path(cycle)))
    return entries


def _actions(user: User, memberships) -> list[CalendarEntry]:
    actions = db.session.scalars(
        sa.select(ImprovementAction).where(
            ImprovementAction.owner_user_id == user.id,
            ImprovementAction.partnership_id.in_(memberships),
            ImprovementAction.status.in_(("open", "in_progress")),
        )
    )
    return [
        CalendarEntry(
            f"action-{a.id}", a.due_on, f"Action due: {a.title}",
            f"Improvement action you own in {_name(memberships, a.partnership_id)} ({a.status_label}).",
            path_for("review_cycle.action", partnership_id=a.partnership_id, cycle_id=a.cycle_id, action_id=a.id),
        )
        for a in actions
    ]


def _versions(memberships) -> list[CalendarEntry]:
    versions = db.session.scalars(
        sa.select(PlanVersion).where(
            PlanVersion.partnership_id.in_(memberships), PlanVersion.status == "awaiting",
            PlanVersion.sign_by.is_not(None),
        )
    )
    return [
        CalendarEntry(
            f"version-{v.id}-sign-by", v.sign_by,
            f"Sign plan {v.label} by today: {_name(memberships, v.partnership_id)}",
            f"The last day for every party to sign plan {v.label} of {_name(memberships, v.partnership_id)}.",
            version_path(v),
        )
        for v in versions
    ]


def _proposals(memberships, now: datetime) -> list[CalendarEntry]:
    proposals = db.session.scalars(
        sa.select(Proposal).where(
            Proposal.partnership_id.in_(memberships), Proposal.status == OPEN, Proposal.expires_at > now,
        )
    )
    return [
        CalendarEntry(
            f"proposal-{p.id}-expires", p.expires_at.date(), f"Proposal expires: {p.summary}",
            f"A proposal in {_name(memberships, p.partnership_id)} lapses unless every party has agreed by then.",
            proposal_path(p),
        )
        for p in proposals
    ]


def _plan_dates(memberships) -> list[CalendarEntry]:
    """The commercial agreement's dates and each exit trigger's notice date, from the plan now."""
    entries = []
    for pid, overview in plan_overviews(list(memberships)).items():
        name = _name(memberships, pid)
        sections = {s.key: s for s in overview.sections}
        commercial = sections["commercial_agreement"].content["fields"]
        end, renewal, notice = _day(commercial.get("end_date")), _day(commercial.get("renewal_date")), \
            commercial.get("notice_days")
        path = section_path(pid, "commercial_agreement")
        if end:
            entries.append(CalendarEntry(f"plan-{pid}-contract-end", end, f"Contract term ends: {name}",
                                         f"The term of {name}'s commercial agreement ends.", path))
        if renewal:
            entries.append(CalendarEntry(f"plan-{pid}-renewal", renewal, f"Renewal decision due: {name}",
                                         f"Decide on renewing {name}'s commercial agreement.", path))
        if end and isinstance(notice, int) and notice > 0:
            what = "to stop it renewing automatically" if commercial.get("auto_renews") else "to end it at term"
            entries.append(CalendarEntry(
                f"plan-{pid}-notice", end - timedelta(days=notice), f"Last day to give notice: {name}",
                f"{notice} days' notice before the term ends on {end.isoformat()}, {what}.", path,
            ))
        if end:
            for trigger in sections["exit_arrangements"].content["items"].get("triggers", []):
                days = trigger.get("notice_days")
                if isinstance(days, int) and days > 0:
                    entries.append(CalendarEntry(
                        f"plan-{pid}-exit-{trigger['id']}", end - timedelta(days=days),
                        f"Exit notice by today for “{trigger['trigger']}”: {name}",
                        f"Exit trigger “{trigger['trigger']}” needs {days} days' notice before the term ends "
                        f"on {end.isoformat()}.",
                        section_path(pid, "exit_arrangements"),
                    ))
    return entries


def feed(user: User, base_url: str, *, now: datetime | None = None) -> bytes:
    """The iCalendar document of the person's entries; links and UIDs name `base_url`'s host."""
    now = now or utcnow()
    base_url = base_url.rstrip("/")
    host = urlsplit(base_url).hostname or "jointly"
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Jointly: {user.full_name}")
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = now.replace(microsecond=0)
    for entry in calendar_entries(user, now=now):
        event = icalendar.Event()
        event.add("uid", f"{entry.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("description", f"{entry.description}\n\n{base_url}{entry.path}")
        event.add("url", f"{base_url}{entry.path}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
