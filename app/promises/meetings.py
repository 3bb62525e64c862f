"""Plan against practice: the meetings the plan's governance bodies and forums hold, the
decisions they take (the decision register), and how what they do compares with what the plan
declares (drift).

A **body** is a governance body of the organisational arrangements (with its decision rights)
or a forum of the communications pattern that meets (in person, by video or phone; an email,
report or dashboard is no meeting). A forum of the same name as a governance body is that
body: the plan names the steering committee in both places, and it is one meeting.

A decision is checked against the body's decision rights, one per clause of the plan's text
("Approves changes to scope; signs plan versions" is two): the person recording it says which
right it falls under, or that none does, and a decision outside the body's rights is flagged
(never refused: it was taken). A forum has no decision rights, so every decision it takes is
flagged.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.audit.services import record_event
from app.extensions import db
from app.links import path_for
from app.markdown import render_markdown
from app.notifications.services import notify_other_parties
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Party
from app.plan_sections.reading import current_content
from app.promises.models import Decision, Meeting
from app.rules import RuleViolation
from app.types import utcnow

MEETING_FORMATS = (None, "", "in_person", "video", "call")
MINUTES_MAX = 20_000
DECISION_MAX = 500
DECISIONS_MAX = 10
HEADCOUNT_MAX = 500
ACTIONS_MAX = 5
LENGTH_MINUTES = (15, 24 * 60)
# How often a body declares it meets, as a step between meetings. Daily and "as needed" are no
# cadence the record can be held to.
STEPS = {"weekly": (7, 0), "fortnightly": (14, 0), "monthly": (0, 1), "quarterly": (0, 3), "half_yearly": (0, 6),
         "yearly": (0, 12)}
FREQUENCY_WORDS = {"daily": "daily", "weekly": "weekly", "fortnightly": "fortnightly", "monthly": "monthly",
                   "quarterly": "quarterly", "half_yearly": "half-yearly", "yearly": "yearly",
                   "as_needed": "as needed"}


@dataclass(frozen=True)
class Body:
    kind: str  # "body" or "forum"
    ref: str  # the plan item's id
    name: str
    frequency: str | None
    rights: tuple[str, ...]
    runner_id: int | None  # the party that runs it (a forum's "Run by"), or None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"

    @property
    def kind_label(self) -> str:
        return "Governance body" if self.kind == "body" else "Forum"

    @property
    def cadence(self) -> str:
        return FREQUENCY_WORDS.get(self.frequency or "", "no cadence declared")

    @property
    def tracked(self) -> bool:
        return self.frequency in STEPS


def split_rights(text: str | None) -> tuple[str, ...]:
    """The decision rights as separate clauses: one per line, semicolon or bullet."""
    clauses = (re.sub(r"^[\s•*-]+", "", part).strip(" .\t") for part in re.split(r"[;\n]", text or ""))
    return tuple(clause for clause in clauses if clause)


def bodies_of(partnership_id: int) -> list[Body]:
    """The plan's governance bodies, then its meeting forums that are not also bodies."""
    organisation = current_content(partnership_id, "organisational_arrangements").get("items") or {}
    communications = current_content(partnership_id, "communications").get("items") or {}
    forums = [c for c in communications.get("channels") or [] if c.get("format") in MEETING_FORMATS]
    runner_by_name = {str(c.get("name", "")).casefold(): c.get("owner") for c in forums}
    bodies = [
        Body("body", str(b["id"]), str(b.get("name") or "Governance body"), b.get("frequency"),
             split_rights(b.get("decision_rights")), runner_by_name.get(str(b.get("name", "")).casefold()))
        for b in organisation.get("governance_bodies") or [] if b.get("id")
    ]
    names = {b.name.casefold() for b in bodies}
    bodies += [
        Body("forum", str(c["id"]), str(c.get("name") or "Forum"), c.get("frequency"), (), c.get("owner"))
        for c in forums if c.get("id") and str(c.get("name", "")).casefold() not in names
    ]
    return bodies


def body_of(partnership_id: int, key: str) -> Body | None:
    return next((b for b in bodies_of(partnership_id) if b.key == key), None)


# -- recording ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    text: str
    party_id: int | None
    due_on: date | None


@dataclass(frozen=True)
class DecisionInput:
    text: str
    right: int | None  # index into the body's rights; None: outside them


class MeetingProblems(RuleViolation):
    """Every problem of a meeting's form at once, by field name."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(next(iter(problems.values())), next(iter(problems)))
        self.problems = problems


def record_meeting(membership: Membership, body: Body, held_on: date | None, attendance: dict[int, str],
                   minutes: str, decisions: list[DecisionInput], *, headcounts: dict[int, int] | None = None,
                   length_minutes: int | None = None, actions: list[ActionInput] = (),
                   at: datetime | None = None) -> Meeting:
    """Record a meeting `body` held. `attendance`: party id -> who came (in words) for each party
    that took part; `headcounts`: party id -> how many people came, where given; `length_minutes`:
    how long it lasted, where given (with the headcounts, each party's time on the body);
    `actions`: what it asked of a party by a day (each a promise of that party).
    Raises MeetingProblems (every field's problem) or RuleViolation."""
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only editors and admins can record meetings.")
    now = at or utcnow()
    parties = {p.id: p for p in db.session.scalars(sa.select(Party).where(
        Party.partnership_id == membership.partnership_id, Party.left_at.is_(None)))}
    problems: dict[str, str] = {}
    if held_on is None:
        problems["held_on"] = "Give the day the meeting was held."
    elif held_on > now.date():
        problems["held_on"] = "Record a meeting once it has been held: this day is still to come."
    if not attendance:
        problems["attendance"] = "Tick every party that took part: at least one did."
    elif any(party_id not in parties for party_id in attendance):
        problems["attendance"] = "Only the partnership's parties can take part."
    elif any(len(people or "") > 300 for people in attendance.values()):
        problems["attendance"] = "Keep who came to 300 characters per party."
    headcounts = headcounts or {}
    if "attendance" not in problems:
        if any(party_id not in attendance for party_id in headcounts):
            problems["attendance"] = "Tick the party whose people you counted."
        elif any(not 1 <= count <= HEADCOUNT_MAX for count in headcounts.values()):
            problems["attendance"] = f"Count from 1 to {HEADCOUNT_MAX} people per party."
    if length_minutes is not None and not LENGTH_MINUTES[0] <= length_minutes <= LENGTH_MINUTES[1]:
        problems["length_hours"] = "Give a length from a quarter of an hour to 24 hours."
    if len(minutes or "") > MINUTES_MAX:
        problems["minutes"] = f"Keep the minutes to {MINUTES_MAX:,} characters (these have {len(minutes):,})."
    if len(decisions) > DECISIONS_MAX:
        problems["decisions"] = f"Record at most {DECISIONS_MAX} decisions a meeting."
    for n, decision in enumerate(decisions):
        if len(decision.text) > DECISION_MAX:
            problems[f"decision-{n}"] = f"Keep a decision to {DECISION_MAX} characters."
        elif decision.right is not None and not 0 <= decision.right < len(body.rights):
            problems[f"decision-{n}"] = "Choose one of the body's decision rights, or none of them."
    if len(actions) > ACTIONS_MAX:
        problems["actions"] = f"Record at most {ACTIONS_MAX} actions a meeting."
    for n, action in enumerate(actions):
        if not action.text.strip():
            problems[f"action-{n}"] = "Say what is to be done."
        elif len(action.text) > DECISION_MAX:
            problems[f"action-{n}"] = f"Keep an action to {DECISION_MAX} characters."
        elif action.party_id not in parties:
            problems[f"action-{n}"] = "Choose the party that is to do it."
        elif action.due_on is None:
            problems[f"action-{n}"] = "Give the day it is due."
        elif held_on is not None and action.due_on < held_on:
            problems[f"action-{n}"] = "It cannot be due before the meeting was held."
    if problems:
        raise MeetingProblems(problems)
    meeting = Meeting(
        partnership_id=membership.partnership_id, body_kind=body.kind, body_ref=body.ref, body_name=body.name,
        held_on=held_on, minutes=(minutes or "").strip(), minutes_html=render_markdown(minutes),
        length_minutes=length_minutes,
        actions=[{"n": n, "text": action.text.strip(), "party_id": action.party_id,
                  "party_name": parties[action.party_id].name, "due_on": action.due_on.isoformat()}
                 for n, action in enumerate(actions)],
        attendance=[{"party_id": pid, "name": parties[pid].name, "people": (attendance[pid] or "").strip(),
                     "count": headcounts.get(pid)} for pid in sorted(attendance)],
        recorded_by_id=membership.user_id, recorded_party_id=membership.party_id,
        recorded_party_name=membership.party.name, recorded_at=now,
    )
    for n, decision in enumerate(decisions):
        right = body.rights[decision.right] if decision.right is not None else None
        meeting.decisions.append(Decision(partnership_id=membership.partnership_id, position=n,
                                          text=decision.text.strip(), right=right, within_rights=right is not None))
    db.session.add(meeting)
    db.session.flush()
    outside = [d for d in meeting.decisions if not d.within_rights]
    record_event("meeting.recorded", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=meeting,
                 details={"body": body.name, "held_on": f"{held_on:%-d %B %Y}", "decisions": len(meeting.decisions),
                          "outside": len(outside)})
    link = meeting_path(meeting)
    flag = (f"; {len(outside)} decision{'s' if len(outside) != 1 else ''} outside its rights" if outside else "")
    asked = [f"{a['party_name']} to {a['text']} by {date.fromisoformat(a['due_on']):%-d %B}" for a in meeting.actions]
    notify_other_parties(membership, "meeting_recorded", link=link,
                         title=f"{membership.party.name} recorded the {body.name} meeting of {held_on:%-d %B %Y}{flag}",
                         body="; ".join([*(d.text for d in meeting.decisions), *asked])[:300]
                         or "No decisions recorded.",
                         dedupe_key=f"meeting_recorded:{meeting.id}")
    return meeting


def meeting_path(meeting: Meeting) -> str:
    return path_for("promises.meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id)


def meetings_of(partnership_id: int) -> list[Meeting]:
    """The partnership's meetings, the latest first."""
    return list(db.session.scalars(
        sa.select(Meeting).where(Meeting.partnership_id == partnership_id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .options(sa.orm.selectinload(Meeting.decisions), sa.orm.joinedload(Meeting.recorded_by))
    ))


def decisions_of(partnership_id: int, *, outside_only: bool = False) -> list[Decision]:
    """The decision register: every decision, the latest meeting first."""
    query = (sa.select(Decision).join(Meeting).where(Decision.partnership_id == partnership_id)
             .order_by(Meeting.held_on.desc(), Meeting.id.desc(), Decision.position)
             .options(sa.orm.contains_eager(Decision.meeting)))
    if outside_only:
        query = query.where(Decision.within_rights.is_(False))
    return list(db.session.scalars(query))


# -- cadence -----------------------------------------------------------------------------------


def add_step(day: date, frequency: str, times: int = 1) -> date:
    days, months = STEPS[frequency]
    if days:
        return day + timedelta(days=days * times)
    month = day.month - 1 + months * times
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # the last day
    held: list[Meeting]


def windows(body: Body, meetings: list[Meeting], today: date) -> list[Window]:
    """The body's cadence as windows from its first recorded meeting up to the one today is in,
    each with the meetings held in it (a body that records none has none: its cadence is counted
    from the day the parties start recording it)."""
    if not body.tracked:
        return []
    held = sorted((m for m in meetings if m.body_kind == body.kind and m.body_ref == body.ref),
                  key=lambda m: m.held_on)
    if not held:
        return []
    first, found, n = held[0].held_on, [], 0
    while (start := add_step(first, body.frequency, n)) <= today:
        end = add_step(first, body.frequency, n + 1) - timedelta(days=1)
        found.append(Window(start, end, [m for m in held if start <= m.held_on <= end]))
        n += 1
    return found


@dataclass(frozen=True)
class Drift:
    body: Body
    windows: int  # complete windows since the first recorded meeting (the last eight at most)
    met: int
    last_held: date | None

    @property
    def missed(self) -> int:
        return self.windows - self.met

    @property
    def drifting(self) -> bool:
        """The plan no longer describes what the parties do: at least two of the last windows
        went without a meeting."""
        return self.missed >= 2


DRIFT_WINDOWS = 8


def drift_of(partnership_id: int, today: date | None = None, meetings: list[Meeting] | None = None) -> list[Drift]:
    """Each tracked body's declared cadence against its recorded meetings."""
    today = today or utcnow().date()
    meetings = meetings_of(partnership_id) if meetings is None else meetings
    found = []
    for body in bodies_of(partnership_id):
        complete = [w for w in windows(body, meetings, today) if w.end < today][-DRIFT_WINDOWS:]
        held = [m.held_on for m in meetings if m.body_kind == body.kind and m.body_ref == body.ref]
        found.append(Drift(body, len(complete), sum(1 for w in complete if w.held), max(held, default=None)))
    return found
