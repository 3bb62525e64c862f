"""Escalation journey: Alpha's editor raises an issue on the plan's ladder (first refused beside
the field with what was typed kept); Beta's editor takes it up to management and, on a page that
saw the issue before that, Alpha's admin is told what changed rather than resolving over it; the
issue is resolved; the ledger holds each party's promise per level; an outsider finds nothing."""

from playwright.sync_api import expect

from app.extensions import db
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import make_organisation_user, make_two_parties
from tests.support.promises import write_ladder


def test_an_issue_climbs_the_ladder_and_is_resolved(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        write_ladder(people)
        loner = make_organisation_user("Epsilon Co", email="lena@epsilon.example.com")
        db.session.commit()
        partnership_id = people.partnership.id
        eve_email, bo_email, ada_email, loner_email = (people.a.editor.email, people.b.editor.email,
                                                       people.a.admin.email, loner.email)
    escalations_url = f"{base}/partnerships/{partnership_id}/escalations"

    eve = new_page()
    sign_in(eve, base, eve_email)
    eve.goto(escalations_url)
    expect(eve.locator("table.escalation-ladder")).to_contain_text("Level 2: Management")
    eve.get_by_label("What happened").fill("Both sides booked door 4 for the 6am wave.")
    eve.get_by_label("Raised on").fill("2026-03-02")
    eve.get_by_role("button", name="Raise it at Level 1: Operational").click()
    expect(eve.locator("#title-error")).to_contain_text("Say what the issue is.")
    expect(eve.get_by_label("What happened")).to_have_value("Both sides booked door 4 for the 6am wave.")
    assert_accessible(eve)
    eve.get_by_label("The issue").fill("Dock doors double-booked")
    eve.get_by_role("button", name="Raise it at Level 1: Operational").click()
    expect(eve.get_by_role("heading", level=2)).to_have_text("Dock doors double-booked")
    issue_url = eve.url

    ada = new_page()  # opens the issue before Beta takes it up
    sign_in(ada, base, ada_email)
    ada.goto(issue_url)

    bo = new_page()
    sign_in(bo, base, bo_email)
    bo.goto(issue_url)
    bo.get_by_label("Taken up on").fill("2026-03-03")
    bo.get_by_label("Why").fill("The shift leads could not agree.")
    bo.get_by_role("button", name="Take it up").click()
    steps = bo.locator(".escalation-steps li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("in time")

    ada.get_by_label("Resolved on").fill("2026-03-05")
    ada.get_by_label("How it was resolved").fill("Door 4 is Contoso's before 9am.")
    ada.get_by_role("button", name="Record it resolved").click()
    expect(ada.locator("body")).to_contain_text("took it to level 2 (Management)")
    expect(ada.get_by_label("How it was resolved")).to_have_value("Door 4 is Contoso's before 9am.")
    ada.get_by_role("button", name="Record it resolved").click()  # the page now shows the issue as it is
    expect(ada.locator(".escalation-page")).to_contain_text("Door 4 is Contoso's before 9am.")
    assert_accessible(ada)

    bo.goto(f"{base}/partnerships/{partnership_id}/promises?source=escalation")
    rows = bo.locator("table.promise-table tbody tr")
    expect(rows).to_have_count(4)  # two levels, each a promise of both parties
    expect(rows.first).to_contain_text("Kept on time")

    lena = new_page()
    sign_in(lena, base, loner_email)
    for url in (escalations_url, issue_url):
        assert lena.goto(url).status == 404
