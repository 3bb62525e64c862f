"""Issue journey: a whole review cycle with one admin of each party in two browser contexts.
Both score blind (the second cannot see the first's scores before submitting its own), the
results are revealed, the parties agree through Adapt, Improve and Operate, and the closed
cycle's report is shown."""

import re

from playwright.sync_api import expect

from app.review_cycle import cycles
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties
from tests.support.review_cycle import add_measures

SECRET = "Alpha thinks the forecasts arrive too late"


def _score_everything(page, score: str, comment: str, actuals: dict[str, str]) -> None:
    for fieldset in page.locator("fieldset.score-choice").all():
        fieldset.locator("label.score-choice__option", has_text=score).click()
    page.locator("textarea[name^='comment-']").first.fill(comment)
    for measure_id, value in actuals.items():
        page.locator(f"#actual-{measure_id}").fill(value)
    page.get_by_label("What went well this period").fill(f"{comment} (achievements)")


def _agree(page, party: str) -> None:
    page.get_by_role("button", name=re.compile(f"Agree to .* for {party}")).click()


def test_a_whole_cycle_in_two_browsers(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        add_measures(people.partnership, people.a.admin)
        reviews = f"{base}/partnerships/{people.partnership.id}/reviews"
        ada_email, bob_email = people.a.admin.email, people.b.admin.email
        a_party, b_party = people.a.party.id, people.b.party.id

    ada, bob = new_page(), new_page()
    for page in (ada, bob):
        page.on("dialog", lambda dialog: dialog.accept())
    sign_in(ada, base, ada_email)
    sign_in(bob, base, bob_email)

    # Ada opens the cycle for the proposed period.
    ada.goto(reviews)
    ada.get_by_role("button", name="Open the review").click()
    expect(ada.locator(".waiting")).to_contain_text("Waiting for Beta GmbH to submit its assessment")
    with live_server.app.app_context():
        cycle = cycles.open_cycle_of(people.partnership.id)
        cycle_url, period = f"{reviews}/{cycle.id}", cycle.period
        owned = {party: [m["id"] for m in cycle.measures if m["data_owner"] == party] for party in (a_party, b_party)}

    # Ada scores; the draft saves itself as she types, then she submits.
    ada.get_by_role("link", name="Write Alpha Ltd's assessment").click()
    _score_everything(ada, "5", SECRET, {m: "97" for m in owned[a_party]})
    expect(ada.locator("[data-autosave-status]")).to_contain_text("Draft saved")
    ada.get_by_role("button", name="Submit for Alpha Ltd").click()
    ada.get_by_role("button", name="Submit now").click()
    expect(ada.locator(".flash--success")).to_contain_text("submitted")

    # Bob sees that Alpha submitted, never what it wrote.
    bob.goto(cycle_url)
    expect(bob.locator(".party-status")).to_contain_text("Alpha Ltd submitted")
    expect(bob.locator(".waiting")).to_contain_text("Beta GmbH (your party) has yet to submit its assessment")
    bob.goto(cycle_url + "/results")
    expect(bob.get_by_role("heading", name="The results appear once every party has submitted")).to_be_visible()
    assert SECRET not in bob.content() and "score-dot" not in bob.content()
    bob.goto(cycle_url + "/assessment")
    assert SECRET not in bob.content()
    _score_everything(bob, "2", "Beta sees it differently", {m: "3.9" for m in owned[b_party]})
    bob.get_by_role("button", name="Submit for Beta GmbH").click()
    bob.get_by_role("button", name="Submit now").click()

    # Both parties' scores are revealed: gaps of 3 are flagged, with the radar chart.
    expect(bob).to_have_url(re.compile(r".*/results$"))
    expect(bob.locator(".table--scores")).to_contain_text("Trust")
    assert SECRET in bob.content()
    expect(bob.locator(".gap-flag").first).to_contain_text("3")
    expect(bob.locator("svg.chart--radar")).to_be_visible()
    assert_accessible(bob, "the results page with its charts")

    # Every member's cycle page announces the results, with a link; then both admins agree.
    ada.goto(cycle_url)
    expect(ada.locator(".results-in")).to_contain_text("The results are in")
    expect(ada.locator(".results-in").get_by_role("link", name=f"See the {period} results")).to_be_visible()
    _agree(ada, "Alpha Ltd")
    expect(ada.locator(".waiting")).to_contain_text("Waiting for Beta GmbH to agree to move on to Adapt")
    bob.goto(cycle_url)
    _agree(bob, "Beta GmbH")
    expect(bob.locator(".flash--success")).to_contain_text("now in Adapt")

    # Adapt: Bob records an adaptation; both agree.
    bob.get_by_label("What changes in how we work").fill("Forecasts are shared every Monday.")
    bob.get_by_label("Plan section it affects").select_option("communications")
    bob.get_by_role("button", name="Record the adaptation").click()
    expect(bob.locator(".adaptations")).to_contain_text("Forecasts are shared every Monday.")
    _agree(bob, "Beta GmbH")
    ada.goto(cycle_url)
    _agree(ada, "Alpha Ltd")
    expect(ada.locator(".flash--success")).to_contain_text("now in Improve")

    # Improve: Ada commits to an action; both agree.
    ada.get_by_label("Action", exact=True).fill("Share the forecast every Monday")
    ada.locator("#due_on").fill("2030-03-31")
    ada.get_by_role("button", name="Add the action").click()
    expect(ada.locator(".table--actions")).to_contain_text("Share the forecast every Monday")
    _agree(ada, "Alpha Ltd")
    bob.goto(cycle_url)
    _agree(bob, "Beta GmbH")
    expect(bob.locator(".flash--success")).to_contain_text("now in Operate")

    # Operate: Bob sees the action; both agree to close; the report is shown.
    expect(bob.locator(".table--actions")).to_contain_text("Share the forecast every Monday")
    _agree(bob, "Beta GmbH")
    ada.goto(cycle_url)
    _agree(ada, "Alpha Ltd")
    expect(ada).to_have_url(re.compile(r".*/report$"))
    expect(ada.get_by_role("heading", name=f"Review report {period}")).to_be_visible()
    expect(ada.locator("main")).to_contain_text("Share the forecast every Monday")
    expect(ada.locator("main")).to_contain_text("Forecasts are shared every Monday.")
    expect(ada.get_by_role("link", name="Download PDF")).to_be_visible()
    bob.goto(cycle_url)
    expect(bob.get_by_role("heading", name="This review is closed")).to_be_visible()
