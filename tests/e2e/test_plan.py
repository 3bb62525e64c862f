"""Issue journey: people of both parties write every section of the shared plan in a real browser,
each sees the other's changes; a viewer only reads; an outsider finds nothing."""

import re

from playwright.sync_api import expect

from app.plan_sections.registry import section_types
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties


def fill_required(page, kind, index: int, text: str) -> None:
    """Fill the required inputs of one item row, whatever its kind declares."""
    for f in kind.fields:
        if not f.required:
            continue
        name = f"items-{kind.key}-{index}-{f.name}"
        if f.widget in ("select", "member"):
            page.locator(f"select[name='{name}']").select_option(index=1)
        elif f.widget == "money":
            page.locator(f"input[name='{name}-amount']").fill("125000")
        elif f.input_type == "date":
            page.locator(f"input[name='{name}']").fill("2026-05-01")
        elif f.input_type == "number":
            page.locator(f"input[name='{name}']").fill("1")
        elif f.name == kind.title:
            page.locator(f"[name='{name}']").fill(text)
        else:
            page.locator(f"[name='{name}']").fill(f"{f.label} in the browser")


def test_both_parties_write_every_section_and_see_each_others_changes(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        plan_url = f"{live_server.url}/partnerships/{people.partnership.id}/plan"
        writers = {
            "eve": (people.a.editor.email, "Eve Editor", "Alpha Ltd"),
            "ed": (people.b.editor.email, "Ed Editor", "Beta GmbH"),
        }
        viewer_email, outsider_email = people.a.viewer.email, people.outsider.email

    pages = {}
    for key, (email, _name, _party) in writers.items():
        pages[key] = new_page()
        sign_in(pages[key], live_server.url, email)

    for n, section_type in enumerate(section_types()):
        writer, reader = ("eve", "ed") if n % 2 == 0 else ("ed", "eve")
        page, other = pages[writer], pages[reader]
        _email, name, party = writers[writer]
        kind = section_type.item_kinds[0]
        item_title = f"{section_type.title} item by {name}"
        narrative = f"Why {section_type.title} matters, by **{name}**."

        page.goto(f"{plan_url}/{section_type.key}/edit")
        page.locator("#narrative").fill(narrative)
        if n == 0:  # the live preview renders (and sanitises) as you type
            expect(page.locator("#narrative-preview strong")).to_have_text(name)
        # Script adds the row in place: the page does not reload, the blank first row is ignored on save.
        page.locator(f"[data-add-row='{kind.key}']").click()
        expect(page.locator(f"[data-rows='{kind.key}'] [data-row]")).to_have_count(2)
        fill_required(page, kind, 1, item_title)
        page.locator("#note").fill(f"{name} wrote {section_type.title}")
        page.get_by_role("button", name="Save section").last.click()
        expect(page).to_have_url(f"{plan_url}/{section_type.key}")
        expect(page.get_by_text(f"{section_type.title} is saved as revision 1.")).to_be_visible()

        other.goto(f"{plan_url}/{section_type.key}")
        expect(other.locator(".narrative")).to_contain_text(f"Why {section_type.title} matters, by {name}.")
        expect(other.locator(".table--items").first).to_contain_text(item_title)
        expect(other.locator(".section-meta")).to_contain_text(name)
        expect(other.locator(".section-meta")).to_contain_text(party)

    # The other party confirms a section is still current, and both see the overview.
    ed = pages["ed"]
    ed.goto(f"{plan_url}/risk_assessment")
    ed.get_by_text("Mark reviewed").click()
    ed.get_by_role("button", name="Confirm still current").click()
    expect(ed.get_by_text("Risk assessment is marked as reviewed")).to_be_visible()
    eve = pages["eve"]
    eve.goto(plan_url)
    expect(eve.locator(".table--plan")).to_contain_text("Ed Editor")
    expect(eve.locator(".table--plan tbody tr")).to_have_count(10)
    expect(eve.get_by_text("Not started", exact=True)).to_have_count(0)

    viewer = new_page()
    sign_in(viewer, live_server.url, viewer_email)
    viewer.goto(f"{plan_url}/risk_assessment")
    expect(viewer.get_by_role("heading", name=re.compile("Risk assessment"))).to_be_visible()
    expect(viewer.get_by_role("link", name="Edit section")).to_have_count(0)
    expect(viewer.get_by_text("Mark reviewed")).to_have_count(0)
    assert viewer.request.get(f"{plan_url}/risk_assessment/edit").status == 403

    outsider = new_page()
    sign_in(outsider, live_server.url, outsider_email)
    for path in ("", "/full", "/risk_assessment", "/risk_assessment/edit"):
        assert outsider.goto(plan_url + path).status == 404
