"""The portfolio dashboard: every partnership of the user's organisation they are a
member of, with totals, sorting, filtering and columns other features contribute.

The page is `portfolio.index` (/home); features add columns to
`app.registries.PORTFOLIO_METRICS` from their `init_app`.
"""

from flask import Blueprint, Flask

bp = Blueprint("portfolio", __name__)

from app.portfolio import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.portfolio.columns import OWN_METRICS
    from app.registries import PORTFOLIO_METRICS

    app.register_blueprint(bp)
    for metric in OWN_METRICS:
        PORTFOLIO_METRICS.add(app, metric)
