"""`flask --app wsgi ermp send-reminders`: the emails that wait, sent once.

One run (safe every few minutes from cron, also two at once) does three things:

1. Reminders. Features add a source to `REMINDER_SOURCES` from their `init_app`; each run
   asks every source for the reminders due now and notifies each recipient once:
   the reminder's `dedupe_key` is unique per recipient, inserted with
   INSERT ... ON CONFLICT DO NOTHING, so a concurrent run inserting the same key
   waits and then inserts nothing (and sends nothing).
2. Batched plan changes. Section-change notifications for people who chose "email
   right away" are emailed, one email per person listing every section, once no
   save touched them for NOTIFICATION_QUIET_MINUTES. A run claims them with
   UPDATE ... SET emailed_at WHERE emailed_at IS NULL RETURNING id: a concurrent
   run's UPDATE waits for the row locks and then finds nothing left to claim.
3. Daily digests, for kinds people set to "daily digest": one email per person per
   day of their own calendar, at or after NOTIFICATION_DIGEST_HOUR in their time
   zone, listing what they have not read and no email has mentioned yet, created
   before that hour. The (person, local date) row is the claim.

Every unit of work commits on its own, its emails in the same transaction (the outbox,
app.mail), so a crash never sends without recording it; a worker then delivers each
email once, retrying it through SMTP outages.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.database import insert_once
from app.extensions import db
from app.formatting import user_zone
from app.notifications import emails
from app.notifications.kinds import KINDS, Delivery, get_kind
from app.notifications.models import Notification, NotificationDigest
from app.notifications.services import notify
from app.partnerships.models import Membership, Partnership
from app.registries import Registry
from app.types import utcnow

log = logging.getLogger("jointly.notifications")


@dataclass(frozen=True)
class Reminder:
    """Something a source says is due: who to tell, what, and its once-only key."""

    recipient: User
    kind: str
    title: str
    dedupe_key: str
    partnership: Partnership | None = None
    body: str = ""
    link: str | None = None
    actor: User | None = None
    # Run in the delivery's transaction once the reminder is delivered (never when it was
    # delivered before): a source records its audit event here, so the trail holds each
    # reminder exactly once however many runs race.
    on_delivered: Callable[[], None] | None = None


ReminderSource = Callable[[datetime], Iterable[Reminder]]
# fn(now) -> reminders due at `now`. A source may yield the same reminder on every run until
# it stops being due (an action stays overdue): the dedupe key makes sure it is delivered once.
# Put what makes it new into the key ("action_overdue:<id>:<due date>") so a changed due date
# reminds again. Query in batches: sources run every few minutes.
REMINDER_SOURCES = Registry[ReminderSource]("reminder_sources")


@dataclass
class RunReport:
    reminders: int = 0
    change_emails: int = 0
    digests: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.reminders} reminder{'s' if self.reminders != 1 else ''}, "
            f"{self.change_emails} plan-change email{'s' if self.change_emails != 1 else ''}, "
            f"{self.digests} daily digest{'s' if self.digests != 1 else ''} sent"
        )


def send_due(now: datetime | None = None) -> RunReport:
    now = now or utcnow()
    report = RunReport()
    for step in (_send_reminders, _send_plan_changes, _send_digests):
        step(now, report)
    return report


def _unit(report: RunReport, what: str, work: Callable[[], int]) -> int:
    """Run one unit of work in its own transaction; a failure is logged and skipped."""
    try:
        done = work()
        db.session.commit()
        return done
    except Exception:
        db.session.rollback()
        log.exception("send-reminders: %s failed", what)
        report.failures.append(what)
        return 0


def _still_member():
    return sa.or_(
        Notification.partnership_id.is_(None),
        sa.exists().where(
            Membership.partnership_id == Notification.partnership_id,
            Membership.user_id == Notification.recipient_id,
        ),
    )


# --- 1. Reminders -----------------------------------------------------------------


def _send_reminders(now: datetime, report: RunReport) -> None:
    for source in REMINDER_SOURCES.all():
        name = getattr(source, "__qualname__", repr(source))
        try:
            due = list(source(now))
        except Exception:
            db.session.rollback()
            log.exception("send-reminders: reminder source %s failed", name)
            report.failures.append(name)
            continue
        for reminder in _not_yet_sent(due):
            report.reminders += _unit(report, f"reminder {reminder.dedupe_key}", lambda r=reminder: _deliver(r))


def _not_yet_sent(reminders: list[Reminder]) -> list[Reminder]:
    """Drop those already delivered, with one query (the insert checks again)."""
    if not reminders:
        return []
    sent = set(
        db.session.execute(
            sa.select(Notification.recipient_id, Notification.dedupe_key).where(
                Notification.dedupe_key.in_({r.dedupe_key for r in reminders})
            )
        ).all()
    )
    return [r for r in reminders if (r.recipient.id, r.dedupe_key) not in sent]


def _deliver(reminder: Reminder) -> int:
    created = notify(
        [reminder.recipient],
        reminder.kind,
        partnership=reminder.partnership,
        title=reminder.title,
        body=reminder.body,
        link=reminder.link,
        actor=reminder.actor,
        dedupe_key=reminder.dedupe_key,
        topic=reminder.dedupe_key if get_kind(reminder.kind).batched else None,
        include_actor=True,
    )
    if created and reminder.on_delivered is not None:
        reminder.on_delivered()
    return len(created)


# --- 2. Batched plan changes ------------------------------------------------------


def _plan_change_conditions(now: datetime):
    quiet = timedelta(minutes=current_app.config["NOTIFICATION_QUIET_MINUTES"])
    return (
        Notification.kind.in_([k.key for k in KINDS.all() if k.batched]),
        Notification.delivery == Delivery.EMAIL_NOW.value,
        Notification.emailed_at.is_(None),
        Notification.digested_at.is_(None),
        Notification.read_at.is_(None),
        Notification.updated_at <= now - quiet,
        _still_member(),
    )


def _send_plan_changes(now: datetime, report: RunReport) -> None:
    recipients = db.session.scalars(
        sa.select(Notification.recipient_id).where(*_plan_change_conditions(now)).distinct()
    ).all()
    for recipient_id in recipients:
        report.change_emails += _unit(
            report, f"plan changes for user {recipient_id}", lambda r=recipient_id: _email_plan_changes(r, now)
        )


def _claim(conditions, **values) -> list[Notification]:
    """Mark the matching notifications as taken and return them; rows another run
    took first (or is taking right now) are not returned."""
    ids = db.session.scalars(
        sa.update(Notification)
        .where(*conditions)
        .values(**values)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.id.in_(ids))
            .options(joinedload(Notification.partnership))
            .execution_options(populate_existing=True)
        )
    )


def _email_plan_changes(recipient_id: int, now: datetime) -> int:
    claimed = _claim((Notification.recipient_id == recipient_id, *_plan_change_conditions(now)), emailed_at=now)
    if not claimed:
        return 0
    emails.send_batched(db.session.get(User, recipient_id), claimed)
    return 1


# --- 3. Daily digests -------------------------------------------------------------


def digest_moment(user: User, now: datetime) -> datetime:
    """The latest digest time at or before `now`, in the user's own time zone."""
    zone = user_zone(user)
    local_now = now.astimezone(zone)
    at = time(current_app.config["NOTIFICATION_DIGEST_HOUR"])
    moment = datetime.combine(local_now.date(), at, tzinfo=zone)
    if moment > local_now:
        moment = datetime.combine(local_now.date() - timedelta(days=1), at, tzinfo=zone)
    return moment


def _digest_conditions(user_id: int):
    return (
        Notification.recipient_id == user_id,
        Notification.delivery == Delivery.DAILY_DIGEST.value,
        Notification.digested_at.is_(None),
        Notification.emailed_at.is_(None),
        Notification.read_at.is_(None),
        _still_member(),
    )


def _send_digests(now: datetime, report: RunReport) -> None:
    candidates = db.session.scalars(
        sa.select(User)
        .where(
            User.active.is_(True),
            sa.exists().where(Notification.recipient_id == User.id, *_digest_conditions(User.id)[1:]),
        )
        .order_by(User.id)
    ).all()
    due = [(user.id, digest_moment(user, now)) for user in candidates]
    for user_id, moment in due:
        report.digests += _unit(report, f"digest for user {user_id}", lambda u=user_id, m=moment: _digest(u, m, now))


def _digest(user_id: int, moment: datetime, now: datetime) -> int:
    local_date: date = moment.date()
    conditions = (*_digest_conditions(user_id), Notification.created_at < moment)
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(*conditions))
    if not waiting:
        return 0
    digest_id = insert_once(
        NotificationDigest, {"user_id": user_id, "local_date": local_date, "sent_at": now}, ["user_id", "local_date"]
    )
    if digest_id is None:  # today's digest is sent (or being sent by another run)
        return 0
    claimed = _claim(conditions, digested_at=now)
    if not claimed:
        db.session.rollback()
        return 0
    db.session.get(NotificationDigest, digest_id).notification_count = len(claimed)
    emails.send_digest(db.session.get(User, user_id), claimed, local_date)
    return 1
