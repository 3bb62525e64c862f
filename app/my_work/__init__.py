"""My work: what is waiting for the signed-in person across every partnership they are in, and
their personal calendar feed (an iCalendar address their calendar app subscribes to).

It reads the other features (review cycle, plan versions, consent, plan sections,
notifications) and nothing imports it back: sign-in finds it through the app's
`LANDING_PAGES` (accounts asks each in turn where a person should land).
"""

from flask import Blueprint, Flask, url_for

from app.registries import LANDING_PAGES

bp = Blueprint("my_work", __name__)


def _landing(user) -> str | None:
    from app.my_work.services import my_work

    return url_for("my_work.index") if my_work(user).total else None


from app.my_work import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    LANDING_PAGES.add(app, _landing)
