"""The plan's columns on the portfolio dashboard: completeness, stale sections, top open risk."""

import re

from app.extensions import db
from app.plan_sections.portfolio_columns import plan_health, top_risks
from tests.support.plans import risks_content


def _risk(content, n, likelihood, impact, status="open"):
    content["items"]["risks"][n] |= {"likelihood": likelihood, "impact": impact, "status": status}
    return content


def test_columns_show_completeness_and_the_highest_open_risk(plan):
    pid = plan.partnership.id
    assert plan_health([pid])[pid].not_started == 10
    assert top_risks([pid]) == {pid: None}

    content = risks_content(plan, "Port strike", "Cyber attack", "Old warehouse")
    _risk(content, 0, 3, 3)
    _risk(content, 1, 4, 4)
    _risk(content, 2, 5, 5, status="closed")  # closed risks do not count
    plan.save(plan.people.a.editor, "risk_assessment", content, "Risks")
    db.session.commit()

    health = plan_health([pid])[pid]
    assert health.not_started == 9 and health.stale == 0 and 0 < health.percent < 100
    top = top_risks([pid])[pid]
    assert (top.score, top.rating, top.title, top.open_count) == (16, "critical", "Cyber attack", 2)


def test_dashboard_lists_plan_and_risk_columns_sortable(plan, client_as):
    content = _risk(risks_content(plan, "Cyber attack"), 0, 4, 4)
    plan.save(plan.people.a.editor, "risk_assessment", content, "Risks")
    db.session.commit()
    page = client_as(plan.people.a.admin).get("/home?sort=risk").get_data(as_text=True)
    assert re.search(r"<b>16</b>\s*Critical", page)
    assert "% complete" in page or "%</span>" in page
    assert "Top risk" in page and "Plan" in page
