"""The My work page, the header's count of it, and the calendar feed (no session: the secret
address is the credential)."""

import hashlib

from flask import abort, jsonify, make_response, render_template, request
from flask_login import current_user, login_required

from app.accounts.feeds import user_for_token
from app.accounts.session import background
from app.extensions import limiter
from app.my_work import bp
from app.my_work.calendar import feed
from app.my_work.services import my_work


@bp.get("/my-work")
@login_required
def index():
    work = my_work(current_user)
    return render_template("my_work/index.html", work=work, nav_work_count=work.total)


@bp.get("/my-work/count")
@login_required
@background
def count():
    """The header badge's number, asked for by the page's script after it loads, so no page
    pays for reading every partnership's work to draw its header."""
    response = jsonify(count=my_work(current_user).total)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _feed_key() -> str:
    # Per address, named by a hash: the limiter's store never holds the secret itself.
    token = (request.view_args or {}).get("token", "")
    return "calendar:" + hashlib.sha256(token.encode()).hexdigest()[:32]


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per hour", key_func=_feed_key)
def calendar_feed(token: str):
    user = user_for_token(token)
    if user is None:
        abort(404)
    # Links point where the calendar app fetched the feed from (behind trusted proxies, the public address).
    response = make_response(feed(user, request.url_root))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="jointly.ics"'
    # Calendar apps poll; let them (and only them) keep a copy for a while, never a shared cache.
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
