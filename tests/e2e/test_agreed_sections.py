"""Issue journey: the parties switch agreed sections on by consent (one proposes in Settings, the
other agrees); an edit to a signed section becomes a proposal whose page shows the diff; the other
party agrees and the section changes. Another edit is declined: the section stays, and its history
shows the declined change with the reason."""

import os

from playwright.sync_api import expect

from tests.support.accessibility import assert_accessible, assert_no_sideways_scroll
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties
from tests.support.plans import Versions

# JOINTLY_SCREENSHOTS=/some/dir saves a screenshot of each page of the journey there.
SHOTS = os.environ.get("JOINTLY_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"agreed-{name}.png"), full_page=True)


def edit_narrative(page, section_url: str, words: str, note: str) -> None:
    page.goto(section_url + "/edit")
    expect(page.get_by_role("button", name="Propose change")).to_be_visible()
    expect(page.locator(".agreed-notice")).to_contain_text("Saving proposes your change to Beta GmbH")
    page.locator("#narrative").fill(words)
    page.get_by_label("Edit note").fill(note)
    shot(page, f"edit-{note.split()[0].lower()}")
    assert_accessible(page, "editor of a signed section")
    page.get_by_role("button", name="Propose change").click()
    expect(page.locator(".flash, [role=alert], .alert").first).to_be_visible()
    expect(page.get_by_text("Proposed to Beta GmbH: your change is made when every other party agrees")).to_be_visible()


def test_agreed_sections_journey(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        plan = Versions(people)
        plan.write_everything()
        version = plan.issue()
        plan.sign(version, people.a.admin)
        plan.sign(version, people.b.admin)
        base = f"{live_server.url}/partnerships/{people.partnership.id}"
        section_url = base + "/plan/risk_assessment"
        before = plan.section("risk_assessment").current_revision.content["narrative"]
        emails = {"ada": people.a.admin.email, "bob": people.b.admin.email, "eve": people.a.editor.email}

    ada, bob, eve = new_page(), new_page(), new_page()
    for page, who in ((ada, "ada"), (bob, "bob"), (eve, "eve")):
        sign_in(page, live_server.url, emails[who])

    # Ada proposes switching agreed sections on; Bob agrees on the proposal's page.
    ada.goto(base + "/settings")
    ada.get_by_label("Agreed sections").check()
    ada.get_by_role("button", name="Propose these changes").click()
    expect(ada.get_by_role("heading", name="Switch agreed sections on")).to_be_visible()
    bob.goto(base + "/proposals")
    bob.get_by_role("link", name="Switch agreed sections on").click()
    bob.get_by_role("button", name="Agree").click()
    expect(bob.get_by_text("Every party has agreed, so the change is made")).to_be_visible()

    # Eve edits the signed Risk assessment: it becomes a proposal, and the section reads as before.
    edit_narrative(eve, section_url, "We watch the ports **and** the rivers.", "Add rivers")
    expect(eve.get_by_role("heading", name="Change Risk assessment: Add rivers")).to_be_visible()
    shot(eve, "proposed")
    eve.goto(section_url)
    expect(eve.locator(".agreed-notice")).to_contain_text("A change to this section waits")
    expect(eve.locator(".plan-body")).not_to_contain_text("the rivers")
    shot(eve, "section-waiting")
    assert_accessible(eve, "section with a change waiting")

    # Bob reads the diff with Eve's note and agrees: the section changes.
    bob.goto(base + "/proposals")
    bob.get_by_role("link", name="Change Risk assessment: Add rivers").click()
    expect(bob.locator(".section-change")).to_contain_text("Add rivers")
    expect(bob.locator(".section-change .diff")).to_contain_text("the rivers")
    shot(bob, "diff")
    assert_accessible(bob, "proposed section change")
    assert_no_sideways_scroll(bob, "proposed section change")
    bob.get_by_role("button", name="Agree").click()
    expect(bob.get_by_text("Every party has agreed, so the change is made")).to_be_visible()
    expect(bob.locator(".section-change")).to_contain_text("Saved as revision")
    bob.goto(section_url)
    expect(bob.locator(".plan-body")).to_contain_text("We watch the ports and the rivers.")

    # Another edit is declined: the section stays as agreed, the history shows it declined.
    edit_narrative(eve, section_url, "Nothing to watch.", "Trim risks")
    bob.goto(base + "/proposals")
    bob.get_by_role("link", name="Change Risk assessment: Trim risks").click()
    bob.get_by_label("Your reason").fill("The ports still need watching.")
    bob.get_by_role("button", name="Decline").click()
    expect(bob.get_by_text("You declined")).to_be_visible()
    eve.goto(section_url)
    expect(eve.locator(".plan-body")).to_contain_text("We watch the ports and the rivers.")
    eve.goto(section_url + "/history")
    changes = eve.locator(".section-changes")
    expect(changes).to_contain_text("Change Risk assessment: Trim risks")
    expect(changes).to_contain_text("Declined")
    expect(changes).to_contain_text("The ports still need watching.")
    expect(changes).to_contain_text("made as revision")
    shot(eve, "history")
    assert_accessible(eve, "history with proposed changes")
    assert before != "We watch the ports and the rivers."
