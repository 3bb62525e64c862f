"""Issue journey: one person of each party edits the same section at the same time in two
browser contexts. Each sees the other there; edits that do not overlap merge; overlapping ones
open the conflict page; after resolving, the history shows every save."""

import re

from playwright.sync_api import expect

from app.coediting import section_page
from app.extensions import db
from app.plan_sections import reading, writing
from app.plan_sections.registry import get_section_type
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties
from tests.support.samples import sample_item

NARRATIVE = "We watch the ports.\n\nWe test backups monthly.\n\nFloods are rare."


def _seed(people) -> None:
    from app.partnerships.access import load_membership

    membership = load_membership(people.partnership.id, people.a.admin)
    ctx = reading.load_context(people.partnership.id)
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    risks = [sample_item(kind, ctx, n) | {"title": title} for n, title in
             enumerate(["Port strike", "Cyber attack", "Flood"], start=1)]
    section = reading.section_for(people.partnership.id, "risk_assessment")
    writing.save_section(membership, section, {"narrative": NARRATIVE, "items": {"risks": risks}}, None, "Start")
    db.session.commit()


def save(page):
    page.get_by_role("button", name="Save section").last.click()


def test_two_parties_edit_one_section_at_once(live_server, new_page, monkeypatch):
    monkeypatch.setattr(section_page, "HEARTBEAT_SECONDS", 1)  # presence updates every second here
    with live_server.app.app_context():
        people = make_two_parties()
        _seed(people)
        section_url = f"{live_server.url}/partnerships/{people.partnership.id}/plan/risk_assessment"
        eve_email, ed_email = people.a.editor.email, people.b.editor.email

    eve, ed = new_page(), new_page()
    sign_in(eve, live_server.url, eve_email)
    sign_in(ed, live_server.url, ed_email)

    # Both open the editor: each sees the other there, updated without reloading.
    eve.goto(section_url + "/edit")
    ed.goto(section_url + "/edit")
    expect(eve.locator("[data-presence]")).to_contain_text("Ed Editor, Beta GmbH — editing")
    expect(ed.locator("[data-presence]")).to_contain_text("Eve Editor, Alpha Ltd — editing")
    expect(ed.locator("[data-presence-hint]")).to_be_visible()

    # Edits that do not overlap: Eve renames one risk, Ed another. Eve saves first; Ed's merges.
    eve.locator("input[name='items-risks-0-title']").fill("Port strike at Rotterdam")
    eve.locator("#note").fill("Named the port")
    ed.locator("input[name='items-risks-2-title']").fill("River flood")
    ed.locator("#note").fill("It is the river")
    save(eve)
    expect(eve.get_by_text("Risk assessment is saved as revision 2.")).to_be_visible()
    save(ed)
    expect(ed.get_by_text("Merged with Eve Editor's changes (revision 2) and saved as revision 3.")).to_be_visible()
    expect(ed.locator(".table--items")).to_contain_text("Port strike at Rotterdam")
    expect(ed.locator(".table--items")).to_contain_text("River flood")
    # Eve, still on the section page, sees Ed reading it.
    expect(eve.locator("[data-presence]")).to_contain_text("Ed Editor, Beta GmbH — viewing")

    # Edits that overlap: both rewrite the same paragraph.
    eve.goto(section_url + "/edit")
    ed.goto(section_url + "/edit")
    eve.locator("#narrative").fill(NARRATIVE.replace("monthly", "every week"))
    ed.locator("#narrative").fill(NARRATIVE.replace("We test backups monthly.", "Backups are restored quarterly."))
    ed.locator("#note").fill("Restore tests")
    save(eve)
    expect(eve.get_by_text("saved as revision 4.")).to_be_visible()
    save(ed)
    expect(ed).to_have_url(re.compile(r"/plan/risk_assessment/conflicts/\d+$"))
    expect(ed.get_by_text("Nothing is lost.", exact=False)).to_be_visible()
    conflict = ed.locator("fieldset.conflict")
    expect(conflict).to_have_count(1)
    expect(conflict).to_contain_text("Theirs · Eve Editor, Alpha Ltd, revision 4")
    expect(conflict.locator(".conflict-side--theirs ins")).to_contain_text("every week")
    expect(conflict.locator(".conflict-side--ours ins")).to_contain_text("Backups are restored quarterly")

    # The conflict is kept on the server: leaving and coming back loses nothing.
    ed.goto(section_url)
    expect(ed.get_by_text("You have an unsaved version from")).to_be_visible()
    ed.get_by_role("link", name="Resolve").click()
    ed.wait_for_load_state("load")  # the page's script listens for typing once it has run
    # Ed writes a version combining both; typing in it picks "Write your own".
    ed.locator("#custom-1").fill("We test backups every week and restore them quarterly.\n")
    expect(ed.locator("#choice-1-custom")).to_be_checked()
    ed.get_by_role("button", name="Save my choices").click()
    expect(ed.get_by_text("Resolved: your choices are saved as revision 5.")).to_be_visible()
    expect(ed.locator(".narrative")).to_contain_text("We test backups every week and restore them quarterly.")
    expect(ed.get_by_text("You have an unsaved version from")).to_have_count(0)

    # The history shows all of it, to both parties.
    eve.goto(section_url + "/history")
    rows = eve.locator(".history-table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("Revision 5")
    expect(rows.nth(0)).to_contain_text("Merge")
    expect(rows.nth(0)).to_contain_text("Restore tests (merged with revision 4 by Eve Editor)")
    expect(rows.nth(2)).to_contain_text("It is the river (merged with revision 2 by Eve Editor)")
    expect(rows.nth(4)).to_contain_text("Start")
    eve.get_by_role("button", name="Compare selected revisions").click()
    expect(eve.locator(".diff-text ins")).to_contain_text("restore them quarterly")
