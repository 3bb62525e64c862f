"""The end of the ISO 44001 journey: a partnership admin exports the evidence pack, the pack
verifies on the Verify page, and a tampered copy of it is refused there."""

import os

from playwright.sync_api import expect

from app.extensions import db
from tests.support.browser import sign_in
from tests.support.evidence import edited
from tests.support.factories import make_two_parties
from tests.support.plans import Versions

SHOTS = os.environ.get("JOINTLY_SCREENSHOTS")
BUILDING = 60_000  # the pack is built inside the request here (JOBS_IMMEDIATE)


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"evidence-{name}.png"), full_page=True)


def test_an_admin_exports_the_pack_it_verifies_and_a_tampered_copy_is_refused(live_server, new_page, tmp_path):
    with live_server.app.app_context():
        people = make_two_parties()
        versions = Versions(people)
        versions.write_everything()
        version = versions.issue()
        versions.sign(version, people.a.admin)
        versions.sign(version, people.b.admin)
        db.session.commit()
        partnership_url = f"{live_server.url}/partnerships/{people.partnership.id}"
        email = people.b.admin.email

    page = new_page()
    sign_in(page, live_server.url, email)
    page.goto(partnership_url)
    page.get_by_role("link", name="Evidence", exact=True).click()
    expect(page.get_by_role("heading", name="Evidence pack")).to_be_visible()
    with page.expect_download(timeout=BUILDING) as download:
        page.get_by_role("button", name="Export evidence pack").click()
    pack = tmp_path / download.value.suggested_filename
    download.value.save_as(pack)
    assert pack.name.startswith("evidence-pack-Alpha–Beta-Alliance-") and pack.suffix == ".zip"
    page.reload()
    expect(page.locator(".evidence-packs tbody tr")).to_have_count(1)
    expect(page.locator(".evidence-packs tbody tr").first).to_contain_text("Bob Admin")
    shot(page, "index")

    page.goto(f"{live_server.url}/verify")
    page.get_by_label("File to verify").set_input_files(str(pack))
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", name="Intact evidence pack, signed by Beta GmbH")).to_be_visible()
    expect(page.locator(".verify-result")).to_contain_text("plan/plan-v1.0-signed.pdf")
    shot(page, "verified")

    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(edited(pack.read_bytes(), "plan/version-history.json",
                                lambda text: text.replace(b"Signed baseline", b"Signed baselinf")))
    page.get_by_label("File to verify").set_input_files(str(tampered))
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", name="Not intact: the pack's files do not match its signed manifest")) \
        .to_be_visible()
    expect(page.locator(".verify-result")).to_contain_text("The file plan/version-history.json was changed")
    shot(page, "refused")
