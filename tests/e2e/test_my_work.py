"""Journey: Bob signs in and lands on My work, follows a proposal waiting for him, sees the
header's count on other pages; then creates his calendar address in his account settings,
copies it with the Copy button, and a calendar client (no session) fetches and parses it."""

import os
import re
import urllib.request

import icalendar
from playwright.sync_api import expect

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.consent import propose_rename
from tests.support.factories import make_two_parties
from tests.support.my_work import mention
from tests.support.review_cycle import add_measures, open_cycle

SHOTS = os.environ.get("E2E_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"my-work-{name}.png"), full_page=True)


def test_landing_on_my_work_and_subscribing_to_the_calendar(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        add_measures(people.partnership, people.a.admin)
        cycle = open_cycle(people.partnership, people.a.admin)
        proposal = propose_rename(people)
        section = reading.section_for(people.partnership.id, "risk_assessment")
        writing.save_section(load_membership(people.partnership.id, people.a.admin), section,
                                   {"narrative": "Few risks.", "items": {"risks": []}}, None)
        db.session.commit()
        mention(people.partnership, people.a.admin, "@Bob Admin could you add the customs risk?")
        bob_email, pid, proposal_id, cycle_id = people.b.admin.email, people.partnership.id, proposal.id, cycle.id

    bob = new_page()
    bob.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_in(bob, base, bob_email)
    expect(bob).to_have_url(base + "/my-work")
    expect(bob.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    expect(bob.get_by_text("3 things waiting for you")).to_be_visible()
    nav = bob.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=re.compile(r"My work, 3 waiting"))).to_be_visible()
    for heading in ("Proposals waiting for your answer", "Reviews your party has not submitted",
                    "Mentions you have not read"):
        expect(bob.get_by_role("heading", name=re.compile(heading))).to_be_visible()
    expect(bob.locator(f'a[href="/partnerships/{pid}/reviews/{cycle_id}/assessment"]')).to_be_visible()
    assert_accessible(bob, "My work")
    shot(bob, "page")

    # The portfolio is one click away, and its header still shows the count (filled in after load).
    nav.get_by_role("link", name="Partnerships").click()
    expect(bob).to_have_url(base + "/home")
    expect(nav.get_by_role("link", name=re.compile(r"My work, 3 waiting"))).to_be_visible()

    # Follow the proposal from My work.
    nav.get_by_role("link", name=re.compile("My work")).click()
    bob.get_by_role("link", name="Change the partnership's name").click()
    expect(bob).to_have_url(f"{base}/partnerships/{pid}/proposals/{proposal_id}")
    expect(bob.get_by_role("button", name=re.compile("Agree"))).to_be_visible()

    # The mention is opened through My work and is read from then on.
    bob.goto(base + "/my-work")
    bob.get_by_role("button", name=re.compile("Ada Admin mentioned you")).click()
    expect(bob).to_have_url(re.compile(rf"/partnerships/{pid}/plan/risk_assessment/comments"))
    bob.goto(base + "/my-work")
    expect(bob.get_by_text("2 things waiting for you")).to_be_visible()

    # The calendar address, from the account settings.
    bob.get_by_role("link", name="your calendar address").click()
    expect(bob).to_have_url(base + "/account#calendar")
    bob.get_by_role("button", name="Create my calendar address").click()
    expect(bob.get_by_text("Your calendar address is ready")).to_be_visible()
    address = bob.get_by_label("Your calendar address")
    url = address.input_value()
    assert re.fullmatch(re.escape(base) + r"/calendar/[A-Za-z0-9_-]{43}\.ics", url)
    bob.get_by_role("button", name="Copy the calendar address").click()
    expect(bob.get_by_role("button", name=re.compile("Copied"))).to_be_visible()
    assert bob.evaluate("navigator.clipboard.readText()") == url
    assert_accessible(bob, "account settings with a calendar address")
    bob.locator("#calendar").screenshot(path=os.path.join(SHOTS, "my-work-settings.png")) if SHOTS else None

    # A calendar app fetches it with no session at all.
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own server
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = icalendar.Calendar.from_ical(response.read())
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert any(s.startswith("Review ") and "due: Alpha–Beta Alliance" in s for s in summaries), summaries
    assert "Proposal expires: Change the partnership's name" in summaries

    # Resetting kills the copied address.
    bob.once("dialog", lambda dialog: dialog.accept())
    bob.get_by_role("button", name="Reset the address").click()
    expect(bob.get_by_text("Your calendar address is reset")).to_be_visible()
    assert bob.get_by_label("Your calendar address").input_value() != url
    try:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310
        raise AssertionError("the old address still answers")
    except urllib.error.HTTPError as error:
        assert error.code == 404
