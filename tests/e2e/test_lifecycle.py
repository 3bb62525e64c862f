"""Journey: a partnership admin opens the lifecycle map, sees two stages short of evidence, follows
each one's link to the editor, adds the missing item, and sees both stages covered."""

import os
import re

from playwright.sync_api import expect

from tests.support.accessibility import assert_accessible, assert_no_sideways_scroll
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties
from tests.support.lifecycle import two_stages_short

SHOTS = os.environ.get("E2E_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"lifecycle-{name}.png"), full_page=True)


def _add_item(page, kind: str, values: dict[str, str], selects: tuple[str, ...] = ()) -> None:
    """A new row of `kind` in the open editor, filled, and the section saved."""
    page.locator(f"[data-add-row='{kind}']").click()
    index = page.locator(f"[data-rows='{kind}'] [data-row]").count() - 1
    for name, value in values.items():
        page.locator(f"[name='items-{kind}-{index}-{name}']").fill(value)
    for name in selects:
        page.locator(f"select[name='items-{kind}-{index}-{name}']").select_option(index=1)
    page.get_by_role("button", name="Save section").last.click()
    expect(page.get_by_text(re.compile(r"is saved as revision \d+\."))).to_be_visible()


def test_closing_the_gaps_the_lifecycle_map_shows(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        two_stages_short(people)
        pid, email = people.partnership.id, people.a.admin.email

    page = new_page()
    sign_in(page, base, email)
    page.goto(f"{base}/partnerships/{pid}")
    expect(page.get_by_text("2 stages short of evidence")).to_be_visible()
    page.get_by_role("navigation", name=re.compile("Partnership")).get_by_role("link", name="Lifecycle").click()
    expect(page.get_by_role("heading", name="Lifecycle", exact=True)).to_be_visible()
    summary = page.locator(".lifecycle-summary")
    expect(summary).to_contain_text("Stage 5 of 8: Working together. 2 stages short of evidence.")
    expect(page.locator("#stage-knowledge .lifecycle-badge")).to_have_text("Short of evidence")
    assert_accessible(page, "Lifecycle map")
    assert_no_sideways_scroll(page, "Lifecycle map")
    shot(page, "short")

    page.locator("#rule-knowledge-register").get_by_role("link", name="Add to Knowledge management").click()
    expect(page).to_have_url(f"{base}/partnerships/{pid}/plan/knowledge_management/edit#kind-knowledge")
    _add_item(page, "knowledge", {"name": "Route planning know-how"}, selects=("type", "owner", "confidentiality"))

    page.goto(f"{base}/partnerships/{pid}/lifecycle")
    expect(page.locator(".lifecycle-summary")).to_contain_text("1 stage short of evidence")
    page.locator("#rule-exit-triggers").get_by_role("link", name="Add to Exit arrangements").click()
    _add_item(page, "triggers", {"trigger": "Either party gives twelve months' notice"})

    page.goto(f"{base}/partnerships/{pid}/lifecycle")
    expect(page.locator(".lifecycle-summary")).to_contain_text("No stage is short of evidence.")
    for stage in ("knowledge", "exit_strategy_activation"):
        expect(page.locator(f"#stage-{stage} .lifecycle-badge")).to_have_text(re.compile("^Covered"))
    expect(page.locator("#rule-knowledge-register")).to_contain_text("1 entry in Knowledge management")
    shot(page, "covered")
