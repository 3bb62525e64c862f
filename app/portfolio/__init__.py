"""The portfolio dashboard: every partnership of the user's organisation they are a
member of, with totals, sorting, filtering and columns other features contribute.

The page itself is `partnerships.home`; features add columns to
`app.registries.PORTFOLIO_METRICS` from their `init_app`.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.portfolio.columns import OWN_METRICS
    from app.registries import PORTFOLIO_METRICS

    for metric in OWN_METRICS:
        PORTFOLIO_METRICS.add(app, metric)
