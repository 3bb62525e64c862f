"""The search page through the test client: the box in every page's header, results, filters, bad input."""

import re

from app.extensions import db
from tests.support.plans import risks_content
from tests.support.queries import count_queries


def _save_risks(plan, *titles):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, *titles))


def test_every_signed_in_page_has_the_search_box_but_the_search_page(plan, client_as):
    client = client_as(plan.people.b.viewer)
    assert 'id="site-search"' in client.get("/my-work").text
    assert 'id="site-search"' in client.get(f"/partnerships/{plan.partnership.id}").text
    page = client.get("/search")
    assert page.status_code == 200 and 'id="site-search"' not in page.text and 'id="q"' in page.text


def test_signed_out_visitors_are_sent_to_sign_in(plan, client):
    response = client.get("/search?q=strike")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_results_are_grouped_by_partnership_and_section_and_link_to_the_item(plan, client_as):
    _save_risks(plan, "Port strike at Rotterdam")
    page = client_as(plan.people.b.viewer).get("/search", query_string={"q": "strike"}).text
    assert "1 result for “strike”" in page
    assert re.search(r'<h2 id="search-group-\d+"><a href="/partnerships/\d+">Alpha–Beta Alliance</a></h2>', page)
    assert '<h3 class="search-group__section">Risk assessment</h3>' in page
    item_link = r'href="/partnerships/\d+/plan/risk_assessment#item-rsk-[0-9a-f]{8}">Port <mark>strike</mark>'
    assert re.search(item_link, page)
    nothing = client_as(plan.people.outsider).get("/search", query_string={"q": "strike"}).text
    assert "Nothing found for “strike”" in nothing and "search-hit" not in nothing


def test_a_bad_filter_is_shown_beside_its_field_and_the_query_is_kept(plan, client_as):
    _save_risks(plan, "Port strike at Rotterdam")
    client = client_as(plan.people.a.admin)
    page = client.get("/search", query_string={"q": "port strike", "date_from": "2026-01-01", "date_to": "2025-12-01"})
    assert page.status_code == 200
    assert '<p class="field__error" id="date_to-error">The end date is before the start date.</p>' in page.text
    assert 'value="port strike"' in page.text and "1 result" in page.text  # the bad range is left out, not the search
    other = client.get("/search", query_string={"q": "strike", "partnership": plan.people.outsider_partnership.id})
    assert 'id="partnership-error"' in other.text and "1 result" in other.text
    long = client.get("/search", query_string={"q": "strike " * 40})
    assert 'id="q-error"' in long.text and "search-hit" not in long.text


def test_the_page_reads_the_same_number_of_statements_however_many_results(plan, client_as):
    client = client_as(plan.people.a.admin)
    _save_risks(plan, "Strike one")
    with count_queries(db.engine) as few:
        assert "1 result" in client.get("/search?q=strike").text
    _save_risks(plan, *[f"Strike number {n}" for n in range(1, 21)])
    plan.save(plan.people.b.editor, "business_case")
    with count_queries(db.engine) as many:
        assert "20 results" in client.get("/search?q=strike").text
    assert len(many) == len(few)
