"""Search: one box in the header finds anything in the partnerships a person is a member of.

Section narratives and items, comments, improvement actions, adaptations, revealed reviews and
maturity assessments, plan versions, and older revisions on request; ranked, with the matched
words marked, grouped by partnership and section, each linking to the exact item or comment.
PostgreSQL's full-text search in production, SQLite's FTS5 as the embedded default, behind one
function (app/search/finding.py); the index is kept in step by app/search/indexing.py.

    /search    (GET)   search.index   the results, with filters (partnership, section, kind,
                                      party, dates, older revisions)

`flask --app wsgi ermp search-reindex [PARTNERSHIP_ID]` makes the index again from the records.
"""

from flask import Blueprint, Flask

bp = Blueprint("search", __name__)


def init_app(app: Flask) -> None:
    from app.jobs import PERIODIC, PeriodicSpec
    from app.search import cli, indexing, routes  # noqa: F401 - the routes and command join bp and ermp

    app.register_blueprint(bp)
    PERIODIC.add(app, PeriodicSpec("search_backfill", indexing.backfill, minutes=1))
