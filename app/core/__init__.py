"""Pages that belong to no feature: the front page, health check and error pages."""

from flask import Blueprint, Flask

bp = Blueprint("core", __name__)

from app.core import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
