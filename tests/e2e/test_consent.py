"""Journey: changing the partnership's details takes every party. Alpha's admin proposes in
Settings; Beta's admin finds it on the home page, tries to decline without a reason, declines;
Alpha proposes again and Beta agrees; the change is made. Each page on the way passes axe and
fits a 360 px phone."""

import re

from playwright.sync_api import expect

from tests.support.accessibility import assert_accessible, assert_no_sideways_scroll
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties


def _checked(page, where: str) -> None:
    assert_accessible(page, where)
    assert_no_sideways_scroll(page, where)


def test_a_change_of_details_proposed_declined_proposed_again_and_agreed(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        home = f"{base}/partnerships/{people.partnership.id}"
        ada_email, bob_email = people.a.admin.email, people.b.admin.email

    ada, bob = new_page(), new_page()
    sign_in(ada, base, ada_email)
    sign_in(bob, base, bob_email)

    # Ada proposes a new name and status; a bad value first is refused at its field.
    ada.goto(f"{home}/settings")
    _checked(ada, "settings")
    ada.get_by_label("Days a proposal stays open").fill("500")
    ada.get_by_role("button", name="Propose these changes").click()
    expect(ada.locator("#proposal_ttl_days-error")).to_contain_text("Enter a number of days from 1 to 90.")
    _checked(ada, "settings with an error")
    ada.get_by_label("Days a proposal stays open").fill("14")
    ada.get_by_label("Partnership name").fill("Alpha–Beta Growth Alliance")
    ada.get_by_label("Status").select_option("active")
    ada.get_by_label("Why").fill("We signed the first plan version.")
    ada.get_by_role("button", name="Propose these changes").click()
    expect(ada.locator(".flash, .alert").first).to_contain_text("Your change is proposed")
    expect(ada.get_by_role("heading", level=2)).to_contain_text("Change the partnership's name and status")
    _checked(ada, "the proposal, as its proposer")
    proposal_url = ada.url

    # Bob sees it waiting for his agreement on the home page.
    bob.goto(home)
    panel = bob.locator(".overview__panel--proposals")
    expect(panel).to_contain_text("Waiting for your agreement")
    panel.get_by_role("link", name="Change the partnership's name and status").click()
    expect(bob.locator(".proposal-changes")).to_contain_text("Alpha–Beta Growth Alliance")
    expect(bob.locator(".proposal-changes")).to_contain_text("Active")
    _checked(bob, "the proposal, asked to answer")

    # Declining needs a reason: the message is at the field, then a reason declines it.
    bob.get_by_role("button", name="Decline").click()
    expect(bob.locator("#reason-error")).to_contain_text("Give your reason for declining")
    _checked(bob, "the proposal, declined without a reason")
    bob.get_by_label("Your reason").fill("Not before the steering group meets.")
    bob.get_by_role("button", name="Decline").click()
    expect(bob.locator(".badge--proposal-declined")).to_have_text("Declined")
    expect(bob.locator(".answer-list")).to_contain_text("Not before the steering group meets.")
    ada.goto(home)
    expect(ada.locator(".partnership-head, header").first).not_to_contain_text("Growth")

    # Ada proposes again; Bob agrees; the change is made.
    ada.goto(f"{home}/settings")
    ada.get_by_label("Partnership name").fill("Alpha–Beta Growth Alliance")
    ada.get_by_role("button", name="Propose these changes").click()
    second_url = ada.url
    assert second_url != proposal_url
    bob.goto(second_url)
    bob.get_by_role("button", name="Agree").click()
    expect(bob.locator(".badge--proposal-agreed")).to_have_text("Agreed and made")
    expect(bob.get_by_text(re.compile("Every party has agreed, so the change is made"))).to_be_visible()

    bob.goto(f"{home}/proposals")
    expect(bob.locator(".proposal-list")).to_have_count(1)  # nothing open: only the decided list
    expect(bob.locator(".proposal-list__item")).to_have_count(2)
    _checked(bob, "the Proposals tab")
    bob.goto(home)
    expect(bob.locator("body")).to_contain_text("Alpha–Beta Growth Alliance")
