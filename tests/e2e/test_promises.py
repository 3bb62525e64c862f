"""Promise journeys in two browsers: Beta records Alpha's objective as broken (its note refused
empty beside the field first); Alpha contests it with the day it was met; both see the dispute
with both views; Beta accepts Alpha's view and the ledger counts the promise as kept. An
outsider finds neither the ledger nor the promise."""

import re

from playwright.sync_api import expect

from app.extensions import db
from app.promises.ledger import promises_of
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import make_organisation_user, make_two_parties
from tests.support.promises import TARGET_A, write_objectives


def test_an_outcome_is_recorded_disputed_and_settled(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        write_objectives(people)
        loner = make_organisation_user("Epsilon Co", email="lena@epsilon.example.com")
        db.session.commit()
        partnership_id = people.partnership.id
        key = next(p.key for p in promises_of(partnership_id)
                   if p.source == "objective" and p.promisor.id == people.a.party.id)
        bob_email, eve_email, loner_email = people.b.admin.email, people.a.editor.email, loner.email
    ledger = f"{base}/partnerships/{partnership_id}/promises"

    bob = new_page()
    sign_in(bob, base, bob_email)
    bob.goto(ledger)
    bob.get_by_label("Promised by").select_option(label="Alpha Ltd")
    bob.get_by_label("Source").select_option(label="Objective")
    bob.get_by_role("button", name="Filter").click()
    row = bob.locator("tr", has_text="Cut dock-to-stock time to 24 hours")
    expect(row).to_contain_text("Open, overdue by")
    expect(bob.locator("table.promise-table tbody tr")).to_have_count(1)  # the undated objective is no promise
    row.get_by_role("link", name="Cut dock-to-stock time to 24 hours").click()
    form = bob.locator("form", has=bob.get_by_role("button", name="Record the outcome"))
    form.get_by_label("Broken").check()
    form.get_by_role("button", name="Record the outcome").click()
    expect(bob.locator("#note-error")).to_have_text("Say what was promised and not done.")
    bob.get_by_label("Note").fill("Still 36 hours at the March count.")
    bob.locator("form", has=bob.get_by_role("button", name="Record the outcome")).get_by_label("Broken").check()
    bob.get_by_role("button", name="Record the outcome").click()
    expect(bob.locator(".promise-page .badge").first).to_have_text("Broken")
    expect(bob.locator(".promise-page")).to_contain_text("Recorded as broken by Beta GmbH")
    expect(bob.get_by_role("heading", name="Contest this outcome")).to_have_count(0)  # not Beta's to contest

    eve = new_page()
    sign_in(eve, base, eve_email)
    eve.goto(f"{ledger}/{key}")
    expect(eve.get_by_role("heading", name="Record the outcome")).to_have_count(0)  # not Alpha's to confirm
    met = TARGET_A.replace(day=TARGET_A.day - 2)
    eve.get_by_label("It was kept on").fill(met.isoformat())
    eve.get_by_label("Why the outcome is wrong").fill("The March count was 23 hours; the sheet is in the plan.")
    eve.get_by_role("button", name="Contest the outcome").click()
    dispute = eve.locator("section.promise-dispute")
    expect(dispute).to_contain_text("Still 36 hours at the March count.")
    expect(dispute).to_contain_text("The March count was 23 hours")
    expect(eve.locator(".promise-page")).to_contain_text("Broken")  # a contest replaces nothing
    assert_accessible(eve)

    bob.reload()
    expect(bob.locator("section.promise-dispute")).to_contain_text("Alpha Ltd's view")
    bob.get_by_role("button", name="Accept Alpha Ltd's view").click()
    expect(bob.locator("section.promise-dispute")).to_have_count(0)
    expect(bob.locator(".promise-page .badge").first).to_have_text("Kept on time")
    bob.goto(f"{ledger}?disputed=y")
    expect(bob.locator(".empty-state")).to_contain_text("No promises match")
    bob.goto(ledger)
    expect(bob.locator(".reliability-card", has_text="Alpha Ltd")).to_contain_text(re.compile(r"kept on time"))

    loner_page = new_page()
    sign_in(loner_page, base, loner_email)
    for url in (ledger, f"{ledger}/{key}"):
        assert loner_page.goto(url).status == 404
