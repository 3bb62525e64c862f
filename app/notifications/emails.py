"""The emails notifications send: one right away, a batch of plan changes, a daily digest.

All are multipart (text and HTML, templates/email/) and link back into the app with
absolute links, also when sent from the command line.
"""

from collections import defaultdict
from datetime import date

from app.mail import external_url, queue_mail


def absolute(link: str | None) -> str:
    """The absolute address of an app-relative link (the notifications page without one)."""
    if not link:
        return external_url("notifications.index")
    return external_url("core.index").rstrip("/") + link


def _common(recipient) -> dict:
    return {
        "recipient": recipient,
        "settings_url": external_url("accounts.settings", _anchor="notifications"),
        "inbox_url": external_url("notifications.index"),
        "absolute": absolute,
    }


def by_partnership(notifications) -> list[tuple[object, list]]:
    """Notifications grouped by partnership (account-level ones first), oldest first within each."""
    groups = defaultdict(list)
    for notification in sorted(notifications, key=lambda n: (n.created_at, n.id)):
        groups[notification.partnership].append(notification)
    return sorted(groups.items(), key=lambda item: (item[0] is not None, item[0].name if item[0] else ""))


def send_now(notification, recipient, spec) -> None:
    queue_mail(
        recipient.email,
        notification.title,
        spec.email_template,
        organisation_id=recipient.organisation_id,
        notification=notification,
        kind=spec,
        link=absolute(notification.link),
        **_common(recipient),
    )


def send_batched(recipient, notifications) -> None:
    groups = by_partnership(notifications)
    names = [p.name for p, _ in groups if p is not None]
    subject = f"Plan changes in {names[0]}" if len(names) == 1 else f"Plan changes in {len(groups)} partnerships"
    queue_mail(recipient.email, subject, "plan_changes", organisation_id=recipient.organisation_id, groups=groups,
               count=len(notifications), **_common(recipient))


def send_digest(recipient, notifications, local_date: date) -> None:
    count = len(notifications)
    subject = f"Your Jointly digest for {local_date.day} {local_date:%B}: {count} update{'' if count == 1 else 's'}"
    queue_mail(
        recipient.email,
        subject,
        "digest",
        organisation_id=recipient.organisation_id,
        groups=by_partnership(notifications),
        count=count,
        local_date=local_date,
        **_common(recipient),
    )
