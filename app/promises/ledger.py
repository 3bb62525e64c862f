"""The promise ledger: every dated commitment in a partnership, read from the record it lives in.

A promise has a promisor party (and a person where the record names one), the parties it was
made to, a due date, its source and an outcome:

- *kept on time* or *kept late* (by so many days): when the record says it was kept (an action
  done, a submission or agreement made, a signature given) or the promisee confirmed it;
- *broken*: an action dropped, a version never signed by its deadline, or the promisee's word;
- *released*: every party agreed to release it (a consent proposal);
- *open*: none of those yet (overdue once its due date has passed).

The record wins over anyone's word where it knows (a promisee's "broken" on an overdue action
gives way when the action is done); a release stands over both. The promisor may contest the
standing outcome: the promise then shows as disputed, with both views.

Parties are named as the record names them (a cycle's or a version's parties as they were),
people by their names now. Days are UTC days, as deadlines are. Nothing of an assessment's
content is read: only when a party submitted, which every party sees before the reveal too.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.extensions import db
from app.links import path_for
from app.partnerships.models import Partnership, Party
from app.partnerships.parties import RecordParty, record_parties
from app.plan_sections.progress import add_months
from app.plan_sections.reading import current_content
from app.plan_versions.deadlines import deadline_end
from app.plan_versions.models import PlanSignature, PlanVersion
from app.promises.escalations import step_due as escalation_due
from app.promises.escalations import step_ended
from app.promises.meetings import bodies_of, meetings_of, windows
from app.promises.models import Escalation, PromiseRecord
from app.review_cycle.cycles import stage_due_dates
from app.review_cycle.models import (
    CLOSED,
    STAGE_LABELS,
    Assessment,
    AssessmentSubmission,
    ImprovementAction,
    ReviewCycle,
    StageAgreement,
)
from app.types import utcnow

SOURCES = {
    "action": "Improvement action",
    "objective": "Objective",
    "actual": "Measure actual",
    "submission": "Review submission",
    "agreement": "Stage agreement",
    "signature": "Signature",
    "meeting": "Meeting",
    "exit_step": "Disengagement step",
    "escalation": "Escalation",
    "meeting_action": "Action from a meeting",
}
OUTCOMES = {
    "open": "Open",
    "kept_on_time": "Kept on time",
    "kept_late": "Kept late",
    "broken": "Broken",
    "released": "Released by agreement",
}
# Sources whose record never says whether the promise was kept: the promisee confirms it.
CONFIRMED_BY_PROMISEE = frozenset({"objective", "exit_step", "meeting_action"})
# "within 30 days of notice", "2 weeks", "in 3 months": a step's timing in the exit arrangements.
TIMING = re.compile(r"(\d{1,4})\s*(day|week|month)s?\b", re.IGNORECASE)
EXIT_STATUSES = ("exiting", "ended")


@dataclass
class Promise:
    key: str
    source: str
    title: str
    link: str
    promisor: RecordParty
    promisees: tuple[RecordParty, ...]
    due_on: date
    person: str | None = None
    # What the record says: "open", "kept" (on `kept_on`) or "broken", and in words how it knows.
    state: str = "open"
    kept_on: date | None = None
    known_from: str = ""
    record: PromiseRecord | None = field(default=None, repr=False)
    today: date | None = None

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    @property
    def outcome(self) -> str:
        if self.state == "kept":
            return "kept_on_time" if self.kept_on <= self.due_on else "kept_late"
        return self.state

    @property
    def outcome_label(self) -> str:
        label = OUTCOMES[self.outcome]
        if self.outcome == "kept_late":
            return f"{label} ({_days(self.lateness)})"
        if self.overdue:
            return f"Open, overdue by {_days(self.overdue_days)}"
        return label

    @property
    def lateness(self) -> int:
        """Days after the due date it was kept (0 when on time or not kept)."""
        return max(0, (self.kept_on - self.due_on).days) if self.state == "kept" else 0

    @property
    def overdue(self) -> bool:
        return self.state == "open" and self.today is not None and self.today > self.due_on

    @property
    def overdue_days(self) -> int:
        return (self.today - self.due_on).days if self.overdue else 0

    @property
    def due(self) -> bool:
        """Whether it counts for reliability yet: its day has passed or it was decided, and it
        was not released."""
        if self.state == "released":
            return False
        return self.state != "open" or self.overdue

    @property
    def disputed(self) -> bool:
        return self.record is not None and self.record.disputed

    @property
    def confirmed_by_promisee(self) -> bool:
        return self.source in CONFIRMED_BY_PROMISEE

    def made_to(self, party_id: int) -> bool:
        return any(party.id == party_id for party in self.promisees)


def _days(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'}"


def _kept(promise: Promise, at: datetime | date, how: str) -> None:
    promise.state = "kept"
    promise.kept_on = at.date() if isinstance(at, datetime) else at
    promise.known_from = how


# -- reading the sources -----------------------------------------------------------------------


class _Names:
    """Parties and people named once for the whole ledger."""

    def __init__(self, partnership_id: int):
        self.parties = {p.id: p for p in db.session.scalars(sa.select(Party).where(
            Party.partnership_id == partnership_id))}
        self._people: dict[int, str] = {}
        self._wanted: set[int] = set()

    def party(self, party_id: int, recorded: Iterable[RecordParty] = ()) -> RecordParty:
        for party in recorded:
            if party.id == party_id:
                return party
        found = self.parties.get(party_id)
        return RecordParty(party_id, found.name if found is not None else "A former party")

    def others(self, party_id: int, recorded: list[RecordParty]) -> tuple[RecordParty, ...]:
        return tuple(party for party in recorded if party.id != party_id)

    def current(self) -> list[RecordParty]:
        return [RecordParty(p.id, p.name) for p in sorted(self.parties.values(), key=lambda p: p.id)
                if p.left_at is None]

    def want(self, user_id: int | None) -> None:
        if user_id is not None:
            self._wanted.add(user_id)

    def load_people(self) -> None:
        missing = self._wanted - set(self._people)
        if missing:
            self._people.update(db.session.execute(
                sa.select(User.id, User.full_name).where(User.id.in_(missing))).all())

    def person(self, user_id: int | None) -> str | None:
        return self._people.get(user_id) if user_id is not None else None


def _actions(partnership_id: int, cycles: dict[int, ReviewCycle], names: _Names) -> list[tuple[Promise, int | None]]:
    found = []
    for action in db.session.scalars(sa.select(ImprovementAction).where(
            ImprovementAction.partnership_id == partnership_id).order_by(ImprovementAction.id)):
        cycle = cycles.get(action.cycle_id)
        recorded = record_parties(cycle.parties) if cycle is not None else names.current()
        promise = Promise(
            key=f"action:{action.id}", source="action", title=action.title,
            link=path_for("review_cycle.action", partnership_id=partnership_id, cycle_id=action.cycle_id,
                          action_id=action.id),
            promisor=names.party(action.owner_party_id, recorded),
            promisees=names.others(action.owner_party_id, recorded), due_on=action.due_on,
        )
        if action.status == "done" and action.done_at is not None:
            _kept(promise, action.done_at, "Marked done")
        elif action.status == "dropped":
            promise.state, promise.known_from = "broken", "Dropped"
        names.want(action.owner_user_id)
        found.append((promise, action.owner_user_id))
    return found


def _objectives(partnership_id: int, names: _Names) -> list[tuple[Promise, int | None]]:
    content = current_content(partnership_id, "business_case")
    current = names.current()
    found = []
    for item in (content.get("items") or {}).get("objectives") or []:
        target = item.get("target_date")
        owner = item.get("owner_party")
        if not target or not isinstance(owner, int):
            continue
        promise = Promise(
            key=f"objective:{item['id']}", source="objective", title=str(item.get("title") or "Objective"),
            link=path_for("coediting.section", partnership_id=partnership_id, section_key="business_case",
                          _anchor=f"item-{item['id']}"),
            promisor=names.party(owner, current), promisees=names.others(owner, current),
            due_on=date.fromisoformat(target),
        )
        found.append((promise, None))
    return found


def exit_started_on(partnership_id: int) -> date | None:
    """The day the partnership's exit was triggered (its status became "exiting", by the parties'
    agreement or an admin alone before any other party took part), while it is exiting or ended."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None or partnership.status not in EXIT_STATUSES:
        return None
    events = db.session.execute(sa.select(AuditEvent.occurred_at, AuditEvent.details).where(
        AuditEvent.partnership_id == partnership_id, AuditEvent.action == "partnership.updated",
    ).order_by(AuditEvent.id.desc()))
    for occurred_at, details in events:
        status = (details or {}).get("status")
        if isinstance(status, list) and len(status) == 2 and status[1] == "exiting":
            return occurred_at.date()
    return partnership.created_at.date()  # created exiting: from the day it was recorded


def step_due(started: date, timing: str | None, notice_days: int | None) -> date | None:
    """When a disengagement step is due: its timing's days, weeks or months from the exit's
    start, else by the end of the longest notice period; None when neither says."""
    match = TIMING.search(timing or "")
    if match:
        count, unit = int(match.group(1)), match.group(2).lower()
        if unit == "month":
            return add_months(started, count)
        return started + timedelta(days=count * (7 if unit == "week" else 1))
    return started + timedelta(days=notice_days) if notice_days else None


def _exit_steps(partnership_id: int, names: _Names) -> list[tuple[Promise, int | None]]:
    started = exit_started_on(partnership_id)
    if started is None:
        return []
    content = current_content(partnership_id, "exit_arrangements")
    items = content.get("items") or {}
    notices = [t.get("notice_days") for t in items.get("triggers") or [] if isinstance(t.get("notice_days"), int)]
    current = names.current()
    found = []
    for step in items.get("steps") or []:
        party = step.get("responsible")
        due = step_due(started, step.get("timing"), max(notices, default=None))
        if not isinstance(party, int) or due is None:
            continue
        found.append((Promise(
            key=f"exit_step:{step['id']}", source="exit_step", title=str(step.get("step") or "Disengagement step"),
            link=path_for("coediting.section", partnership_id=partnership_id, section_key="exit_arrangements",
                          _anchor=f"item-{step['id']}"),
            promisor=names.party(party, current), promisees=names.others(party, current), due_on=due,
        ), None))
    return found


def _escalations(partnership_id: int, names: _Names) -> list[tuple[Promise, int | None]]:
    """Each level an issue reached with a time to resolve: a promise of every party to settle it
    there, or take it up a level, in time."""
    current = names.current()
    found = []
    for issue in db.session.scalars(sa.select(Escalation).where(Escalation.partnership_id == partnership_id)
                                    .order_by(Escalation.id)):
        link = path_for("promises.escalation", partnership_id=partnership_id, escalation_id=issue.id)
        for index, step in enumerate(issue.steps):
            due = escalation_due(step)
            if due is None:
                continue
            ended = step_ended(issue, index)
            for party in current:
                promise = Promise(
                    key=f"escalation:{issue.id}:{index}:{party.id}", source="escalation",
                    title=(f"Settle “{issue.title}” at level {step['level']} ({step['name']}) within "
                           f"{_days(step['resolve_days'])}, or take it up"),
                    link=link, promisor=party, promisees=names.others(party.id, current), due_on=due,
                )
                if ended is not None:
                    how = ("Resolved" if index == len(issue.steps) - 1 else f"Taken up to level "
                           f"{issue.steps[index + 1]['level']}") + f" on {ended:%-d %B %Y}"
                    _kept(promise, ended, how)
                found.append((promise, None))
    return found


def _cycle_promises(partnership_id: int, cycles: dict[int, ReviewCycle],
                    names: _Names) -> list[tuple[Promise, int | None]]:
    if not cycles:
        return []
    first_submitted: dict[tuple[int, int], tuple[datetime, int | None]] = {}
    rows = db.session.execute(
        sa.select(Assessment.cycle_id, Assessment.party_id, AssessmentSubmission.submitted_at,
                  AssessmentSubmission.submitted_by_id)
        .join(AssessmentSubmission, AssessmentSubmission.assessment_id == Assessment.id)
        .where(Assessment.cycle_id.in_(cycles))
        .order_by(AssessmentSubmission.number)
    )
    for cycle_id, party_id, at, by in rows:
        first_submitted.setdefault((cycle_id, party_id), (at, by))
    agreements: dict[tuple[int, str, int], list[StageAgreement]] = {}
    for agreement in db.session.scalars(sa.select(StageAgreement).where(StageAgreement.cycle_id.in_(cycles))
                                        .order_by(StageAgreement.agreed_at, StageAgreement.id)):
        agreements.setdefault((agreement.cycle_id, agreement.stage, agreement.party_id), []).append(agreement)

    found = []
    for cycle in cycles.values():
        recorded = record_parties(cycle.parties)
        gone = {p.id for p in recorded if (names.parties.get(p.id) is not None and names.parties[p.id].left_at)}
        review_link = path_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle.id)
        for party in recorded:
            submitted = first_submitted.get((cycle.id, party.id))
            if party.id in gone and submitted is None:
                continue  # a party that left is waited for no more
            promisees = names.others(party.id, recorded)
            promise = Promise(
                key=f"submission:{cycle.id}:{party.id}", source="submission",
                title=f"Submit its assessment for the {cycle.name}", link=review_link,
                promisor=party, promisees=promisees, due_on=cycle.review_due_on,
            )
            user_id = None
            if submitted is not None:
                _kept(promise, submitted[0], "Submitted")
                user_id = submitted[1]
            names.want(user_id)
            found.append((promise, user_id))
            for measure in cycle.measures or []:
                if measure.get("data_owner") != party.id:
                    continue
                actual = Promise(
                    key=f"actual:{cycle.id}:{measure['id']}", source="actual",
                    title=f"The actual of {measure['name']} for the {cycle.name}", link=review_link,
                    promisor=party, promisees=promisees, due_on=cycle.review_due_on,
                )
                if submitted is not None:
                    _kept(actual, submitted[0], "Given with its submission")
                found.append((actual, user_id))
        found.extend(_agreements(cycle, recorded, gone, agreements, names))
    return found


def _agreements(cycle: ReviewCycle, recorded: list[RecordParty], gone: set[int],
                agreements: dict, names: _Names) -> list[tuple[Promise, int | None]]:
    dues = stage_due_dates(cycle)
    reached = len(cycle.stages) if cycle.stage == CLOSED else cycle.stages.index(cycle.stage) + 1
    found = []
    started: date | None = cycle.revealed_at.date() if cycle.revealed_at else None
    for position, stage in enumerate(cycle.stages[:reached]):
        moved_on = position + 1 < reached or cycle.stage == CLOSED
        # Nobody can agree a stage before it can be agreed: the Review waits for every
        # submission, and each later stage starts when the one before ends, and then has the
        # days the schedule gave it. A party is late only after its due date or after that.
        due = dues[stage]
        if started is not None:
            length = (dues[stage] - dues[cycle.stages[position - 1]]).days if position else 0
            due = max(due, started + timedelta(days=length))
        ended = [a.agreed_at.date() for party in recorded for a in agreements.get((cycle.id, stage, party.id), [])]
        for party in recorded:
            made = agreements.get((cycle.id, stage, party.id), [])
            live = [a for a in made if a.withdrawn_at is None]
            if party.id in gone and not made:
                continue
            promise = Promise(
                key=f"agreement:{cycle.id}:{stage}:{party.id}", source="agreement",
                title=(f"Agree to close the {cycle.name}" if stage == cycle.stages[-1]
                       else f"Agree to move the {cycle.name} on from {STAGE_LABELS[stage]}"),
                link=path_for("review_cycle.show", partnership_id=cycle.partnership_id, cycle_id=cycle.id),
                promisor=party, promisees=names.others(party.id, recorded), due_on=due,
            )
            kept = live[-1] if live else (made[0] if made and moved_on else None)
            user_id = None
            if kept is not None:
                _kept(promise, kept.agreed_at, "Agreed")
                user_id = kept.user_id
            names.want(user_id)
            found.append((promise, user_id))
        started = max(ended) if moved_on and ended else None
    return found


def _signatures(partnership_id: int, names: _Names) -> list[tuple[Promise, int | None]]:
    versions = list(db.session.scalars(sa.select(PlanVersion).where(
        PlanVersion.partnership_id == partnership_id, PlanVersion.sign_by.is_not(None)).order_by(PlanVersion.id)))
    if not versions:
        return []
    signed = {(s.version_id, s.party_id): s for s in db.session.scalars(
        sa.select(PlanSignature).where(PlanSignature.version_id.in_([v.id for v in versions])))}
    found = []
    for version in versions:
        recorded = record_parties(version.parties)
        end = deadline_end(version)
        for party in recorded:
            signature = signed.get((version.id, party.id))
            promise = Promise(
                key=f"signature:{version.id}:{party.id}", source="signature", title=f"Sign plan {version.label}",
                link=path_for("plan_versions.show", partnership_id=partnership_id, version_id=version.id),
                promisor=party, promisees=names.others(party.id, recorded), due_on=version.sign_by,
            )
            user_id = None
            if signature is not None:
                _kept(promise, signature.signed_at, "Signed")
                user_id = signature.signer_id
            elif version.status in ("withdrawn", "declined"):
                if version.status == "withdrawn":
                    promise.state = "released"
                    promise.known_from = "The version was withdrawn by every party's agreement"
                elif version.closed_at is not None and version.closed_at >= end:
                    promise.state, promise.known_from = "broken", "Not signed by the deadline; the version was declined"
                else:
                    continue  # declined before anything was due: nothing was owed
            names.want(user_id)
            found.append((promise, user_id))
    return found


def _meetings(partnership_id: int, names: _Names, today: date) -> list[tuple[Promise, int | None]]:
    """One promise per window of each tracked body's cadence, from its first recorded meeting:
    the party that runs it promises to hold it; a body no party runs, each party to take part."""
    found = []
    meetings = meetings_of(partnership_id)
    current = names.current()
    for body in bodies_of(partnership_id):
        link = path_for("promises.meetings_page", partnership_id=partnership_id, _anchor=f"body-{body.kind}-{body.ref}")
        for window in windows(body, meetings, today):
            span = f"{window.start:%-d %b}–{window.end:%-d %b %Y}"
            if body.runner_id is not None:
                pledges = [(names.party(body.runner_id, current), f"Hold the {body.name} ({body.cadence}), {span}",
                            window.held)]
            else:
                pledges = [(party, f"Take part in the {body.name} ({body.cadence}), {span}",
                            [m for m in window.held if party.id in m.party_ids]) for party in current]
            for party, title, held in pledges:
                promise = Promise(
                    key=f"meeting:{body.key}:{window.start.isoformat()}:{party.id}", source="meeting", title=title,
                    link=link, promisor=party, promisees=names.others(party.id, current), due_on=window.end,
                )
                if held:
                    _kept(promise, held[0].held_on, f"Met: {held[0].body_name}")
                elif window.end < today:
                    promise.state, promise.known_from = "broken", "No meeting was recorded in the window"
                found.append((promise, None))
    for meeting in meetings:  # what each meeting asked a party to do
        for action in meeting.actions or []:
            promisor = names.party(action["party_id"], [RecordParty(action["party_id"], action["party_name"])])
            found.append((Promise(
                key=f"meeting_action:{meeting.id}:{action['n']}", source="meeting_action", title=action["text"],
                link=path_for("promises.meeting", partnership_id=partnership_id, meeting_id=meeting.id),
                promisor=promisor, promisees=names.others(promisor.id, current),
                due_on=date.fromisoformat(action["due_on"]),
            ), None))
    return found


# -- the ledger --------------------------------------------------------------------------------


def _apply_record(promise: Promise, record: PromiseRecord | None) -> None:
    promise.record = record
    if record is None:
        return
    if record.released_at is not None:
        promise.state, promise.kept_on = "released", None
        promise.known_from = f"Released by every party's agreement: {record.release_reason}".rstrip(": ")
        return
    if record.outcome is None:
        return
    if record.agreed_at is None and promise.state != "open" and not promise.confirmed_by_promisee:
        return  # the record knows better than one side's word
    who = f"{record.outcome_party_name}" if record.outcome_party_name else "the promisee"
    if record.agreed_at is not None:
        how = f"Agreed by {who}, as {record.contested_party_name or 'the promisor'} stated"
        if record.outcome == "kept":
            _kept(promise, record.kept_on, how)
        else:
            promise.state, promise.kept_on, promise.known_from = "broken", None, how
    elif record.outcome == "kept":
        _kept(promise, record.kept_on, f"Confirmed by {who}")
    else:
        promise.state, promise.kept_on, promise.known_from = "broken", None, f"Recorded as broken by {who}"


def promises_of(partnership_id: int, today: date | None = None) -> list[Promise]:
    """Every promise of the partnership, by due date (then source and key)."""
    today = today or utcnow().date()
    names = _Names(partnership_id)
    cycles = {c.id: c for c in db.session.scalars(sa.select(ReviewCycle).where(
        ReviewCycle.partnership_id == partnership_id).order_by(ReviewCycle.id))}
    found = [
        *_actions(partnership_id, cycles, names),
        *_objectives(partnership_id, names),
        *_cycle_promises(partnership_id, cycles, names),
        *_signatures(partnership_id, names),
        *_meetings(partnership_id, names, today),
        *_exit_steps(partnership_id, names),
        *_escalations(partnership_id, names),
    ]
    names.load_people()
    records = {r.key: r for r in db.session.scalars(sa.select(PromiseRecord).where(
        PromiseRecord.partnership_id == partnership_id).options(
        sa.orm.joinedload(PromiseRecord.outcome_by), sa.orm.joinedload(PromiseRecord.contested_by)))}
    promises = []
    for promise, user_id in found:
        promise.person = names.person(user_id)
        promise.today = today
        _apply_record(promise, records.get(promise.key))
        promises.append(promise)
    promises.sort(key=lambda p: (p.due_on, list(SOURCES).index(p.source), p.key))
    return promises


def promise_of(partnership_id: int, key: str, today: date | None = None) -> Promise | None:
    return next((p for p in promises_of(partnership_id, today) if p.key == key), None)


@dataclass(frozen=True)
class LedgerFilters:
    party_id: int | None = None
    source: str | None = None
    outcome: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    disputed: bool = False

    @property
    def active(self) -> bool:
        return any((self.party_id, self.source, self.outcome, self.due_from, self.due_to, self.disputed))

    def keep(self, promise: Promise) -> bool:
        if self.party_id is not None and promise.promisor.id != self.party_id:
            return False
        if self.source and promise.source != self.source:
            return False
        if self.outcome == "overdue":
            if not promise.overdue:
                return False
        elif self.outcome and promise.outcome != self.outcome:
            return False
        if self.due_from and promise.due_on < self.due_from:
            return False
        if self.due_to and promise.due_on > self.due_to:
            return False
        return not (self.disputed and not promise.disputed)


def filtered(promises: list[Promise], filters: LedgerFilters) -> list[Promise]:
    return [p for p in promises if filters.keep(p)]
