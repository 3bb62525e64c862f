"""The joint maturity assessment: the review cycle's blind engine on the maturity dimensions, on
its own schedule beside the quarterly reviews."""

import json
from datetime import date, datetime

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import assessments, cycles, maturity, maturity_export, portfolio_columns, reminders, stages
from app.review_cycle.maturity_scale import DIMENSIONS, LEVELS
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.review_cycle import add_action, agree_all, assessment_input, open_cycle, submit

EVIDENCE = "MATURITYEVIDENCEALPHA"


def _start(world, period: str | None = None):
    membership = load_membership(world.partnership.id, world.a.admin)
    cycle = maturity.start_assessment(
        membership, period or cycles.proposed_period(world.partnership, kind=maturity.KIND))
    db.session.commit()
    return cycle


def _rate(cycle, user, levels: dict[str, int], evidence: str = ""):
    """Submit the user's party's ratings: `levels` by dimension key, 3 for the others."""
    membership = load_membership(cycle.partnership_id, user)
    given = assessment_input(cycle, membership.party_id, 3, comment=evidence)
    given.scores.update({key: assessments.DimensionScore(level, evidence) for key, level in levels.items()})
    assessments.submit(membership, cycle, given)
    db.session.commit()


def test_a_maturity_assessment_is_a_cycle_of_its_own_kind_beside_the_quarterly_review(world):
    review = open_cycle(world.partnership, world.a.admin)
    cycle = _start(world)
    assert cycle.is_maturity and cycle.period == str(utcnow().year)
    assert [d["id"] for d in cycle.dimensions] == [d.key for d in DIMENSIONS] and cycle.measures == []
    assert cycle.stages == ("review", "improve", "operate")
    # Each kind has its own open cycle: the quarterly review is untouched by the assessment.
    assert cycles.open_cycle_of(world.partnership.id) == review
    assert cycles.open_cycle_of(world.partnership.id, maturity.KIND) == cycle
    with pytest.raises(RuleViolation, match="maturity assessment is still open"):
        _start(world, "2031")
    editor = load_membership(world.partnership.id, world.a.editor)
    with pytest.raises(RuleViolation, match="Only a partnership admin can start a maturity assessment"):
        maturity.start_assessment(editor, "2031")
    with pytest.raises(RuleViolation, match="Name the period like 2026 "):
        maturity.start_assessment(load_membership(world.partnership.id, world.b.admin), "2026-Q4")


def test_ratings_stay_blind_until_every_party_submits_then_gaps_show(world):
    cycle = _start(world)
    _rate(cycle, world.a.editor, {"governance": 5, "risk": 2}, EVIDENCE)
    b = load_membership(world.partnership.id, world.b.admin)
    # Nothing of Alpha's ratings reaches Beta, the evidence export, the trend or the portfolio.
    assert assessments.visible_assessments(cycle, b) == {}
    assert maturity.results_for(cycle, b) is None
    assert maturity_export.maturity_results(world.partnership.id)["assessments"] == []
    assert maturity.trend(world.partnership.id) == []
    assert portfolio_columns.maturity([world.partnership.id]) == {}
    with pytest.raises(LookupError):
        maturity_export.maturity_results_pdf(cycle.id)
    with pytest.raises(RuleViolation, match="Every party submits its review first"):
        stages.agree(b, cycle, "review")
    _rate(cycle, world.b.editor, {"governance": 2, "risk": 3})
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    data = maturity.results_for(cycle, b)
    rows = {r.name: r for r in data["rows"]}
    assert rows["Governance"].gap == 3 and rows["Governance"].flagged
    assert rows["Risk"].gap == 1 and not rows["Risk"].flagged
    assert rows["Leadership"].gap == 0 and rows["Leadership"].mean == 3
    assert data["party_level"] == {world.a.party.id: 3.1, world.b.party.id: 2.9}
    assert data["overall"] == 3.0 and data["overall_level"] == "Defined"
    assert rows["Governance"].comments[world.a.party.id] == EVIDENCE
    # The record says what the parties were told: a maturity assessment's submission and results.
    import sqlalchemy as sa

    from app.audit.models import AuditEvent
    from app.notifications.models import Notification

    revealed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "maturity.revealed"))
    assert revealed.details == {"period": cycle.period, "joint_maturity": "3.0"}
    titles = set(db.session.scalars(sa.select(Notification.title).where(Notification.recipient_id == world.b.admin.id)))
    assert f"Alpha Ltd submitted its maturity assessment of {cycle.period}" in titles
    assert f"Every party has submitted: the results of the {cycle.name} are in" in titles


def test_stages_are_review_improve_operate_and_actions_work_as_in_a_review(world):
    cycle = _start(world)
    submit(cycle, world.a.editor, 2)
    submit(cycle, world.b.editor, 4)
    a = load_membership(world.partnership.id, world.a.admin)
    with pytest.raises(RuleViolation, match="has no Adapt stage"):
        stages.agree(a, cycle, "adapt")
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "improve"
    action = add_action(cycle, world.a.editor, "Write down the escalation ladder", link="dimension:governance")
    assert action.link_label == "Governance"
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "operate"
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "closed"
    # The quarterly health trend does not count the maturity assessment.
    from app.review_cycle import results

    assert results.trend(world.partnership.id) == []


def test_the_trend_follows_every_party_and_every_dimension_over_assessments(world):
    first = _start(world, "2024")
    _rate(first, world.a.editor, {"leadership": 2})
    _rate(first, world.b.editor, {"leadership": 1})
    for _ in range(3):
        agree_all(first, [world.a.admin, world.b.admin])
    second = _start(world)
    assert second.period == "2025"  # the year after the latest
    _rate(second, world.a.editor, {"leadership": 4})
    _rate(second, world.b.editor, {"leadership": 3})
    points = maturity.trend(world.partnership.id)
    assert [p.period for p in points] == ["2024", "2025"]
    assert [p.dimensions["leadership"] for p in points] == [1.5, 3.5]
    assert points[1].dimensions_by_party["leadership"] == {world.a.party.id: 4, world.b.party.id: 3}
    found = maturity.trend_for(world.partnership.id)
    assert "<svg" in found["chart"] and "Joint maturity" in found["chart"]
    column = portfolio_columns.maturity([world.partnership.id])[world.partnership.id]
    assert column.period == "2025" and column.trend == (points[0].overall, points[1].overall)


def test_the_evidence_export_holds_revealed_assessments_only_as_json(world):
    done = _start(world, "2024")
    _rate(done, world.a.editor, {"risk": 4}, EVIDENCE)
    _rate(done, world.b.editor, {"risk": 2})
    for _ in range(3):
        agree_all(done, [world.a.admin, world.b.admin])
    blind = _start(world)
    _rate(blind, world.a.editor, {"risk": 5}, "BLINDSECONDYEAR")
    found = maturity_export.maturity_results(world.partnership.id)
    text = json.dumps(found)
    assert [a["period"] for a in found["assessments"]] == ["2024"] and "BLINDSECONDYEAR" not in text
    assert [level["name"] for level in found["scale"]] == [level.name for level in LEVELS]
    risk = next(d for d in found["assessments"][0]["dimensions"] if d["key"] == "risk")
    assert risk["perception_gap"] == 2
    assert {r["party"]: (r["level"], r["evidence"]) for r in risk["ratings"]} == {
        "Alpha Ltd": (4, EVIDENCE), "Beta GmbH": (2, "")}
    pdf = maturity_export.maturity_results_pdf(done.id)
    assert pdf.startswith(b"%PDF")


def test_the_schedule_reminds_admins_yearly_without_touching_the_quarterly_reminders(world):
    partnership = world.partnership
    partnership.status = "active"
    db.session.commit()
    last_year = str(utcnow().year - 1)
    cycle = _start(world, last_year)
    now = datetime(utcnow().year, 12, 20, 9, 0)
    assert list(reminders.maturity_due(now)) == []  # one is under way
    quarterly = [r.dedupe_key for r in reminders.reviews_to_open(now)]
    assert quarterly  # the quarterly review is due to open, maturity assessment or not
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    for _ in range(3):
        agree_all(cycle, [world.a.admin, world.b.admin])
    assert list(reminders.maturity_due(datetime(utcnow().year, 6, 1, 9, 0))) == []  # not due yet
    due = list(reminders.maturity_due(now))
    assert {r.recipient.id for r in due} == {world.a.admin.id, world.b.admin.id}
    assert due[0].title == f"Time for the {utcnow().year} maturity assessment of {partnership.name}"
    assert [r.dedupe_key for r in reminders.reviews_to_open(now)] == quarterly
    schedule = maturity.schedule(partnership, date(utcnow().year, 12, 10))
    assert schedule.next_period == str(utcnow().year) and schedule.due_soon and not schedule.overdue
    assert maturity.schedule(partnership, date(utcnow().year + 1, 1, 2)).overdue
    assert maturity.schedule(partnership, date(utcnow().year, 1, 2)).due_on == date(utcnow().year, 12, 31)


# -- pages ----------------------------------------------------------------------------------------


def test_an_admin_starts_one_from_its_page_and_every_page_reads_as_a_maturity_assessment(world, client_as):
    url = f"/partnerships/{world.partnership.id}/maturity"
    admin = client_as(world.a.admin)
    page = admin.get(url).text
    assert "Start the maturity assessment" in page and all(level.name in page for level in LEVELS)
    assert client_as(world.a.editor).submit(url, {"period": "2030"}).status_code == 403
    assert "Start the maturity assessment" not in client_as(world.b.viewer).get(url).text
    bad = admin.submit(url, {"period": "this year"})
    assert bad.status_code == 422 and "Name the period like 2026" in bad.text
    started = admin.submit(url, {"period": str(utcnow().year)})
    assert started.status_code == 302
    cycle = cycles.open_cycle_of(world.partnership.id, maturity.KIND)
    show = admin.get(started.headers["Location"]).text
    assert f"Maturity assessment {cycle.period}" in show and "Adapt" not in show
    form = client_as(world.b.editor).get(f"{started.headers['Location']}/assessment").text
    assert "5 Optimising" in form and "Evidence for exit readiness" in form
    submit(cycle, world.a.editor, 4, comment="Steering group minutes")
    submit(cycle, world.b.editor, 2)
    results = client_as(world.b.viewer).get(f"{started.headers['Location']}/results").text
    assert "Joint maturity" in results and "Steering group minutes" in results and "Managed" in results
    csv = client_as(world.b.viewer).get(f"{started.headers['Location']}/results.csv")
    assert csv.status_code == 200 and "Steering group minutes" in csv.text and "Managed" in csv.text
    overview = client_as(world.b.viewer).get(f"/partnerships/{world.partnership.id}").text
    assert "Relationship maturity" in overview and "Defined" in overview
    portfolio = client_as(world.b.viewer).get("/home").text
    assert "Maturity" in portfolio and "3.0" in portfolio


def test_the_maturity_page_is_behind_the_membership_gate(world, client_as):
    assert client_as(world.outsider).get(f"/partnerships/{world.partnership.id}/maturity").status_code == 404


def test_the_parties_agree_to_assess_half_yearly_and_the_next_period_follows(world):
    from app.consent import profile
    from app.consent import services as consent

    partnership = world.partnership
    values = {field: getattr(partnership, field) for field in profile.FIELDS}
    values["start_date"] = partnership.start_date
    proposal = profile.propose_changes(load_membership(partnership.id, world.a.admin),
                                       {**values, "maturity_cadence_months": 6})
    assert proposal.summary == "Change the partnership's maturity assessment cadence"
    with pytest.raises(RuleViolation, match="Choose a cadence from the list"):
        profile.check_values({**values, "maturity_cadence_months": 3})
    consent.respond(load_membership(partnership.id, world.b.admin), proposal, "agree")
    db.session.commit()
    assert partnership.maturity_cadence_months == 6
    today = utcnow().date()
    half = "H1" if today.month <= 6 else "H2"
    assert cycles.proposed_period(partnership, today, maturity.KIND) == f"{today.year}-{half}"
