"""Notifications: the bell, the list, delivery choices per kind, emails and reminders.

Other features tell people what happened through `app.notifications.services.notify`,
add their kinds to `app.notifications.kinds.KINDS` and their reminders to
`app.notifications.delivery.REMINDER_SOURCES`, from their `init_app`.
"""

from flask import Blueprint, Flask, g
from flask_login import current_user

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _bell():
    def unread_notification_count() -> int:
        """The bell's number: one cheap query, only for signed-in pages that show it."""
        from app.notifications.services import unread_count

        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = unread_count(current_user)
        return g.unread_notifications

    return {"unread_notification_count": unread_notification_count}


@bp.app_context_processor
def _preferences():
    def notification_preferences() -> dict:
        """The account page's notification choices (templates/notifications/_preferences.html)."""
        from app.notifications.forms import preferences_form
        from app.notifications.kinds import Delivery
        from app.notifications.services import preference_groups, preferences_of

        return {
            "groups": preference_groups(current_user),
            "form": preferences_form(preferences_of(current_user), formdata=None),
            "deliveries": list(Delivery),
        }

    return {"notification_preferences": notification_preferences}


def _send_due_reminders() -> None:
    """Reminders, grouped plan changes and digests: a periodic job of every worker (cron may
    run `ermp send-reminders` as well; nothing is ever sent twice either way)."""
    from app.notifications.delivery import send_due

    send_due()


from app.notifications import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.jobs import PERIODIC, PeriodicSpec
    from app.notifications import party_left
    from app.notifications.kinds import CORE_KINDS, KINDS
    from app.partnerships import signals

    app.register_blueprint(bp)
    for kind in (*CORE_KINDS, party_left.NOTIFICATION_KIND):
        KINDS.add(app, kind)
    PERIODIC.add(app, PeriodicSpec("send_reminders", _send_due_reminders, minutes=5))
    signals.party_left.connect(party_left.party_left_receiver)
