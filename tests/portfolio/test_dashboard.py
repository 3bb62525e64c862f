"""The portfolio on /home: whose partnerships, totals, sorting, filtering, metrics, query count."""

import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.portfolio.services import build_portfolio
from app.registries import PORTFOLIO_METRICS, Metric
from app.types import utcnow
from tests.support.factories import join, make_colleague, make_organisation_user
from tests.support.queries import count_queries


def _partnership(user, name, type_="key_supplier", status="forming", years=1.0):
    partnership = partnerships.create_partnership(
        user, name=name, type=type_, purpose="Work together.",
        start_date=utcnow().date() - timedelta(days=round(years * 365.25)),
    )
    if status != "forming":
        partnerships.update_partnership(load_membership(partnership.id, user), status=status)
    return partnership


@pytest.fixture
def portfolio(app):
    """Northwind's Nora is in four partnerships; her colleague Oscar runs one without her."""
    nora = make_organisation_user("Northwind", email="nora@northwind.example.com", name="Nora North")
    oscar = make_colleague(nora.organisation, email="oscar@northwind.example.com", name="Oscar Other")
    partner = make_organisation_user("Contoso", email="carl@contoso.example.com", name="Carl Contoso")
    nora.organisation.partnership_starters = "members"  # Oscar, not an organisation admin, starts one
    made = {
        "cold chain": _partnership(nora, "Cold Chain", "outsourcing", "active", 3.5),
        "air freight": _partnership(nora, "Air Freight", "key_supplier", "exiting", 6),
        "pilot": _partnership(nora, "Pilot", "research_collaboration", "forming", 0.25),
        "supply": _partnership(nora, "Supply Alliance", "key_supplier", "active", 2),
        "oscar's": _partnership(oscar, "Oscar's Secret Venture", "joint_venture", "active", 1),
        "contoso's": _partnership(partner, "Contoso Internal", "joint_venture", "active", 1),
    }
    join(made["supply"], partner, "admin")
    join(made["supply"], oscar, "viewer")
    db.session.commit()
    return nora, oscar, made


def _names(html):
    return re.findall(r'<th scope="row" class="portfolio-table__name">\s*<a href="/partnerships/\d+">([^<]+)</a>', html)


def test_a_user_sees_only_partnerships_they_are_a_member_of(app, portfolio, client_as):
    nora, oscar, made = portfolio
    html = client_as(nora).get("/home").get_data(as_text=True)
    assert sorted(_names(html)) == ["Air Freight", "Cold Chain", "Pilot", "Supply Alliance"]
    assert "Oscar&#39;s Secret Venture" not in html and "Contoso Internal" not in html
    assert _names(client_as(oscar).get("/home").get_data(as_text=True)) == ["Oscar&#39;s Secret Venture",
                                                                           "Supply Alliance"]


def test_totals_count_by_type_and_status_with_the_average_duration(app, portfolio):
    nora, _, _ = portfolio
    totals = build_portfolio(nora).totals
    assert totals.count == 4
    assert totals.by_type == [("key_supplier", "Key supplier", 2), ("outsourcing", "Outsourcing", 1),
                              ("research_collaboration", "Research collaboration", 1)]
    assert totals.by_status == [("forming", "Forming", 1), ("active", "Active", 2), ("exiting", "Exiting", 1)]
    assert totals.average_duration == "2 years 11 months"  # (3.5 + 6 + 0.25 + 2) / 4 years


def test_sorting_by_each_column_both_ways(app, portfolio, client_as):
    nora, _, _ = portfolio
    client = client_as(nora)
    # (ascending, descending); ties read alphabetically either way.
    expectations = {
        "name": (["Air Freight", "Cold Chain", "Pilot", "Supply Alliance"],
                 ["Supply Alliance", "Pilot", "Cold Chain", "Air Freight"]),
        "age": (["Pilot", "Supply Alliance", "Cold Chain", "Air Freight"],
                ["Air Freight", "Cold Chain", "Supply Alliance", "Pilot"]),
        "status": (["Pilot", "Cold Chain", "Supply Alliance", "Air Freight"],
                   ["Air Freight", "Cold Chain", "Supply Alliance", "Pilot"]),
        "type": (["Air Freight", "Supply Alliance", "Cold Chain", "Pilot"],
                 ["Pilot", "Cold Chain", "Air Freight", "Supply Alliance"]),
        "people": (["Air Freight", "Cold Chain", "Pilot", "Supply Alliance"],
                   ["Supply Alliance", "Air Freight", "Cold Chain", "Pilot"]),
    }
    for key, (ascending, descending) in expectations.items():
        assert _names(client.get(f"/home?sort={key}&order=asc").get_data(as_text=True)) == ascending, key
        assert _names(client.get(f"/home?sort={key}&order=desc").get_data(as_text=True)) == descending, key


def test_sort_headers_are_links_that_say_their_state(app, portfolio, client_as):
    nora, _, _ = portfolio
    html = client_as(nora).get("/home?sort=plan&order=desc&status=active").get_data(as_text=True)
    assert 'aria-sort="descending"' in html and html.count("aria-sort=") == 1
    assert 'href="/home?sort=plan&amp;order=asc&amp;status=active"' in html  # toggles, keeps the filter
    assert 'href="/home?sort=name&amp;order=asc&amp;status=active"' in html


def test_status_people_and_last_activity_sit_in_the_partnership_cell(app, portfolio, client_as):
    """They stay sortable (the Sort by list) without each taking a column of their own."""
    nora, _, _ = portfolio
    html = client_as(nora).get("/home?sort=activity").get_data(as_text=True)
    assert '<option value="activity" selected>' in html and '<option value="status"' in html
    assert 'data-label="Last activity"' not in html and 'data-label="People"' not in html
    name_cells = re.findall(r'<th scope="row" class="portfolio-table__name">(.*?)</th>', html, re.S)
    assert len(name_cells) == 4
    assert all("badge--" in cell and re.search(r"· \d+ (people|person)\b", cell) for cell in name_cells)
    assert any("Last activity" in cell for cell in name_cells)


def test_filtering_by_type_and_status(app, portfolio, client_as):
    nora, _, _ = portfolio
    client = client_as(nora)
    assert _names(client.get("/home?type=key_supplier").get_data(as_text=True)) == ["Air Freight", "Supply Alliance"]
    assert _names(client.get("/home?status=active").get_data(as_text=True)) == ["Cold Chain", "Supply Alliance"]
    html = client.get("/home?type=key_supplier&status=active").get_data(as_text=True)
    assert _names(html) == ["Supply Alliance"] and "Showing 1 of 4" in html
    html = client.get("/home?type=joint_venture").get_data(as_text=True)
    assert "No partnerships match" in html and "Showing 0 of 4" in html
    html = client.get("/home?type=nonsense&status=&sort=nonsense&order=sideways").get_data(as_text=True)
    assert len(_names(html)) == 4  # unknown values are ignored


def test_totals_link_to_their_filter(app, portfolio, client_as):
    nora, _, _ = portfolio
    html = client_as(nora).get("/home").get_data(as_text=True)
    assert 'href="/home?status=exiting"' in html and 'href="/home?type=outsourcing"' in html


@pytest.fixture
def health_metric(app):
    seen = []

    def load(partnership_ids):
        seen.append(list(partnership_ids))
        return {pid: pid * 10 for pid in partnership_ids if pid % 2}

    PORTFOLIO_METRICS.add(app, Metric("test_health", "Test health", load, "portfolio/_cells.html", "count_cell",
                                      order=30, sort_key=int, descending_first=True))
    return seen


def test_features_add_columns_loaded_in_one_batch(app, portfolio, client_as, health_metric):
    nora, _, made = portfolio
    html = client_as(nora).get("/home?sort=test_health").get_data(as_text=True)
    assert "Test health" in html
    assert len(health_metric) == 1 and sorted(health_metric[0]) == sorted(
        p.id for key, p in made.items() if key in ("cold chain", "air freight", "pilot", "supply"))
    names = _names(html)
    ids = {p.name: p.id for p in made.values()}
    with_value = [name for name in names if ids[name] % 2]
    assert names[: len(with_value)] == sorted(with_value, key=lambda name: -ids[name])  # largest first
    assert with_value and len(with_value) < len(names)  # rows without a value come last
    with pytest.raises(ValueError):
        PORTFOLIO_METRICS.add(app, Metric("test_health", "Again", dict, "portfolio/_cells.html", "count_cell"))


def _many_partnerships(owner, partner, count):
    for n in range(count):
        partnership = _partnership(owner, f"Partnership {n:03d}", years=n % 7)
        join(partnership, partner, "admin")
    db.session.commit()


def _next_link(html):
    found = re.search(r'<a rel="next" href="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


def _previous_link(html):
    found = re.search(r'<a rel="prev" href="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


def _queries_for(client, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def test_the_number_of_queries_does_not_grow_with_the_portfolio_or_the_page(app, client_as):
    small_owner = make_organisation_user("Small Co", email="small@small.example.com")
    big_owner = make_organisation_user("Big Co", email="big@big.example.com")
    partner = make_organisation_user("Partner Co", email="p@partner.example.com")
    _many_partnerships(small_owner, partner, 3)
    _many_partnerships(big_owner, partner, 30)
    small, big = client_as(small_owner), client_as(big_owner)
    small.get("/home")  # warm up
    for sort in ("name", "activity"):  # a built-in order, and one by a column's values
        first_page = big.get(f"/home?sort={sort}").get_data(as_text=True)
        second_url = _next_link(first_page)
        assert len(_names(first_page)) == 25 and second_url
        counts = [_queries_for(small, f"/home?sort={sort}"), _queries_for(big, f"/home?sort={sort}"),
                  _queries_for(big, second_url)]
        assert len({len(queries) for queries in counts}) == 1, counts
        # Partnerships with the user's roles, the page's with their parties, a batch per column.
        assert len(counts[0]) <= 13, counts[0]  # 13 since the promise ledger's column (its summaries)


def test_the_portfolio_pages_by_key_and_keeps_its_sort_and_filters(app, client_as):
    owner = make_organisation_user("Big Co", email="big@big.example.com")
    partner = make_organisation_user("Partner Co", email="p@partner.example.com")
    _many_partnerships(owner, partner, 30)
    client = client_as(owner)
    every = [f"Partnership {n:03d}" for n in range(30)]

    html = client.get("/home").get_data(as_text=True)
    assert _names(html) == every[:25] and "Showing 1–25 of 30" in html and "Showing all" not in html
    assert _previous_link(html) is None and "Next 5" in html
    html = client.get(_next_link(html)).get_data(as_text=True)
    assert _names(html) == every[25:] and "Showing 26–30 of 30" in html and _next_link(html) is None
    html = client.get(_previous_link(html)).get_data(as_text=True)
    assert _names(html) == every[:25] and _previous_link(html) is None

    # Descending by age (then by name); the link keeps the order.
    by_age = sorted(every, key=lambda name: (-(int(name[-3:]) % 7), name))
    html = client.get("/home?sort=age&order=desc").get_data(as_text=True)
    assert _names(html) == by_age[:25]
    second = _next_link(html)
    assert "sort=age" in second and "order=desc" in second
    # A partnership added before the cursor meanwhile does not push a row onto both pages.
    _partnership(owner, "Aardvark", years=6)
    db.session.commit()
    assert _names(client.get(second).get_data(as_text=True)) == by_age[25:]

    # Filters stay on every page; the count says how many match and how many there are.
    for n in range(3):
        _partnership(owner, f"Active {n:02d}", status="active")
    db.session.commit()
    html = client.get("/home?status=forming").get_data(as_text=True)
    assert len(_names(html)) == 25 and "Showing 1–25 of 31 matching, 34 in all" in html
    second = _next_link(html)
    assert "status=forming" in second
    assert _names(client.get(second).get_data(as_text=True)) == every[24:]  # after Aardvark and 000–023
    assert len(_names(client.get("/home?after=not-a-cursor").get_data(as_text=True))) == 25  # the first page


def test_an_empty_portfolio_invites_to_create_one(app, client_as):
    user = make_organisation_user("New Co", email="new@new.example.com")
    db.session.commit()
    html = client_as(user).get("/home").get_data(as_text=True)
    assert "No partnerships yet" in html and "Portfolio totals" not in html
    assert build_portfolio(user).totals.average_duration is None


def test_partnerships_starting_later_do_not_count_towards_the_average(app):
    user = make_organisation_user("Future Co", email="f@future.example.com")
    partnerships.create_partnership(user, name="Next year", type="other", purpose="x",
                                    start_date=date.today() + timedelta(days=400))
    _partnership(user, "Two years", years=2)
    db.session.commit()
    assert build_portfolio(user).totals.average_duration == "2 years"
