"""Keyboard only, with visible focus: sign in, edit a section, resolve a conflict, sign a version,
submit an assessment and agree to a stage without the mouse. Each control is reached with Tab
(never clicked) and, when focused, shows a focus ring on itself or on its label.

Also: someone accepting an invitation gets their browser's time zone as their default."""

import re

from playwright.sync_api import expect

from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import stages
from tests.support import review_cycle
from tests.support.factories import PASSWORD, make_two_parties
from tests.support.plans import Versions
from tests.support.routes import _coediting

# Whether the focused element shows a ring: its own outline or box-shadow, or its label's (radio
# buttons drawn as labels), and it is on screen.
_FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '';  // between the page's last control and its first
  const rings = [el, el.labels && el.labels[0], el.nextElementSibling, el.closest('label')].filter(Boolean);
  const ring = rings.some((x) => {
    const s = getComputedStyle(x);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  });
  const box = (el.labels && el.labels[0] || el).getBoundingClientRect();
  if (!ring) return 'no visible focus on ' + el.outerHTML.slice(0, 120);
  if (!box.width || !box.height) return 'focus on an invisible ' + el.outerHTML.slice(0, 120);
  return '';
}"""
_FOCUSED_NAME = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
  return (el.getAttribute('aria-label') || label || el.textContent || el.value || '').replace(/\\s+/g, ' ').trim();
}"""


def tab_to(page, name: str | re.Pattern, limit: int = 250, css: str | None = None) -> None:
    """Press Tab until the focused control's name matches `name` (and it matches `css`, when
    given), checking that every stop shows focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        problem = page.evaluate(_FOCUS_SHOWN)
        assert not problem, f"{page.url}: {problem}"
        focused = page.evaluate(_FOCUSED_NAME)
        if css and not page.evaluate("(css) => document.activeElement.matches(css)", css):
            continue
        if (name.search(focused) if isinstance(name, re.Pattern) else name in focused):
            return
    raise AssertionError(f"{page.url}: Tab never reached {name!r}")


def keyboard_sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/signin")
    tab_to(page, "Email address")
    page.keyboard.type(email)
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(base) + r"/(home|my-work)$"))  # My work when something waits


def test_the_main_journeys_work_with_the_keyboard_alone(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        partnership = people.partnership
        conflict_id, _thread = _coediting(partnership, people.a.admin, people.b.editor)
        Versions(people).write_everything()
        db.session.commit()
        review_cycle.add_measures(partnership, people.a.admin)
        cycle = review_cycle.open_cycle(partnership, people.a.admin)
        review_cycle.submit(cycle, people.b.admin, 3, comment="Fine.")
        home = f"{base}/partnerships/{partnership.id}"
        cycle_id, email = cycle.id, people.a.admin.email
        from app.plan_versions import services as versions

        version = versions.issue_version(load_membership(partnership.id, people.b.admin), step="major",
                                         summary="The first plan.")
        db.session.commit()
        version_id, name = version.id, people.a.admin.full_name

    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Submit …? It cannot change afterwards."
    keyboard_sign_in(page, base, email)

    # Edit a section: the narrative and an item's field, then save.
    page.goto(f"{home}/plan/communications/edit")
    tab_to(page, "", css="textarea#narrative")
    page.keyboard.press("End")
    page.keyboard.type(" Added with the keyboard.")
    tab_to(page, re.compile(r"^Save"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{home}/plan/communications")
    expect(page.locator(".narrative")).to_contain_text("Added with the keyboard.")

    # Resolve a conflict: choose a side for each overlap, save.
    page.goto(f"{home}/plan/risk_assessment/conflicts/{conflict_id}")
    for n in (1, 2):  # each overlap is one radio group: Tab into it, arrows to "Keep yours"
        tab_to(page, "", css=f"input[name='choice-{n}']")
        for _ in range(4):
            if page.evaluate("() => document.activeElement.value") == "ours":
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        expect(page.locator(f"input[name='choice-{n}'][value='ours']")).to_be_checked()
    tab_to(page, "Save my choices")
    page.keyboard.press("Enter")
    # The choices were taken: the conflict is gone (the plan changed again since, so what was
    # kept is merged with that, and may need a second round).
    expect(page).not_to_have_url(re.compile(rf"/conflicts/{conflict_id}$"))

    # Sign the version.
    page.goto(f"{home}/versions/{version_id}/sign")
    tab_to(page, "Your password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Type your full name")
    page.keyboard.type(name)
    tab_to(page, "I confirm the statement above")
    page.keyboard.press("Space")
    tab_to(page, re.compile(r"^Sign v1\.0"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash--success")).to_contain_text("You signed v1.0", timeout=30_000)  # signing takes a while

    # Submit the assessment: a score per dimension with the arrow keys, an actual, submit.
    page.goto(f"{home}/reviews/{cycle_id}/assessment")
    for fieldset in page.locator("fieldset.score-choice").all():
        tab_to(page, "1", css="input[type=radio]")  # a score, not the header's "My work, 1 waiting"
        page.keyboard.press("ArrowRight")  # 2
        page.keyboard.press("ArrowRight")  # 3
        page.keyboard.press("ArrowRight")  # 4
        expect(fieldset.locator("input:checked")).to_have_value("4")
    for actual in page.locator("input[id^='actual-']").all():
        actual.focus()
        page.keyboard.type("97")
    tab_to(page, re.compile(r"^Submit for"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Submit now")).to_be_visible()  # checked and saved: confirm
    tab_to(page, "Submit now")
    page.keyboard.press("Enter")
    expect(page.locator(".flash--success")).to_contain_text("submitted")

    # The results are in (this was the last party): agree to move on.
    page.goto(f"{home}/reviews/{cycle_id}")
    expect(page.locator(".results-in")).to_contain_text("The results are in")
    tab_to(page, re.compile(r"^Agree to move on"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash--success")).to_be_visible()
    with live_server.app.app_context():
        assert stages.live_agreements(db.session.get(type(cycle), cycle_id))


def test_an_invited_person_gets_their_browsers_time_zone(live_server, browser):
    with live_server.app.app_context():
        people = make_two_parties()
        from app.invitations import services as invitations

        invitations.invite(load_membership(people.partnership.id, people.a.admin), email="newcomer@alpha.example.com",
                           role="editor")
        db.session.commit()
    message = [m for m in live_server.smtp.messages if "newcomer@alpha.example.com" in str(m["To"])][-1]
    path = re.search(r"/invitations/[A-Za-z0-9_-]+", message.get_body(("plain",)).get_content()).group(0)
    context = browser.new_context(timezone_id="America/Chicago")
    page = context.new_page()
    page.goto(live_server.url + path)
    expect(page.locator("select[name='time_zone']")).to_have_value("America/Chicago")
    context.close()
