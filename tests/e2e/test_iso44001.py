"""Issue journey, ISO 44001 ready: a partnership admin opens the lifecycle map, sees two stages
short of evidence, follows each one's link to the editor and adds the missing item; runs the
maturity assessment with the other party's admin in a second browser (blind until both submit);
exports the evidence pack; the pack verifies on the Verify page, and a tampered copy is refused.
(Every other kind of tampering is refused by the command and the page in tests/evidence.)"""

import os
import re

from playwright.sync_api import expect

from app.review_cycle import cycles, maturity
from tests.support.accessibility import assert_accessible, assert_no_sideways_scroll
from tests.support.browser import sign_in
from tests.support.evidence import edited
from tests.support.factories import make_two_parties
from tests.support.lifecycle import two_stages_short

SHOTS = os.environ.get("E2E_SCREENSHOTS")
BUILDING = 90_000  # the pack (plan PDF included) is built inside the export request here (JOBS_IMMEDIATE)
EVIDENCE = "Steering minutes show monthly decisions"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"iso44001-{name}.png"), full_page=True)


def add_item(page, kind: str, values: dict[str, str], selects: tuple[str, ...] = ()) -> None:
    """A new row of `kind` in the open editor, filled, and the section saved."""
    page.locator(f"[data-add-row='{kind}']").click()
    index = page.locator(f"[data-rows='{kind}'] [data-row]").count() - 1
    for name, value in values.items():
        page.locator(f"[name='items-{kind}-{index}-{name}']").fill(value)
    for name in selects:
        page.locator(f"select[name='items-{kind}-{index}-{name}']").select_option(index=1)
    page.get_by_role("button", name="Save section").last.click()
    expect(page.get_by_text(re.compile(r"is saved as revision \d+\."))).to_be_visible()


def rate_everything(page, level: str, evidence: str) -> None:
    for fieldset in page.locator("fieldset.score-choice").all():
        fieldset.locator("label.score-choice__option", has_text=level).click()
    page.locator("textarea[name^='comment-']").first.fill(evidence)


def test_lifecycle_gaps_closed_maturity_assessed_blind_and_the_evidence_pack_verified(
        live_server, new_page, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        two_stages_short(people)
        home = f"{base}/partnerships/{people.partnership.id}"
        ada_email, bob_email = people.a.admin.email, people.b.admin.email

    ada, bob = new_page(), new_page()
    sign_in(ada, base, ada_email)
    sign_in(bob, base, bob_email)

    # The lifecycle map: stage 5 of 8, two stages short, each gap one click from its editor.
    ada.goto(home)
    expect(ada.get_by_text("2 stages short of evidence")).to_be_visible()
    ada.get_by_role("navigation", name=re.compile("Partnership")).get_by_role("link", name="Lifecycle").click()
    expect(ada.locator(".lifecycle-summary")).to_contain_text(
        "Stage 5 of 8: Working together. 2 stages short of evidence.")
    expect(ada.locator("#stage-knowledge .lifecycle-badge")).to_have_text("Short of evidence")
    assert_accessible(ada, "Lifecycle map")
    assert_no_sideways_scroll(ada, "Lifecycle map")
    shot(ada, "lifecycle-short")

    ada.locator("#rule-knowledge-register").get_by_role("link", name="Add to Knowledge management").click()
    expect(ada).to_have_url(f"{home}/plan/knowledge_management/edit#kind-knowledge")
    add_item(ada, "knowledge", {"name": "Route planning know-how"}, selects=("type", "owner", "confidentiality"))
    ada.goto(f"{home}/lifecycle")
    expect(ada.locator(".lifecycle-summary")).to_contain_text("1 stage short of evidence")
    ada.locator("#rule-exit-triggers").get_by_role("link", name="Add to Exit arrangements").click()
    add_item(ada, "triggers", {"trigger": "Either party gives twelve months' notice"})
    ada.goto(f"{home}/lifecycle")
    expect(ada.locator(".lifecycle-summary")).to_contain_text("No stage is short of evidence.")
    for stage in ("knowledge", "exit_strategy_activation"):
        expect(ada.locator(f"#stage-{stage} .lifecycle-badge")).to_have_text(re.compile("^Covered"))
    expect(ada.locator("#rule-knowledge-register")).to_contain_text("1 entry in Knowledge management")
    shot(ada, "lifecycle-covered")

    # The maturity assessment, blind until both parties submit.
    ada.goto(f"{home}/maturity")
    ada.get_by_role("button", name="Start the maturity assessment").click()
    expect(ada.locator(".waiting")).to_contain_text("Waiting for Beta GmbH to submit its assessment")
    with live_server.app.app_context():
        cycle_url = f"{home}/reviews/{cycles.open_cycle_of(people.partnership.id, maturity.KIND).id}"
    ada.get_by_role("link", name="Write Alpha Ltd's assessment").click()
    expect(ada.get_by_text("5 Optimising").first).to_be_visible()
    rate_everything(ada, "4", EVIDENCE)
    ada.get_by_role("button", name="Submit for Alpha Ltd").click()
    ada.get_by_role("button", name="Submit now").click()
    expect(ada.locator(".flash--success")).to_contain_text("submitted")

    bob.goto(cycle_url + "/results")
    expect(bob.get_by_role("heading", name="The results appear once every party has submitted")).to_be_visible()
    bob.goto(home)
    expect(bob.locator(".maturity-panel")).to_contain_text("ratings stay hidden until every party has submitted")
    bob.goto(cycle_url + "/assessment")
    assert EVIDENCE not in bob.content() and not bob.locator("input[type=radio]:checked").count()
    rate_everything(bob, "2", "Plants still bypass the ladder")
    bob.get_by_role("button", name="Submit for Beta GmbH").click()
    bob.get_by_role("button", name="Submit now").click()
    expect(bob).to_have_url(re.compile(r".*/results$"))
    expect(bob.locator(".table--scores")).to_contain_text("Exit readiness")
    expect(bob.locator(".gap-note")).to_contain_text("Leadership")
    assert EVIDENCE in bob.content()
    ada.goto(home)
    expect(ada.locator(".maturity-panel")).to_contain_text("3.0")
    shot(ada, "overview")

    # The evidence pack: exported by Ada, verified, and a tampered copy refused.
    ada.get_by_role("link", name="Evidence", exact=True).click()
    expect(ada.get_by_role("heading", name="Evidence pack")).to_be_visible()
    with ada.expect_download(timeout=BUILDING) as download:
        ada.get_by_role("button", name="Export evidence pack").click(timeout=BUILDING)
    pack = tmp_path / download.value.suggested_filename
    download.value.save_as(pack)
    assert pack.suffix == ".zip"

    ada.goto(f"{base}/verify")
    ada.get_by_label("File to verify").set_input_files(str(pack))
    ada.get_by_role("button", name="Verify", exact=True).click()
    expect(ada.get_by_role("heading", name="Intact evidence pack, signed by Alpha Ltd")).to_be_visible()
    result = ada.locator(".verify-result")
    for member in ("plan/plan-v1.0-signed.pdf", "lifecycle/lifecycle-map.pdf", "maturity/"):
        expect(result).to_contain_text(member)
    shot(ada, "pack-verified")

    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(edited(pack.read_bytes(), "plan/version-history.json",
                                lambda text: text.replace(b"Signed baseline", b"Signed baselinf")))
    ada.get_by_label("File to verify").set_input_files(str(tampered))
    ada.get_by_role("button", name="Verify", exact=True).click()
    expect(ada.get_by_role("heading", name="Not intact: the pack's files do not match its signed manifest")) \
        .to_be_visible()
    expect(ada.locator(".verify-result")).to_contain_text("The file plan/version-history.json was changed")
    shot(ada, "pack-refused")
