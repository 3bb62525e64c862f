"""Reading the plan costs a small, fixed number of queries, however long its history or lists."""

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.plan_sections.registry import get_section_type, section_types
from app.review_cycle import cycles, maturity
from tests.support.queries import count_queries
from tests.support.review_cycle import agree_all, open_cycle, submit
from tests.support.samples import sample_content, sample_item

PAGES = {
    "overview": "/plan",
    "section": "/plan/risk_assessment",
    "section sorted": "/plan/risk_assessment?sort=risks.score&dir=desc",
    "section with references": "/plan/exit_arrangements",
    "edit form": "/plan/risk_assessment/edit",
    "whole plan": "/plan/full",
    "partnership home": "",
}
# The gate (user, membership), the sections with their current revisions, parties and members,
# the partnership's party list for the page header and the header bell's unread count (7); and
# what co-editing adds: on a section page the reader's kept conflicts, who is present and the
# comment threads, on the editor the conflicts and presence, on the overview the open comment
# counts, on the home page the recent activity (tests/coediting/test_queries.py); and the plan
# pages' "changed since signed baseline" note, which looks the baseline up (app/plan_versions/);
# and on the home page the open proposals waiting for the reader's party (app/consent/).
MOST_QUERIES = 12
# The partnership's home page adds the panels of the features above the plan: the partnership's
# review cycles of both kinds, read once for the quarterly review's panel, the maturity
# assessment's and the lifecycle map (1), and the rest of the lifecycle map's evidence: signed
# versions, improvement actions, audit events (3; it shares the plan's section rows), and the
# promise ledger's summary (1: the panel reads the stored figures, never the whole ledger).
HOME_QUERIES = 15
# Once reviews and maturity assessments have been revealed, the two panels' trends read their
# assessments in one statement they share: a fixed number, however many cycles there have been.
HOME_QUERIES_REVEALED = HOME_QUERIES + 1


def page_costs(client, partnership_id: int) -> dict[str, int]:
    costs = {}
    for name, path in PAGES.items():
        with count_queries(db.engine) as statements:
            response = client.get(f"/partnerships/{partnership_id}{path}")
        assert response.status_code == 200, name
        costs[name] = len(statements)
    return costs


def grow(plan, revisions: int, risks: int) -> None:
    """Many revisions of one section, and a long risk register."""
    ctx = plan.context()
    section = plan.section("communications")
    membership = plan.member(plan.people.a.editor)
    section_type = get_section_type("communications")
    for n in range(revisions):
        content = sample_content(section_type, ctx) | {"narrative": f"Version {n}"}
        writing.save_section(membership, section, content, section.current_revision_id, ctx=ctx)
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    content = {"narrative": "Many risks.", "items": {"risks": [sample_item(kind, ctx, n) for n in range(risks)]}}
    risk_section = plan.section("risk_assessment")
    writing.save_section(membership, risk_section, content, risk_section.current_revision_id, ctx=ctx)
    db.session.commit()


def test_plan_pages_cost_the_same_with_long_histories_and_lists(plan, client_as):
    for section_type in section_types():
        plan.save(plan.people.a.editor, section_type.key)
    client = client_as(plan.people.b.editor)
    small = page_costs(client, plan.partnership.id)

    grow(plan, revisions=200, risks=300)
    assert plan.section("communications").revision_count == 201
    large = page_costs(client, plan.partnership.id)

    assert large == small
    home = large.pop("partnership home")
    assert max(large.values()) <= MOST_QUERIES, large
    assert home == HOME_QUERIES


def reveal_cycles(people, count: int) -> None:
    """`count` more quarterly reviews and as many maturity assessments, each revealed and closed."""
    admins = [people.a.admin, people.b.admin]
    for _ in range(count):
        review = open_cycle(people.partnership, people.a.admin)
        membership = load_membership(people.partnership.id, people.a.admin)
        assessment = maturity.start_assessment(
            membership, cycles.proposed_period(people.partnership, kind=maturity.KIND))
        db.session.commit()
        for cycle in (review, assessment):
            submit(cycle, people.a.editor, 4)
            submit(cycle, people.b.editor, 3)
            while cycle.stage != "closed":
                agree_all(cycle, admins)


def home_cost(client, partnership_id: int) -> int:
    with count_queries(db.engine) as statements:
        response = client.get(f"/partnerships/{partnership_id}")
    assert response.status_code == 200
    return len(statements)


def test_the_home_page_costs_the_same_after_one_or_three_revealed_cycles_of_each_kind(two_parties, client_as):
    client = client_as(two_parties.b.editor)
    partnership_id = two_parties.partnership.id
    reveal_cycles(two_parties, 1)
    one = home_cost(client, partnership_id)
    reveal_cycles(two_parties, 2)
    three = home_cost(client, partnership_id)
    assert len(maturity.trend(partnership_id)) == 3
    assert one == three == HOME_QUERIES_REVEALED


@pytest.mark.parametrize("revisions", [1, 60])
def test_reading_one_sections_content_is_one_query(plan, revisions):
    plan.save(plan.people.a.editor, "business_case")
    ctx = plan.context()
    section = plan.section("business_case")
    for n in range(revisions - 1):
        content = sample_content(get_section_type("business_case"), ctx) | {"narrative": f"Take {n}"}
        writing.save_section(plan.member(plan.people.a.editor), section, content, section.current_revision_id, ctx=ctx)
    db.session.commit()
    partnership_id = plan.partnership.id
    db.session.expire_all()
    with count_queries(db.engine) as statements:
        measures = reading.performance_measures(partnership_id)
    assert len(measures) == 1
    assert len(statements) == 1
