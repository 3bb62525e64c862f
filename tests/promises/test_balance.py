"""The give-and-get balance read from the plan's registers and the meetings recorded: what counts
on which side and in which unit, registers as they stood at each period's end, time from
headcounts and lengths, the band and its flag two periods in a row, and the page."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from app.consent import profile
from app.consent import services as consent
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.promises import balance, meetings
from app.promises.meetings import MeetingProblems
from app.review_cycle import periods
from app.types import utcnow
from tests.support import review_cycle as rc
from tests.support.consent import details
from tests.support.promises import write_bodies


def money(amount, currency="USD"):
    return {"amount": f"{amount}.00", "currency": currency}


def asset(name, party, value=None, category="equipment"):
    return {"name": name, "category": category, "party": party, "value": value, "description": None,
            "conditions": None, "disposition": None}


def benefit(name, party, value=None):
    return {"benefit": name, "party": party, "value": value, "realised_by": None}


def save(world, key, items, *, at=None, narrative="What we bring."):
    section = reading.section_for(world.partnership.id, key)
    content = reading.current_content(world.partnership.id, key)
    content["narrative"] = narrative
    content["items"].update(items)
    writing.save_section(load_membership(world.partnership.id, world.a.admin), section, content,
                         section.current_revision_id, at=at)
    db.session.commit()


def parties(world):
    return world.a.party.id, world.b.party.id


def today():
    return utcnow().date()


def previous_period(day: date) -> str:
    start, _end = periods.period_bounds(periods.period_of(day, 3), 3)
    return periods.period_of(start - timedelta(days=1), 3)


def registers_last_period(world, *, gives, gets):
    """A review cycle for the period before this one, and registers written early in it: Alpha
    and Beta give `gives` and get `gets` (USD). Answers the period and the cycle."""
    a, b = parties(world)
    before = previous_period(today())
    cycle = rc.open_cycle(world.partnership, world.a.admin, before)
    start, _end = periods.period_bounds(before, 3)
    then = datetime.combine(start + timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    save(world, "asset_register",
         {"assets": [asset("Fleet", a, money(gives[0])), asset("Docks", b, money(gives[1]))]}, at=then)
    save(world, "business_case",
         {"benefits": [benefit("Volume", a, money(gets[0])), benefit("Cost", b, money(gets[1]))]}, at=then)
    return before, cycle


def test_assets_and_benefits_count_at_their_value_per_currency(two_parties):
    a, b = parties(two_parties)
    save(two_parties, "asset_register", {"assets": [
        asset("Cross-dock", a, money(300_000)), asset("Fleet", a, money(100_000)),
        asset("Dock space", b, money(100_000)), asset("Rail slots", b, money(50_000, "EUR")),
        asset("Carrier network", a)]})
    save(two_parties, "business_case", {"benefits": [
        benefit("Lower cost", b, money(150_000)), benefit("Volume", a, money(50_000)),
        benefit("Reference customer", a)]})
    found = balance.give_and_get(two_parties.partnership.id, today())
    latest = found.latest
    assert [u.unit for u in latest.units] == ["EUR", "USD"]  # never converted, never added up
    usd = latest.unit("USD")
    assert (usd.given, usd.got) == (Decimal(500_000), Decimal(200_000))
    alpha, beta = usd.share_of(a), usd.share_of(b)
    assert (alpha.share_given, alpha.share_got, alpha.position) == (Fraction(4, 5), Fraction(1, 4), Fraction(-11, 20))
    assert (beta.share_given, beta.share_got, beta.position) == (Fraction(1, 5), Fraction(3, 4), Fraction(11, 20))
    eur = latest.unit("EUR")
    assert not eur.two_sided and eur.share_of(b).share_given == 1 and eur.share_of(b).position is None
    assert eur.share_of(a).share_given == 0 and eur.share_of(a).share_got is None
    assert latest.unvalued == {"assets": 1, "benefits": 1}
    assert found.not_counted == ["1 asset in the register without a value", "1 benefit without a value"]


def test_ip_and_data_count_as_register_entries_by_owner(two_parties):
    a, b = parties(two_parties)
    save(two_parties, "asset_register", {"assets": [
        asset("Forecast feed", b, category="data"), asset("Routing patent", a, money(90_000), category="ip")]})
    save(two_parties, "knowledge_management", {"knowledge": [
        {"name": "Dock algorithm", "type": "software", "owner": a, "confidentiality": "confidential",
         "licence_terms": None, "sharing_rules": None, "location": None},
        {"name": "Demand history", "type": "data", "owner": b, "confidentiality": "internal",
         "licence_terms": None, "sharing_rules": None, "location": None}]})
    latest = balance.give_and_get(two_parties.partnership.id, today()).latest
    assert latest.unit(balance.IP).share_of(a).given == 2  # the patent (also valued in USD) and the software
    assert latest.unit(balance.IP).share_of(b).given == 0
    assert latest.unit(balance.DATA).share_of(b).given == 2  # the feed and the history
    assert latest.unit("USD").share_of(a).given == Decimal(90_000)


def test_time_on_bodies_is_headcount_times_length_within_the_period(two_parties):
    write_bodies(two_parties)
    a, b = parties(two_parties)
    call = next(x for x in meetings.bodies_of(two_parties.partnership.id) if x.name == "Weekly performance call")
    membership = load_membership(two_parties.partnership.id, two_parties.a.editor)
    day = today()
    meetings.record_meeting(membership, call, day, {a: "Ann, Al, Ada", b: "Bo"}, "", [],
                            headcounts={a: 3, b: 1}, length_minutes=90)
    meetings.record_meeting(membership, call, day, {a: "Ann", b: "Bo"}, "", [], headcounts={a: 1})  # untimed
    start, _end = periods.period_bounds(periods.period_of(day, 3), 3)
    meetings.record_meeting(membership, call, start - timedelta(days=1), {a: "Ann"}, "", [],
                            headcounts={a: 10}, length_minutes=60)  # the period before: not this one's time
    db.session.commit()
    found = balance.give_and_get(two_parties.partnership.id, day)
    hours = found.latest.unit(balance.TIME)
    assert (hours.share_of(a).given, hours.share_of(b).given) == (Decimal("4.5"), Decimal("1.5"))
    assert hours.share_of(a).share_given == Fraction(3, 4)
    assert found.latest.untimed == {a: 1, b: 1}
    assert balance.format_amount(balance.TIME, Decimal("4.5")) == "4.5 h"


def test_headcounts_and_lengths_are_checked(two_parties):
    write_bodies(two_parties)
    a, b = parties(two_parties)
    call = next(x for x in meetings.bodies_of(two_parties.partnership.id) if x.name == "Weekly performance call")
    membership = load_membership(two_parties.partnership.id, two_parties.a.editor)
    with pytest.raises(MeetingProblems) as refused:
        meetings.record_meeting(membership, call, today(), {a: "Ann"}, "", [], headcounts={b: 2},
                                length_minutes=5)
    assert refused.value.problems == {"attendance": "Tick the party whose people you counted.",
                                      "length_hours": "Give a length from a quarter of an hour to 24 hours."}
    with pytest.raises(MeetingProblems) as refused:
        meetings.record_meeting(membership, call, today(), {a: "Ann"}, "", [], headcounts={a: 0})
    assert refused.value.problems == {"attendance": "Count from 1 to 500 people per party."}


def test_each_period_reads_the_registers_as_they_stood_at_its_end(two_parties):
    a, b = parties(two_parties)
    day = today()
    before, _cycle = registers_last_period(two_parties, gives=(100, 100), gets=(50, 50))
    save(two_parties, "asset_register", {"assets": [asset("Cross-dock", a, money(900)), asset("Docks", b, money(100))]})
    found = balance.give_and_get(two_parties.partnership.id, day)
    assert [(p.period, p.complete) for p in found.history] == [(before, True), (periods.period_of(day, 3), False)]
    assert found.history[0].unit("USD").share_of(a).position == 0  # 50/50 given and got, then
    assert found.history[1].unit("USD").share_of(a).position == Fraction(1, 2) - Fraction(9, 10)
    assert found.flags == []  # out of band in one period only


def test_out_of_the_band_two_periods_in_a_row_is_flagged_for_both_sides(two_parties):
    a, b = parties(two_parties)
    day = today()
    before, _cycle = registers_last_period(two_parties, gives=(800, 200), gets=(500, 500))
    found = balance.give_and_get(two_parties.partnership.id, day)
    assert found.band_points == 20
    assert [(f.party.name, f.unit, f.periods) for f in found.flags] == [
        (two_parties.a.party.name, "USD", (before, periods.period_of(day, 3))),
        (two_parties.b.party.name, "USD", (before, periods.period_of(day, 3)))]
    alpha, beta = found.flags
    assert [s.position for s in alpha.shares] == [Fraction(-3, 10)] * 2  # gives 80%, gets 50%
    assert [s.position for s in beta.shares] == [Fraction(3, 10)] * 2


def test_the_band_is_agreed_by_consent_and_moves_the_flag(two_parties):
    a, b = parties(two_parties)
    day = today()
    before, _cycle = registers_last_period(two_parties, gives=(750, 250), gets=(1, 1))
    # Alpha gives 75% and gets 50%: 25 points out, beyond the default band of 20.
    assert [f.party.id for f in balance.give_and_get(two_parties.partnership.id, day).flags] == [a, b]
    proposal = profile.propose_changes(load_membership(two_parties.partnership.id, two_parties.a.admin),
                                       details(two_parties.partnership, balance_band_points=25))
    db.session.commit()
    assert proposal.status == "open"
    assert balance.give_and_get(two_parties.partnership.id, day).band_points == 20  # not until Beta agrees
    consent.respond(load_membership(two_parties.partnership.id, two_parties.b.admin), proposal, "agree")
    db.session.commit()
    found = balance.give_and_get(two_parties.partnership.id, day)
    assert found.band_points == 25 and found.flags == []  # exactly on the band's edge is inside it


def test_a_partnership_with_nothing_recorded_has_no_shares_and_no_flags(two_parties):
    found = balance.give_and_get(two_parties.partnership.id, today())
    assert [p.units for p in found.history] == [[]]
    assert found.flags == [] and found.not_counted == []


def test_the_page_shows_the_balance_and_the_flag(two_parties, client_as):
    a, b = parties(two_parties)
    before, _cycle = registers_last_period(two_parties, gives=(900, 100), gets=(100, 900))
    page = client_as(two_parties.b.viewer).get(f"/partnerships/{two_parties.partnership.id}/give-and-get")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Out of the band" in html
    assert (f"<strong>{two_parties.a.party.name}</strong>, in USD, for 2 periods in a row" in html)
    assert "gives 90% of what is given and gets 10% of what is got (-80 pts)" in html
    assert "Change the band" not in html  # a viewer cannot propose it
    admin = client_as(two_parties.a.admin).get(f"/partnerships/{two_parties.partnership.id}/give-and-get")
    assert "Change the band" in admin.get_data(as_text=True)


def test_the_meeting_form_takes_the_length_and_how_many_came(two_parties, client_as):
    write_bodies(two_parties)
    a, b = parties(two_parties)
    call = next(x for x in meetings.bodies_of(two_parties.partnership.id) if x.name == "Weekly performance call")
    client = client_as(two_parties.b.editor)
    url = f"/partnerships/{two_parties.partnership.id}/meetings"
    form = {"body": call.key, "held_on": today().isoformat(), "length_hours": "1.5",
            f"attended-{a}": "1", f"people-{a}": "Ann, Al", f"count-{a}": "2", f"count-{b}": "3"}
    refused = client.submit(url, form)  # Beta counted but not ticked
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f"Tick {two_parties.b.party.name} if its people took part, or clear the count." in text
    assert 'value="1.5"' in text and 'value="Ann, Al"' in text and 'value="3"' in text  # nothing typed is lost
    refused = client.submit(url, {**form, f"count-{b}": "", "length_hours": "30"})
    assert refused.status_code == 422
    assert "Give a length from a quarter of an hour to 24 hours." in refused.get_data(as_text=True)
    refused = client.submit(url, {**form, f"count-{b}": "many"})
    assert "Count from 1 to 500 people per party, in figures." in refused.get_data(as_text=True)
    done = client.submit(url, {**form, f"attended-{b}": "1", f"people-{b}": "Bo"})
    assert done.status_code == 303
    assert "(2 people)" in client.get(done.headers["Location"]).get_data(as_text=True)
    hours = balance.give_and_get(two_parties.partnership.id, today()).latest.unit(balance.TIME)
    assert (hours.share_of(a).given, hours.share_of(b).given) == (Decimal(3), Decimal("4.5"))


def test_the_adapt_stage_offers_an_imbalance_as_an_adaptation(two_parties, client_as):
    a, b = parties(two_parties)
    rc.add_measures(two_parties.partnership, two_parties.a.admin)
    before, cycle = registers_last_period(two_parties, gives=(900, 100), gets=(100, 900))
    rc.submit(cycle, two_parties.a.editor, 4)
    rc.submit(cycle, two_parties.b.editor, 3)
    rc.agree_all(cycle, [two_parties.a.admin, two_parties.b.admin])
    assert cycle.stage == "adapt"
    text = client_as(two_parties.a.editor).get(
        f"/partnerships/{two_parties.partnership.id}/reviews/{cycle.id}").get_data(as_text=True)
    beta, alpha = two_parties.b.party.name, two_parties.a.party.name
    assert f"Rebalance what {beta} and {alpha} give and get in USD" in text  # once, for the pair
    assert text.count("<strong>Rebalance what") == 1
    assert f"{beta} gives 10% of the value given in USD and gets 90% of the value got" in text


def test_the_chart_draws_each_partys_position_against_the_band(two_parties, client_as):
    from app.promises.charts import balance_chart

    a, b = parties(two_parties)
    day = today()
    before, _cycle = registers_last_period(two_parties, gives=(900, 100), gets=(100, 900))
    found = balance.give_and_get(two_parties.partnership.id, day)
    svg = str(balance_chart(found.history, "USD", found.parties, found.band_points, {a: "#111111", b: "#222222"}))
    assert f"{two_parties.a.party.name}, {before}: -80 points (out of the band)" in svg
    assert f"{two_parties.b.party.name}, {periods.period_of(day, 3)} so far: +80 points (out of the band)" in svg
    assert "±20" in svg and svg.count("<polyline") == 2
    assert str(balance_chart(found.history, "EUR", found.parties, 20, {})) == ""  # nothing in that currency
    page = client_as(two_parties.a.viewer).get(f"/partnerships/{two_parties.partnership.id}/give-and-get")
    assert 'class="balance-chart"' in page.get_data(as_text=True)
