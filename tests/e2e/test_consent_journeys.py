"""Consent journeys in two browsers: withdrawing an issued version, and correcting a submitted
assessment (before the reveal the other party sees only that a correction was asked for)."""

import os

from playwright.sync_api import expect

from app.accounts.models import User
from app.extensions import db
from app.review_cycle import cycles
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties
from tests.support.plans import Versions
from tests.support.review_cycle import add_measures, open_cycle, submit

# JOINTLY_SCREENSHOTS=/some/dir saves a screenshot of each page of the journeys there.
SHOTS = os.environ.get("JOINTLY_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"consent-{name}.png"), full_page=True)


def test_a_version_is_withdrawn_when_the_other_party_agrees(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        plan = Versions(people)
        plan.write_everything()
        version = plan.issue()
        url = f"{live_server.url}/partnerships/{people.partnership.id}/versions/{version.id}"
        ada_email, bob_email = people.a.admin.email, people.b.admin.email
    ada, bob = new_page(), new_page()
    sign_in(ada, live_server.url, ada_email)
    sign_in(bob, live_server.url, bob_email)

    ada.goto(url)
    ada.get_by_label("Why it should be withdrawn").fill("The prices in the commercial agreement are last year's.")
    ada.get_by_role("button", name="Propose withdrawing v1.0").click()
    expect(ada.locator(".flash--success")).to_contain_text("until then it can still be signed")
    expect(ada.locator(".version-withdrawal")).to_contain_text("signing goes on")
    shot(ada, "withdrawal-proposed")
    assert_accessible(ada, "a version with a withdrawal proposed")

    bob.goto(url)
    expect(bob.get_by_role("link", name="Read and sign")).to_be_visible()  # signing goes on
    bob.get_by_role("link", name="See the proposal and who has answered").click()
    expect(bob.locator(".proposal__reason")).to_contain_text("last year's")
    shot(bob, "withdrawal-proposal")
    assert_accessible(bob, "the withdrawal proposal")
    bob.get_by_role("button", name="Agree").click()
    expect(bob.locator(".flash--success")).to_contain_text("the change is made")

    bob.goto(url)
    expect(bob.locator(".version-withdrawn")).to_contain_text("Withdrawn")
    expect(bob.locator(".version-withdrawn")).to_contain_text("last year's")
    expect(bob.get_by_role("link", name="Read and sign")).to_have_count(0)
    shot(bob, "version-withdrawn")
    assert_accessible(bob, "a withdrawn version")
    bob.goto(f"{live_server.url}/notifications")
    expect(bob.locator("main")).to_contain_text("no longer needs your signature")
    expect(bob.locator("main")).to_contain_text("Plan v1.0 is withdrawn")
    shot(bob, "withdrawn-notifications")


def test_an_assessment_is_corrected_with_the_other_partys_agreement(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        add_measures(people.partnership, people.a.admin)
        cycle = open_cycle(people.partnership, people.a.admin)
        submit(cycle, people.a.editor, 4, actual="10")
        db.session.commit()
        cycle_url = f"{live_server.url}/partnerships/{people.partnership.id}/reviews/{cycle.id}"
        ada_email, bob_email, a_party = people.a.admin.email, people.b.admin.email, people.a.party.id
        pid, cycle_id, b_editor_id = people.partnership.id, cycle.id, people.b.editor.id
        owned = [m["id"] for m in cycle.measures if m["data_owner"] == a_party]
    ada, bob = new_page(), new_page()
    sign_in(ada, live_server.url, ada_email)
    sign_in(bob, live_server.url, bob_email)

    ada.goto(cycle_url + "/assessment")
    ada.get_by_label("What needs correcting, and why").fill("SECRETREASON: on-time delivery was 97.1, not 10.")
    ada.get_by_role("button", name="Ask to reopen it for a correction").click()
    expect(ada.locator(".flash--success").first).to_contain_text("learn only that a correction was asked for")
    shot(ada, "correction-asked")

    bob.goto(f"{live_server.url}/partnerships/{pid}/proposals")
    bob.get_by_role("link", name="Reopen Alpha Ltd's submitted assessment").first.click()
    expect(bob.locator(".proposal")).to_contain_text("learns only that Alpha Ltd asked to correct its assessment")
    assert "SECRETREASON" not in bob.content() and "97.1" not in bob.content()
    shot(bob, "correction-proposal-blind")
    assert_accessible(bob, "a correction proposal before the reveal")
    bob.get_by_role("button", name="Agree").click()
    expect(bob.locator(".flash--success")).to_contain_text("the change is made")
    assert "SECRETREASON" not in bob.content()

    ada.goto(cycle_url + "/assessment")
    expect(ada.locator(".alert--info")).to_contain_text("correct it and submit it again")
    ada.locator(f"#actual-{owned[0]}").fill("97.1")
    ada.get_by_role("button", name="Submit for Alpha Ltd…").click()
    expect(ada.get_by_role("heading", name="Submit Alpha Ltd's corrected assessment now?")).to_be_visible()
    shot(ada, "correction-confirm")
    assert_accessible(ada, "the submit confirmation")
    ada.get_by_role("button", name="Submit now").click()
    expect(ada.locator(".flash--success").first).to_contain_text("corrected review")

    with live_server.app.app_context():
        submit(cycles.cycle_of(pid, cycle_id), db.session.get(User, b_editor_id), 3)
    bob.goto(cycle_url + "/results")
    expect(bob.locator(".corrections")).to_contain_text("Alpha Ltd corrected its assessment on")
    bob.get_by_text("What Alpha Ltd first submitted").click()
    expect(bob.locator(".corrections__original")).to_contain_text("10")
    shot(bob, "results-corrected")
    assert_accessible(bob, "results with a correction")
