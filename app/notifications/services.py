"""Telling people what happened: the API every feature calls, and reading notifications.

Features call `notify` (or `notify_other_parties`) next to the change they make,
inside the same transaction. It adds one in-app notification per recipient and,
for people who chose "email right away", queues an email that is sent only after
the transaction commits. Batched kinds (section changes) coalesce: repeated saves
update one unread notification per recipient and topic, and `send-reminders`
emails them once the editing has paused. Daily digests and reminders are sent by
`app.notifications.delivery`.

Titles and bodies are short plain text (escaped wherever shown); links are
app-relative paths. Say *that* something happened, never confidential content the
recipient may not see yet (a party's blind review scores, for instance).
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.services import record_event
from app.database import insert_once
from app.extensions import db
from app.notifications import emails
from app.notifications.kinds import KINDS, Delivery, NotificationKind, get_kind, kinds_by_group
from app.notifications.models import Notification, NotificationPreference
from app.partnerships.models import Membership, Partnership
from app.rules import RuleViolation
from app.security import safe_next_url
from app.types import utcnow

TITLE_MAX = 200
BODY_MAX = 1000


# --- Who to tell ------------------------------------------------------------------


def members_of_partnership(
    partnership_id: int,
    *,
    roles: Iterable[str] | None = None,
    signatories_only: bool = False,
    party_id: int | None = None,
    exclude_party_id: int | None = None,
) -> list[User]:
    """Active members of a partnership, optionally narrowed by role, party or signatory flag."""
    query = (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership_id, User.active.is_(True))
        .order_by(User.id)
    )
    if roles is not None:
        query = query.where(Membership.role.in_([str(r) for r in roles]))
    if signatories_only:
        query = query.where(Membership.is_signatory.is_(True))
    if party_id is not None:
        query = query.where(Membership.party_id == party_id)
    if exclude_party_id is not None:
        query = query.where(Membership.party_id != exclude_party_id)
    return list(db.session.scalars(query))


def members_of_party(partnership_id: int, party_id: int, *, roles: Iterable[str] | None = None) -> list[User]:
    """The members of one party (e.g. its admins: roles=["admin"])."""
    return members_of_partnership(partnership_id, roles=roles, party_id=party_id)


def members_of_other_parties(partnership_id: int, party_id: int, *, roles: Iterable[str] | None = None) -> list[User]:
    """Everyone in the partnership except the given party's members: the symmetric 'the other side'."""
    return members_of_partnership(partnership_id, roles=roles, exclude_party_id=party_id)


# --- Telling them -----------------------------------------------------------------


def notify(
    recipients: Iterable[User],
    kind: str,
    *,
    partnership: Partnership | None,
    title: str,
    body: str = "",
    link: str | None = None,
    actor: User | None = None,
    dedupe_key: str | None = None,
    topic: str | None = None,
    include_actor: bool = False,
) -> list[Notification]:
    """Notify each recipient; returns the notifications created or updated.

    - `kind`: a key from app/notifications/kinds.py.
    - `partnership`: the partnership it is about (None for account-level news). Only
      current members of that partnership see it.
    - `title`: one plain sentence ("Dana Reyes asked you to sign v1.0"); it is also
      the email's subject. `body`: optional short plain text.
    - `link`: an app-relative path ("/partnerships/3/versions/7"); emails make it absolute.
    - `actor`: who caused it; not notified of their own action unless `include_actor`.
    - `dedupe_key`: unique per recipient; a second notification with the same key is
      silently skipped (reminders: "action_overdue:42:2026-05-01").
    - `topic`: for batched kinds, what changed (e.g. the section key); unread
      notifications on the same topic are updated instead of duplicated.
    """
    spec = get_kind(kind)
    if link is not None and safe_next_url(link) != link:
        raise ValueError(f"notification links must be app-relative paths, not {link!r}")
    if spec.batched and not topic:
        raise ValueError(f"{kind} notifications are batched by topic: pass topic=")
    people = _recipients(recipients, exclude=None if include_actor else actor)
    if not people:
        return []
    title, body = _short(title, TITLE_MAX, one_line=True), _short(body, BODY_MAX)
    deliveries = deliveries_for([u.id for u in people], spec)
    pending = _pending_on_topic(people, spec, partnership, topic) if spec.batched else {}
    now = utcnow()
    results = []
    for user in people:
        existing = pending.get(user.id)
        if existing is not None:
            _coalesce(existing, title=title, body=body, link=link, actor=actor, now=now)
            results.append(existing)
            continue
        values = dict(
            recipient_id=user.id,
            partnership_id=partnership.id if partnership is not None else None,
            kind=kind,
            title=title,
            body=body,
            link=link,
            actor_id=actor.id if actor is not None else None,
            topic=topic,
            details={"actors": [actor.full_name], "count": 1} if spec.batched and actor is not None else {},
            delivery=deliveries[user.id].value,
            dedupe_key=dedupe_key,
            created_at=now,
            updated_at=now,
        )
        email_now = deliveries[user.id] == Delivery.EMAIL_NOW and not spec.batched
        if email_now:
            values["emailed_at"] = now
        notification = _add(values)
        if notification is None:  # already told about this one
            continue
        if email_now:
            emails.send_now(notification, user, spec)
        results.append(notification)
    db.session.flush()
    return results


def notify_other_parties(actor: Membership, kind: str, **kwargs) -> list[Notification]:
    """notify() every member of the partnership outside the acting member's party."""
    recipients = members_of_other_parties(actor.partnership_id, actor.party_id)
    return notify(recipients, kind, partnership=actor.partnership, actor=actor.user, **kwargs)


def _recipients(recipients: Iterable[User], exclude: User | None) -> list[User]:
    seen, people = set(), []
    for user in recipients:
        if user is None or user.id in seen or not user.active:
            continue
        if exclude is not None and user.id == exclude.id:
            continue
        seen.add(user.id)
        people.append(user)
    return people


def _short(text: str | None, limit: int, *, one_line: bool = False) -> str:
    text = " ".join((text or "").split()) if one_line else (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _add(values: dict) -> Notification | None:
    if values["dedupe_key"] is None:
        notification = Notification(**values)
        db.session.add(notification)
        return notification
    new_id = insert_once(Notification, values, ["recipient_id", "dedupe_key"])
    return db.session.get(Notification, new_id) if new_id is not None else None


def _pending_on_topic(people, spec: NotificationKind, partnership, topic) -> dict[int, Notification]:
    """Unread, not yet emailed notifications on this topic, locked so a concurrent
    send-reminders run waits for this change rather than emailing half of it."""
    rows = db.session.scalars(
        sa.select(Notification)
        .where(
            Notification.recipient_id.in_([u.id for u in people]),
            Notification.kind == spec.key,
            Notification.partnership_id == (partnership.id if partnership is not None else None),
            Notification.topic == topic,
            Notification.read_at.is_(None),
            Notification.emailed_at.is_(None),
            Notification.digested_at.is_(None),
        )
        .order_by(Notification.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.recipient_id: row for row in rows}


def _coalesce(notification: Notification, *, title, body, link, actor, now) -> None:
    details = dict(notification.details or {})
    actors = list(details.get("actors", []))
    if actor is not None and actor.full_name not in actors:
        actors.append(actor.full_name)
    details.update(actors=actors, count=int(details.get("count", 1)) + 1)
    notification.details = details
    notification.title, notification.body = title, body
    notification.link = link or notification.link
    notification.actor_id = actor.id if actor is not None else notification.actor_id
    notification.updated_at = now


# --- Delivery preferences ---------------------------------------------------------


def deliveries_for(user_ids: list[int], spec: NotificationKind) -> dict[int, Delivery]:
    """Each user's delivery for a kind: their choice, or the kind's default."""
    if not spec.emailable:
        return {user_id: Delivery.IN_APP for user_id in user_ids}
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == spec.key
            )
        ).all()
    )
    result = {}
    for user_id in user_ids:
        value = chosen.get(user_id)
        result[user_id] = Delivery(value) if value in spec.choices else spec.default
    return result


def preferences_of(user: User) -> dict[str, Delivery]:
    """The user's delivery for every registered kind."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {
        spec.key: Delivery(chosen[spec.key]) if chosen.get(spec.key) in spec.choices else spec.default
        for spec in KINDS.all()
    }


def preference_groups(user: User) -> list[tuple[str, list[tuple[NotificationKind, Delivery]]]]:
    current = preferences_of(user)
    return [(group, [(spec, current[spec.key]) for spec in kinds]) for group, kinds in kinds_by_group()]


def set_preferences(user: User, choices: dict[str, str]) -> dict:
    """Save the user's delivery per kind; returns what changed.

    Notifications still waiting for an email follow the new choice, so switching
    a kind to "in the app only" also stops the digest that would have listed them.
    """
    current = preferences_of(user)
    rows = {
        p.kind: p
        for p in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    changed = {}
    for key, value in choices.items():
        spec = get_kind(key)
        if value not in spec.choices:
            raise RuleViolation(f"Choose how to hear about “{spec.label}” from the list.")
        delivery = Delivery(value)
        if delivery == current[key]:
            continue
        changed[key] = [current[key].value, delivery.value]
        row = rows.get(key) or NotificationPreference(user_id=user.id, kind=key)
        row.delivery, row.updated_at = delivery.value, utcnow()
        db.session.add(row)
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.recipient_id == user.id,
                Notification.kind == key,
                Notification.read_at.is_(None),
                Notification.emailed_at.is_(None),
                Notification.digested_at.is_(None),
            )
            .values(delivery=delivery.value)
            .execution_options(synchronize_session=False)
        )
    if changed:
        db.session.flush()
        record_event("account.notification_settings_changed", actor=user, obj=user, details=changed)
    return changed


# --- Reading ----------------------------------------------------------------------


def visible_to(user: User):
    """Notifications the user may see: account-level ones, and those of partnerships
    they are still a member of (leaving a partnership hides its notifications)."""
    return sa.and_(
        Notification.recipient_id == user.id,
        sa.or_(
            Notification.partnership_id.is_(None),
            sa.exists().where(
                Membership.partnership_id == Notification.partnership_id, Membership.user_id == user.id
            ),
        ),
    )


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(visible_to(user), Notification.read_at.is_(None))
    )


def notifications_for(user: User, *, page: int = 1, per_page: int = 25, unread_only: bool = False):
    """(notifications newest first, total) for one page of the user's list."""
    condition = visible_to(user)
    if unread_only:
        condition = sa.and_(condition, Notification.read_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(condition))
    items = db.session.scalars(
        sa.select(Notification)
        .where(condition)
        .options(joinedload(Notification.partnership), joinedload(Notification.actor))
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return items, total


def find_for(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(sa.select(Notification).where(Notification.id == notification_id, visible_to(user)))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
