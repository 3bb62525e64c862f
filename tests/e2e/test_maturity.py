"""Issue journey: the joint maturity assessment with the other party, in two browsers. Alpha's
admin starts it and rates every dimension with evidence; Beta's admin sees that Alpha submitted,
never what; once Beta submits, both read the ratings side by side with the perception gaps, and
the overview shows the joint maturity."""

import re

from playwright.sync_api import expect

from app.review_cycle import cycles, maturity
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties

EVIDENCE = "Steering minutes show monthly decisions"


def _rate_everything(page, level: str, evidence: str) -> None:
    for fieldset in page.locator("fieldset.score-choice").all():
        fieldset.locator("label.score-choice__option", has_text=level).click()
    page.locator("textarea[name^='comment-']").first.fill(evidence)


def test_a_blind_maturity_assessment_in_two_browsers(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        home = f"{base}/partnerships/{people.partnership.id}"
        ada_email, bob_email = people.a.admin.email, people.b.admin.email

    ada, bob = new_page(), new_page()
    sign_in(ada, base, ada_email)
    sign_in(bob, base, bob_email)

    ada.goto(f"{home}/maturity")
    ada.get_by_role("button", name="Start the maturity assessment").click()
    expect(ada.locator(".waiting")).to_contain_text("Waiting for Beta GmbH to submit its assessment")
    with live_server.app.app_context():
        cycle_url = f"{home}/reviews/{cycles.open_cycle_of(people.partnership.id, maturity.KIND).id}"
    ada.get_by_role("link", name="Write Alpha Ltd's assessment").click()
    expect(ada.get_by_text("5 Optimising").first).to_be_visible()
    _rate_everything(ada, "4", EVIDENCE)
    ada.get_by_role("button", name="Submit for Alpha Ltd").click()
    ada.get_by_role("button", name="Submit now").click()
    expect(ada.locator(".flash--success")).to_contain_text("submitted")

    # Blind: Bob learns that Alpha submitted, nothing of its ratings or evidence.
    bob.goto(cycle_url + "/results")
    expect(bob.get_by_role("heading", name="The results appear once every party has submitted")).to_be_visible()
    bob.goto(home)
    expect(bob.locator(".maturity-panel")).to_contain_text("ratings stay hidden until every party has submitted")
    bob.goto(cycle_url + "/assessment")
    assert EVIDENCE not in bob.content() and not bob.locator("input[type=radio]:checked").count()
    _rate_everything(bob, "2", "Plants still bypass the ladder")
    bob.get_by_role("button", name="Submit for Beta GmbH").click()
    bob.get_by_role("button", name="Submit now").click()

    # Revealed to both: every rating side by side, gaps of 2 levels flagged, the evidence.
    expect(bob).to_have_url(re.compile(r".*/results$"))
    expect(bob.locator(".table--scores")).to_contain_text("Exit readiness")
    expect(bob.locator(".gap-note")).to_contain_text("Leadership")
    assert EVIDENCE in bob.content()
    ada.goto(home)
    expect(ada.locator(".maturity-panel")).to_contain_text("3.0")
