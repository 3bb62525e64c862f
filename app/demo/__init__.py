"""The demo workspace: two organisations in one partnership, built through the services, and
`flask --app wsgi demo`, which loads it (`make run` does, into an empty database).

The demo sits above every feature: it may import any of them and none imports it. Each
module adds one part, and `STEPS` runs them in order, each on the `Demo` built so far.
"""

from datetime import UTC, datetime, timedelta

from flask import Flask

from app.demo import coediting, evidence, maturity, plan, portfolio, promises, proposals, reviews, versions
from app.demo.workspace import Demo, people_and_partnership, started_on
from app.extensions import db
from app.types import clock_at, utcnow

STEPS = (
    plan.write_the_plan,  # all ten sections, written by both parties over months
    coediting.co_edit_the_plan,  # a merge, a restore, an unresolved overlapping save, comments
    evidence.evidence,  # the signed contract, a rates schedule in two versions, a risk's contingency plan
    versions.plan_versions,  # v1.0 signed by both parties, v1.1 awaiting Contoso's signature
    reviews.review_cycles,  # three closed quarterly reviews, and this quarter's in Review
    evidence.evidence_of_actions,  # the electric-truck pilot's report on its action
    maturity.maturity_assessments,  # two closed yearly maturity assessments, and this year's in Review
    promises.meetings_held,  # the bodies' meetings, a decision outside its rights, a board that stopped meeting
    promises.promise_answers,  # objectives confirmed kept and broken, a contested lateness
    promises.escalations_raised,  # an issue resolved late at management, one overdue at the first level
    portfolio.more_partnerships,  # Northwind's other partnerships, and an invitation
    proposals.proposals_by_consent,  # a sharper purpose agreed, a new party's admission waiting
    promises.trust_summaries,  # each partnership's figures for the portfolio and the overview
)


def build_demo() -> Demo:
    start = started_on(utcnow().date())
    # The workspace was set up, and everyone joined, the week before the partnership started.
    with clock_at(datetime(start.year, start.month, start.day, 9, 30, tzinfo=UTC) - timedelta(days=7)):
        demo = people_and_partnership(start)
    for step in STEPS:
        step(demo)
    db.session.flush()
    return demo


def init_app(app: Flask) -> None:
    from app.demo.cli import demo_command

    app.cli.add_command(demo_command)
