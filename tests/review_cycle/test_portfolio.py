"""The cycle's dashboard columns and home panel: right values, nothing blind, bounded queries."""

from datetime import date, timedelta

from app.extensions import db
from app.review_cycle import portfolio_columns
from tests.support.factories import join, make_organisation_user, make_partnership
from tests.support.queries import count_queries
from tests.support.review_cycle import add_action, agree_all, open_cycle, submit


def _reviewed(owner, partner, n: int):
    for i in range(n):
        partnership = make_partnership(owner, f"Reviewed {i:03d}")
        join(partnership, partner, "admin")
        db.session.commit()
        cycle = open_cycle(partnership, owner, "2026-Q1")
        submit(cycle, owner, 4)
        submit(cycle, partner, 2)
        agree_all(cycle, [owner, partner])
        agree_all(cycle, [owner, partner])
        add_action(cycle, owner, due=date.today() - timedelta(days=3))


def _home_queries(client):
    client.get("/home")
    with count_queries() as queries:
        response = client.get("/home?sort=health")
    assert response.status_code == 200
    return queries


def test_the_review_columns_do_not_add_queries_per_partnership(app, client_as):
    small = make_organisation_user("Small Co", email="small@small.example.com")
    big = make_organisation_user("Big Co", email="big@big.example.com")
    partner = make_organisation_user("Partner Co", email="p@partner.example.com")
    _reviewed(small, partner, 2)
    _reviewed(big, partner, 6)
    few, many = _home_queries(client_as(small)), _home_queries(client_as(big))
    assert len(few) == len(many), f"2 partnerships: {few}\n6 partnerships: {many}"


def test_the_columns_show_health_gap_actions_and_next_review(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    submit(cycle, world.a.editor, 5)
    submit(cycle, world.b.editor, 3)
    agree_all(cycle, [world.a.admin, world.b.admin])
    agree_all(cycle, [world.a.admin, world.b.admin])
    add_action(cycle, world.a.editor, "Late one", date.today() - timedelta(days=2))
    pid = world.partnership.id
    health = portfolio_columns.health([pid])[pid]
    assert health.index == 75 and health.gap.gap == 2 and health.gap.flagged
    assert portfolio_columns.open_actions([pid])[pid] == portfolio_columns.Actions(open=1, overdue=1)
    assert portfolio_columns.next_review([pid])[pid].what == "2026-Q1: Improve"
    home = client_as(world.b.viewer).get("/home").get_data(as_text=True)
    assert "1 overdue" in home and 'class="sparkline"' not in home  # one cycle: no trend line yet
    panel = client_as(world.b.viewer).get(f"/partnerships/{pid}").get_data(as_text=True)
    assert "Relationship health" in panel and "<strong>75</strong>" in panel


def test_unrevealed_scores_stay_off_the_dashboard(world):
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    submit(cycle, world.a.editor, 5)
    pid = world.partnership.id
    assert portfolio_columns.health([pid]) == {} and portfolio_columns.largest_gap([pid]) == {}


def _results_queries(client, url):
    client.get(url)
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return queries


def test_the_results_and_cycle_pages_do_not_grow_with_past_cycles(world, client_as):
    def closed_cycle(period):
        cycle = open_cycle(world.partnership, world.a.admin, period)
        submit(cycle, world.a.editor, 4)
        submit(cycle, world.b.editor, 3)
        agree_all(cycle, [world.a.admin, world.b.admin])
        agree_all(cycle, [world.a.admin, world.b.admin])
        add_action(cycle, world.a.editor)
        for _ in range(2):
            agree_all(cycle, [world.a.admin, world.b.admin])
        return cycle

    viewer = client_as(world.b.viewer)
    base = f"/partnerships/{world.partnership.id}/reviews"
    first = closed_cycle("2025-Q1")
    counts = {}
    for n, period in enumerate(["2025-Q2", "2025-Q3", "2025-Q4"]):
        latest = closed_cycle(period)
        counts[n] = [len(_results_queries(viewer, f"{base}/{latest.id}{page}")) for page in ("/results", "", "/report")]
        counts[n].append(len(_results_queries(viewer, base)))
    assert counts[0] == counts[1] == counts[2], counts
    assert first.stage == "closed"
