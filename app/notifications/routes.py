from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import ConfirmForm
from app.inputs import page_arg
from app.notifications import bp, services
from app.notifications.forms import preferences_form
from app.notifications.kinds import KINDS
from app.rules import applying
from app.security import safe_next_url

PER_PAGE = 25


def _back() -> str:
    return safe_next_url(request.form.get("next")) or url_for("notifications.index")


def _own_notification(notification_id: int):
    notification = services.find_for(current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = page_arg()
    items, total = services.notifications_for(current_user, page=page, per_page=PER_PAGE, unread_only=unread_only)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        return redirect(url_for("notifications.index", page=pages, show="unread" if unread_only else None))
    return render_template(
        "notifications/index.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        unread_only=unread_only,
        kinds={kind.key: kind for kind in KINDS.all()},
    )


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def follow(notification_id: int):
    """Mark it read and go where it points: a POST, because reading changes state."""
    notification = _own_notification(notification_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_read(notification)
    target = safe_next_url(notification.link) or url_for("notifications.index")
    db.session.commit()
    return redirect(target)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    notification = _own_notification(notification_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_read(notification)
    db.session.commit()
    return redirect(_back())


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    db.session.commit()
    if count:
        flash(f"Marked {count} notification{'' if count == 1 else 's'} as read.", "success")
    return redirect(_back())


@bp.post("/account/notifications")
@login_required
def preferences():
    form = preferences_form(services.preferences_of(current_user))
    if not form.validate_on_submit():
        flash("Choose one option for each kind of notification.", "error")
        return redirect(url_for("accounts.settings", _anchor="notifications"))
    with applying() as applied:
        choices = {kind.key: getattr(form, kind.key).data for kind in KINDS.all()}
        changed = services.set_preferences(current_user, choices)
    if applied:
        flash("Your notification settings are saved." if changed else "Nothing was changed.", "success")
    return redirect(url_for("accounts.settings", _anchor="notifications"))
