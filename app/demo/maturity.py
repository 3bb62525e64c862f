"""The demo's maturity assessments: a baseline when the partnership started, a second a year ago
(both closed, with actions), and this year's in the Review stage, where Northwind has submitted
and Contoso has a draft, so the overview and the portfolio show a trend and a blind assessment.
A year ago the parties saw governance two levels apart (Northwind 3, Contoso 1: plant decisions
bypassing the ladder), a flagged perception gap that the year's actions answer."""

from datetime import date, datetime, timedelta

from app.demo.reviews import past_news_read
from app.demo.workspace import ALEX, DANA, LUIS, PRIYA, Demo
from app.extensions import db
from app.review_cycle import assessments, improvement, maturity, stages
from app.review_cycle.assessments import AssessmentInput, DimensionScore
from app.types import clock_at, utcnow

# In the order of the maturity dimensions: leadership, governance, value creation, risk,
# knowledge sharing, behaviours, exit readiness.
RATINGS = {
    "nw": [[2, 2, 2, 2, 1, 2, 1], [3, 3, 3, 3, 2, 3, 2], [4, 3, 3, 4, 3, 4, 2]],
    "ct": [[2, 1, 2, 2, 2, 2, 1], [3, 1, 3, 2, 3, 3, 2], [3, 3, 0, 0, 0, 0, 0]],
}
EVIDENCE = {
    ("nw", "governance"): "Steering group meets monthly with minutes; decision rights are in the plan.",
    ("ct", "governance"): "The escalation ladder exists, but plant-level decisions still bypass it.",
    ("nw", "exit_readiness"): "Exit triggers are agreed; who keeps the shared tooling is not.",
    ("ct", "risk"): "The joint risk register is reviewed each quarter, owners named on both sides.",
    ("nw", "knowledge_sharing"): "Forecast data flows weekly; lessons from the carbon pilot stay with the pilot team.",
}
NOTES = {
    "nw": ("Governance and risk now run on a rhythm both sides trust.",
           "Exit readiness: the disposition of shared tooling and data is still open."),
    "ct": ("Leadership on both sides backs the relationship in public and in budgets.",
           "Governance decisions at plant level do not follow the agreed ladder yet."),
}
ACTIONS = [  # (assessment index, title, owner email, dimension key, due days after opening, done days or None)
    (0, "Name an executive sponsor on each side", ALEX, "leadership", 45, 30),
    (0, "Agree the escalation ladder for plant decisions", DANA, "governance", 60, 75),
    (1, "Walk both plant managers through the escalation ladder", DANA, "governance", 30, 28),
    (1, "List the disposition of shared tooling and data at exit", PRIYA, "exit_readiness", 90, 80),
    (1, "Quarterly lessons-learned session open to both teams", LUIS, "knowledge_sharing", 60, 55),
]


def _at(day: date, hours: int = 11) -> datetime:
    return datetime(day.year, day.month, day.day, hours, tzinfo=utcnow().tzinfo)


def _when(moment: datetime, step, *args):
    with clock_at(moment):
        return step(*args, at=moment)


def _ratings(cycle, key: str, n: int) -> AssessmentInput:
    strong, weak = NOTES[key]
    return AssessmentInput(
        scores={str(dim["id"]): DimensionScore(level or None, EVIDENCE.get((key, dim["id"]), "") if n else "")
                for dim, level in zip(cycle.dimensions, RATINGS[key][n], strict=True)},
        achievements=strong if n else "", concerns=weak if n else "",
    )


def maturity_assessments(demo: Demo) -> None:
    today = utcnow().date()
    nw, ct = demo.member(ALEX), demo.member(DANA)
    writers = {"nw": demo.member(PRIYA), "ct": demo.member(LUIS)}
    opened_on = [demo.partnership.start_date + timedelta(days=20), date(today.year - 1, today.month, 1)]
    for n, day in enumerate(opened_on):
        opened = _at(day)
        cycle = _when(opened, maturity.start_assessment, nw if n == 0 else ct, str(day.year),
                      day + timedelta(days=14))
        _when(opened + timedelta(days=5), assessments.submit, writers["nw"], cycle, _ratings(cycle, "nw", n))
        _when(opened + timedelta(days=9), assessments.submit, writers["ct"], cycle, _ratings(cycle, "ct", n))
        for admin in (nw, ct):
            _when(opened + timedelta(days=12), stages.agree, admin, cycle, "review")
        made = []
        for index, title, email, dimension, due, done in ACTIONS:
            if index != n:
                continue
            member = demo.member(email)
            fields = {"title": title, "description": "", "owner_party_id": member.party_id,
                      "owner_user_id": member.user_id, "due_on": day + timedelta(days=due),
                      "link": f"dimension:{dimension}"}
            action = _when(opened + timedelta(days=14), improvement.add_action, member, cycle, fields)
            made.append((action, member, fields, done))
        for admin in (nw, ct):
            _when(opened + timedelta(days=16), stages.agree, admin, cycle, "improve")
        for action, member, fields, done in made:
            _when(opened + timedelta(days=done), improvement.update_action, member, action, fields, "done")
        for admin in (nw, ct):
            _when(opened + timedelta(days=100), stages.agree, admin, cycle, "operate")
    past_news_read(demo.partnership.id)
    opened = utcnow() - timedelta(days=3)
    cycle = _when(opened, maturity.start_assessment, nw, str(today.year), opened.date() + timedelta(days=14))
    _when(opened + timedelta(days=1), assessments.submit, writers["nw"], cycle, _ratings(cycle, "nw", 2))
    _when(opened + timedelta(days=2), assessments.save_draft, writers["ct"], cycle, _ratings(cycle, "ct", 2))
    db.session.flush()
