"""What people do with a promise: the promisee confirms its outcome, the promisor contests it
(and may withdraw the contest), the promisee accepts a contest, and every party agrees to
release it (release.py, through a consent proposal).

Each change goes through the promise's one `PromiseRecord` row, locked, and names the version
of it the person saw: if someone changed it meanwhile, the change is refused with what they
recorded, never written over it.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.services import record_event
from app.extensions import db
from app.notifications.services import members_of_party, notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership
from app.promises.ledger import Promise, promise_of
from app.promises.models import PromiseRecord
from app.rules import RuleViolation
from app.types import utcnow

NOTE_MAX = 1000


class PromiseError(RuleViolation):
    """A change the promise cannot take; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 409, field: str | None = None):
        super().__init__(message, field)
        self.status = status


def find(membership: Membership, key: str) -> Promise:
    promise = promise_of(membership.partnership_id, key)
    if promise is None:
        raise LookupError(key)
    return promise


def locked_record(partnership_id: int, key: str) -> PromiseRecord:
    """The promise's record, locked for this transaction (made the first time it is needed)."""
    # populate_existing: the ledger read this row before the lock; what counts is the row as the
    # lock finds it (another answer may have been committed while this one waited).
    query = (sa.select(PromiseRecord).where(PromiseRecord.partnership_id == partnership_id, PromiseRecord.key == key)
             .with_for_update().execution_options(populate_existing=True))
    record = db.session.scalar(query)
    if record is not None:
        return record
    try:
        with db.session.begin_nested():
            db.session.add(PromiseRecord(partnership_id=partnership_id, key=key, version=0))
    except IntegrityError:
        pass  # someone else made it at the same moment: lock theirs
    return db.session.scalar(query)


def _check_version(record: PromiseRecord, seen: int) -> None:
    if record.version == seen:
        return
    if record.contested_at is not None and record.contested_at >= (record.outcome_at or record.contested_at):
        what = f"{record.contested_by.full_name} ({record.contested_party_name}) contested it"
    elif record.outcome_at is not None:
        what = f"{record.outcome_by.full_name} ({record.outcome_party_name}) recorded an outcome"
    else:
        what = "someone changed it"
    raise PromiseError(f"{what} while you were looking: read the promise again, then answer.")


def _note(note: str | None, *, required: bool, what: str) -> str:
    text = (note or "").strip()
    if required and not text:
        raise PromiseError(f"Say {what}.", 400, "note")
    if len(text) > NOTE_MAX:
        raise PromiseError(f"Keep it to {NOTE_MAX} characters (this has {len(text)}).", 400, "note")
    return text


def _day(kept_on: date | None, promise: Promise, today: date) -> date:
    if kept_on is None:
        raise PromiseError("Give the day it was kept.", 400, "kept_on")
    if kept_on > today:
        raise PromiseError("A promise cannot have been kept on a day still to come.", 400, "kept_on")
    return kept_on


def _may_write(membership: Membership) -> None:
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise PromiseError("Only editors and admins can answer for their party.", 403)


def may_confirm(membership: Membership, promise: Promise) -> bool:
    return (has_permission(membership, Permission.EDIT_PLAN) and promise.made_to(membership.party_id)
            and bool(confirm_choices(promise)))


def confirm_choices(promise: Promise) -> tuple[str, ...]:
    """What the promisee may record: any outcome where only its word can tell, "broken" for an
    overdue promise the record has not settled; nothing once released or agreed."""
    if promise.state == "released" or (promise.record is not None and promise.record.agreed_at is not None):
        return ()
    if promise.confirmed_by_promisee:
        return ("kept", "broken")
    return ("broken",) if promise.overdue else ()


def may_contest(membership: Membership, promise: Promise) -> bool:
    return (has_permission(membership, Permission.EDIT_PLAN) and promise.promisor.id == membership.party_id
            and promise.outcome in ("kept_late", "broken") and not promise.disputed
            and not (promise.record is not None and promise.record.agreed_at is not None))


def may_accept_contest(membership: Membership, promise: Promise) -> bool:
    return (promise.disputed and promise.made_to(membership.party_id)
            and has_permission(membership, Permission.EDIT_PLAN))


def may_withdraw_contest(membership: Membership, promise: Promise) -> bool:
    return (promise.disputed and promise.promisor.id == membership.party_id
            and has_permission(membership, Permission.EDIT_PLAN))


def confirm(membership: Membership, key: str, outcome: str, kept_on: date | None, note: str, seen: int, *,
            at: datetime | None = None) -> PromiseRecord:
    """The promisee records the outcome (kept on a day, or broken)."""
    _may_write(membership)
    promise = find(membership, key)
    if not promise.made_to(membership.party_id):
        raise PromiseError(f"Only the parties it was made to can say whether {promise.promisor.name} kept it.", 403)
    choices = confirm_choices(promise)
    if not choices:
        raise PromiseError("It was released by every party's agreement." if promise.state == "released"
                           else "Its outcome is settled by the record; the promisor may contest it.")
    if outcome not in choices:
        raise PromiseError("Choose kept or broken." if len(choices) > 1 else
                           "The record will say when it is kept; until then you can only record it as broken.",
                           400, "outcome")
    now = at or utcnow()
    day = _day(kept_on, promise, now.date()) if outcome == "kept" else None
    text = _note(note, required=outcome == "broken", what="what was promised and not done")
    record = locked_record(membership.partnership_id, key)
    _check_version(record, seen)
    before = [record.outcome, record.kept_on.isoformat() if record.kept_on else None]
    record.outcome, record.kept_on, record.outcome_note = outcome, day, text
    record.outcome_by_id, record.outcome_party_id = membership.user_id, membership.party_id
    record.outcome_party_name, record.outcome_at = membership.party.name, now
    if record.contested_at is not None and record.contested_outcome == outcome and record.contested_kept_on == day:
        _end_contest(record)  # it now says what the promisor said
    record.version += 1
    record.updated_at = now
    db.session.flush()
    said = f"kept on {day:%-d %B %Y}" if day else "broken"
    record_event("promise.confirmed", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=record,
                 details={"promise": promise.title, "source": promise.source_label, "promisor": promise.promisor.name,
                          "outcome": said, "changes": {"outcome": before}})
    notify(members_of_party(membership.partnership_id, promise.promisor.id), "promise_outcome",
           partnership=membership.partnership, actor=membership.user,
           title=f"{membership.party.name} recorded “{promise.title}” as {said}",
           body=text or "You can contest it on the promise ledger if you see it otherwise.",
           link=promise_path(membership.partnership_id, key),
           dedupe_key=f"promise_outcome:{record.id}:{record.version}")
    return record


def _end_contest(record: PromiseRecord) -> None:
    record.contested_outcome = record.contested_kept_on = record.contested_at = record.contested_by_id = None
    record.contested_note = ""


def contest(membership: Membership, key: str, kept_on: date | None, note: str, seen: int, *,
            at: datetime | None = None) -> PromiseRecord:
    """The promisor states its own view: it kept the promise, on `kept_on`. Shown beside the
    standing outcome, which stays as it is."""
    _may_write(membership)
    promise = find(membership, key)
    if promise.promisor.id != membership.party_id:
        raise PromiseError(f"Only {promise.promisor.name} can contest the outcome of its own promise.", 403)
    if not may_contest(membership, promise):
        raise PromiseError("Already contested: withdraw that contest first." if promise.disputed else
                           "Only an outcome against the promisor (kept late, or broken) can be contested.")
    now = at or utcnow()
    day = _day(kept_on, promise, now.date())
    if promise.outcome == "kept_late" and day >= promise.kept_on:
        raise PromiseError(f"It already counts as kept on {promise.kept_on:%-d %B %Y}: give the earlier day "
                           "it was kept.",
                           400, "kept_on")
    text = _note(note, required=True, what="why the outcome is wrong")
    record = locked_record(membership.partnership_id, key)
    _check_version(record, seen)
    record.contested_outcome, record.contested_kept_on, record.contested_note = "kept", day, text
    record.contested_by_id, record.contested_party_id = membership.user_id, membership.party_id
    record.contested_party_name, record.contested_at = membership.party.name, now
    record.version += 1
    record.updated_at = now
    db.session.flush()
    record_event("promise.contested", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=record,
                 details={"promise": promise.title, "source": promise.source_label, "standing": promise.outcome_label,
                          "claimed": f"kept on {day:%-d %B %Y}", "reason": text[:500]})
    for party in promise.promisees:
        notify(members_of_party(membership.partnership_id, party.id), "promise_outcome",
               partnership=membership.partnership, actor=membership.user,
               title=f"{membership.party.name} contests “{promise.title}”: it says it was kept on {day:%-d %B %Y}",
               body=text, link=promise_path(membership.partnership_id, key),
               dedupe_key=f"promise_contested:{record.id}:{record.version}:{party.id}")
    return record


def withdraw_contest(membership: Membership, key: str, seen: int, *, at: datetime | None = None) -> PromiseRecord:
    _may_write(membership)
    promise = find(membership, key)
    if promise.promisor.id != membership.party_id:
        raise PromiseError(f"Only {promise.promisor.name} can withdraw its contest.", 403)
    if not promise.disputed:
        raise PromiseError("Nobody contests this outcome now.")
    record = locked_record(membership.partnership_id, key)
    _check_version(record, seen)
    _end_contest(record)
    record.contested_party_name = None
    record.version += 1
    record.updated_at = at or utcnow()
    db.session.flush()
    record_event("promise.contest_withdrawn", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=record, details={"promise": promise.title})
    return record


def accept_contest(membership: Membership, key: str, seen: int, *, at: datetime | None = None) -> PromiseRecord:
    """The promisee agrees with the promisor: its view becomes the outcome, over the record's."""
    _may_write(membership)
    promise = find(membership, key)
    if not promise.made_to(membership.party_id):
        raise PromiseError(f"Only the parties {promise.promisor.name} made it to can accept its contest.", 403)
    if not promise.disputed:
        raise PromiseError("Nobody contests this outcome now.")
    now = at or utcnow()
    record = locked_record(membership.partnership_id, key)
    _check_version(record, seen)
    day = record.contested_kept_on
    record.outcome, record.kept_on, record.outcome_note = record.contested_outcome, day, record.contested_note
    record.outcome_by_id, record.outcome_party_id = membership.user_id, membership.party_id
    record.outcome_party_name, record.outcome_at, record.agreed_at = membership.party.name, now, now
    _end_contest(record)
    record.version += 1
    record.updated_at = now
    db.session.flush()
    record_event("promise.contest_accepted", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=record,
                 details={"promise": promise.title, "outcome": f"kept on {day:%-d %B %Y}"})
    notify(members_of_party(membership.partnership_id, promise.promisor.id), "promise_outcome",
           partnership=membership.partnership, actor=membership.user,
           title=f"{membership.party.name} accepts that “{promise.title}” was kept on {day:%-d %B %Y}",
           link=promise_path(membership.partnership_id, key),
           dedupe_key=f"promise_accepted:{record.id}:{record.version}")
    return record


def promise_path(partnership_id: int, key: str) -> str:
    from app.links import path_for

    return path_for("promises.show", partnership_id=partnership_id, key=key)
