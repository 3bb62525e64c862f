"""Meeting journey: Alpha's editor records a steering committee meeting with a decision outside
the committee's decision rights (first refused beside the row until the rights are answered, with
everything typed kept); the meeting page and Beta's decision register flag it; an outsider finds
neither."""

from playwright.sync_api import expect

from app.extensions import db
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import make_organisation_user, make_two_parties
from tests.support.promises import write_bodies


def test_a_meeting_with_a_decision_outside_the_bodys_rights_is_recorded_and_flagged(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        write_bodies(people)
        loner = make_organisation_user("Epsilon Co", email="lena@epsilon.example.com")
        db.session.commit()
        partnership_id = people.partnership.id
        eve_email, bob_email, loner_email = people.a.editor.email, people.b.admin.email, loner.email
    meetings_url = f"{base}/partnerships/{partnership_id}/meetings"

    eve = new_page()
    sign_in(eve, base, eve_email)
    eve.goto(meetings_url)
    row = eve.locator("tr", has_text="Executive steering committee")
    expect(row).to_contain_text("no meeting recorded yet")
    row.get_by_role("link", name="Record a meeting").click()
    eve.get_by_label("Held on").fill("2026-02-10")
    eve.get_by_role("checkbox", name="Alpha Ltd").check()
    eve.get_by_role("checkbox", name="Beta GmbH").check()
    eve.get_by_label("Who came for Beta GmbH").fill("Bob Admin")
    eve.get_by_label("Minutes").fill("## Scope\n\nThe Dayton cross-dock was discussed.")
    eve.get_by_label("Decision 1").fill("Move the Dayton cross-dock to a new operator")
    eve.get_by_role("button", name="Record the meeting").click()
    expect(eve.locator("#decision-0-error")).to_contain_text("Say which of the body's decision rights")
    expect(eve.get_by_label("Decision 1")).to_have_value("Move the Dayton cross-dock to a new operator")
    expect(eve.get_by_label("Who came for Beta GmbH")).to_have_value("Bob Admin")
    assert_accessible(eve)
    eve.locator("#right-0").select_option(label="None of these: outside its rights")
    eve.get_by_label("Decision 2").fill("Sign plan v2.0 next quarter")
    eve.locator("#right-1").select_option(label="signs plan versions")
    eve.get_by_role("button", name="Record the meeting").click()
    page = eve.locator(".meeting-page")
    expect(page.get_by_role("heading", level=2)).to_have_text("Executive steering committee, 10 Feb 2026")
    decisions = page.locator(".decision-list li")
    expect(decisions.nth(0)).to_contain_text("Outside its decision rights")
    expect(decisions.nth(1)).to_contain_text("Within its rights: signs plan versions")
    expect(page.locator(".prose h2, .prose h3, .prose h4").first).to_contain_text("Scope")

    bob = new_page()
    sign_in(bob, base, bob_email)
    bob.goto(f"{base}/partnerships/{partnership_id}/decisions")
    bob.get_by_role("link", name="Only those outside a body's rights").click()
    rows = bob.locator("table.decision-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Move the Dayton cross-dock to a new operator")
    bob.goto(meetings_url)
    expect(bob.locator("tr", has_text="Executive steering committee")).to_contain_text("10 Feb 2026")

    lena = new_page()
    sign_in(lena, base, loner_email)
    for url in (meetings_url, f"{base}/partnerships/{partnership_id}/decisions"):
        assert lena.goto(url).status == 404
