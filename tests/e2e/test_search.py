"""Search journeys: a member finds a risk from the header box and lands on its row; filters narrow
the results and a backwards date range is explained beside its field; a review's text is found
only once every party has submitted; a person in no partnership finds nothing of anyone's."""

import re

from playwright.sync_api import expect

from app.accounts.models import User
from app.coediting import comments
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.plan_sections.registry import get_section_type
from app.review_cycle.models import ReviewCycle
from tests.support import review_cycle
from tests.support.browser import sign_in
from tests.support.factories import make_organisation_user, make_two_parties
from tests.support.samples import sample_item

# A word that is nowhere else in the test's data, so every hit is the one the test put there.
WORD = "quayside"
BACKWARDS = "The end date is before the start date."


def _risks_and_a_comment(people) -> str:
    """Alpha's admin writes three risks, one mitigated at the quayside, and Beta's editor asks
    about it in a comment; returns that risk's item id."""
    author = load_membership(people.partnership.id, people.a.admin)
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    ctx = reading.load_context(people.partnership.id)
    risks = [sample_item(kind, ctx, n) | {"title": title} for n, title in
             enumerate(["Port strike", "Cyber attack", "Flood"], start=1)]
    risks[0]["mitigation"] = f"Reroute the containers through the {WORD} at Antwerp."
    section = reading.section_for(people.partnership.id, "risk_assessment")
    writing.save_section(author, section, {"narrative": "Our risks.", "items": {"risks": risks}}, None)
    comments.start_thread(load_membership(people.partnership.id, people.b.editor), section,
                          f"Is the {WORD} lease renewed for next year?")
    db.session.commit()
    return reading.current_content(people.partnership.id, "risk_assessment")["items"]["risks"][0]["id"]


def _hits(page):
    return page.locator("li.search-hit")


def test_a_member_finds_a_risk_from_the_header_and_lands_on_its_row(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        item_id = _risks_and_a_comment(people)
        partnership_id, partnership_name = people.partnership.id, people.partnership.name
        eve_email = people.a.editor.email
        loner_email = make_organisation_user("Epsilon Co", email="lena@epsilon.example.com").email
        db.session.commit()

    eve = new_page()
    sign_in(eve, base, eve_email)
    header_box = eve.get_by_role("searchbox", name="Search your partnerships")
    header_box.fill(WORD)
    header_box.press("Enter")

    expect(eve).to_have_url(re.compile(r"/search\?q=" + WORD + "$"))
    expect(eve.locator(".search-summary")).to_contain_text(f"2 results for “{WORD}”")
    group = eve.locator("section.search-group")
    expect(group.get_by_role("heading", level=2)).to_have_text(partnership_name)
    risk = group.locator("h3:text-is('Risk assessment') + ul.search-hits li.search-hit",
                         has=eve.get_by_role("link", name="Port strike"))
    expect(risk.locator(".search-hit__title .badge")).to_have_text("Risk")
    expect(risk.locator(".search-hit__snippet mark")).to_have_text(re.compile(WORD, re.IGNORECASE))

    risk.get_by_role("link", name="Port strike").click()
    section_page = f"{base}/partnerships/{partnership_id}/plan/risk_assessment"
    expect(eve).to_have_url(f"{section_page}#item-{item_id}")
    expect(eve.locator(f"#item-{item_id}")).to_contain_text("Port strike")

    # Someone whose organisation is in no partnership finds nothing of this plan.
    lena = new_page()
    sign_in(lena, base, loner_email)
    lena.goto(f"{base}/search?q={WORD}")
    expect(lena.locator(".search-summary")).to_contain_text(f"Nothing found for “{WORD}”")
    expect(_hits(lena)).to_have_count(0)


def test_filters_narrow_the_results_and_explain_a_backwards_date_range(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        _risks_and_a_comment(people)
        ada_email = people.a.admin.email

    ada = new_page()
    sign_in(ada, base, ada_email)
    ada.goto(f"{base}/search?q={WORD}")
    expect(_hits(ada)).to_have_count(2)

    # Only comments: the risk drops out, Beta's question stays.
    filters = ada.locator("details.search-form__filters")
    filters.locator("summary", has_text="Filters").click()
    ada.get_by_label("Kind").select_option(label="Comments")
    ada.get_by_role("button", name="Search", exact=True).click()
    expect(ada).to_have_url(re.compile(r"kind=comment"))
    expect(_hits(ada)).to_have_count(1)
    expect(_hits(ada).locator(".search-hit__title .badge")).to_have_text("Comment")
    expect(_hits(ada).locator(".search-hit__title a")).to_have_attribute(
        "href", re.compile(r"/plan/risk_assessment/comments#comment-\d+$"))
    expect(filters.locator("summary")).to_have_text("Filters (on)")

    # To before From: said beside the To field, the typed words kept in the box.
    expect(filters).to_have_attribute("open", "")
    ada.get_by_label("From").fill("2030-06-02")
    ada.get_by_label("To", exact=True).fill("2030-06-01")
    ada.get_by_role("button", name="Search", exact=True).click()
    date_to = ada.get_by_label("To", exact=True)
    expect(date_to).to_have_attribute("aria-invalid", "true")
    expect(date_to).to_have_accessible_description(re.compile(re.escape(BACKWARDS) + "$"))  # after the ⚠ icon
    expect(ada.locator(".field:has(#date_to) .field__error")).to_have_text(BACKWARDS)
    expect(ada.get_by_label("Search for")).to_have_value(WORD)
    expect(filters).to_have_attribute("open", "")


def test_a_review_comment_is_found_only_once_every_party_submitted(live_server, new_page):
    base = live_server.url
    secret = "Alpha finds the handover checklists unreliable"
    with live_server.app.app_context():
        people = make_two_parties()
        review_cycle.add_measures(people.partnership, people.a.admin)
        cycle = review_cycle.open_cycle(people.partnership, people.a.admin)
        review_cycle.submit(cycle, people.a.admin, 4, comment=secret)
        cycle_id, partnership_id = cycle.id, people.partnership.id
        ed_email, b_admin_id = people.b.editor.email, people.b.admin.id

    ed = new_page()
    sign_in(ed, base, ed_email)
    ed.goto(f"{base}/search?q=checklists")
    expect(ed.locator(".search-summary")).to_contain_text("Nothing found for “checklists”")
    expect(_hits(ed)).to_have_count(0)

    with live_server.app.app_context():
        cycle, b_admin = db.session.get(ReviewCycle, cycle_id), db.session.get(User, b_admin_id)
        review_cycle.submit(cycle, b_admin, 3, comment="Beta sees it differently")

    ed.reload()
    hit = _hits(ed)
    expect(hit).to_have_count(1)
    expect(hit.locator(".search-hit__title .badge")).to_have_text("Review")
    expect(hit.locator(".search-hit__title a")).to_contain_text("Alpha Ltd's")
    expect(hit.locator(".search-hit__snippet mark").first).to_have_text(re.compile("checklists", re.IGNORECASE))
    hit.locator(".search-hit__title a").click()
    expect(ed).to_have_url(f"{base}/partnerships/{partnership_id}/reviews/{cycle_id}/results")
    expect(ed.locator("main")).to_contain_text(secret)
