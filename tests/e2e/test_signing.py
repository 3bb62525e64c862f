"""Issue journey: A's admin issues v1.0, A's and B's signatories sign it in their browsers, the
signed baseline shows, the downloaded PDF verifies on the verify page, and the Word download
states the hash and both signatures."""

import os
import re

import docx
from playwright.sync_api import expect

from app.extensions import db
from tests.support.browser import sign_in
from tests.support.factories import PASSWORD, make_two_parties
from tests.support.plans import Versions

# JOINTLY_SCREENSHOTS=/some/dir saves a screenshot of each page of the journey there.
SHOTS = os.environ.get("JOINTLY_SCREENSHOTS")
# Here jobs run inside the request (JOBS_IMMEDIATE), so issuing renders the whole PDF and each
# signature signs it before the page answers: seconds on a busy machine, not a page's usual wait.
RENDERING = 60_000


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"signing-{name}.png"), full_page=True)


def sign(page, name: str) -> None:
    page.get_by_role("link", name="Read and sign").click()
    expect(page.locator("#intent")).to_contain_text(f"I, {name}, sign version v1.0")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type your full name").fill(name)
    page.get_by_label("I confirm the statement above").check()
    shot(page, f"sign-{name.split()[0].lower()}")
    page.get_by_role("button", name="Sign v1.0").click(timeout=RENDERING)


def test_both_parties_sign_a_version_and_its_pdf_verifies(live_server, new_page, tmp_path):
    with live_server.app.app_context():
        people = make_two_parties()
        Versions(people).write_everything()
        db.session.commit()
        versions_url = f"{live_server.url}/partnerships/{people.partnership.id}/versions"
        ada, bob = people.a.admin, people.b.admin
        ada_email, bob_email, ada_name, bob_name = ada.email, bob.email, ada.full_name, bob.full_name

    a = new_page()
    sign_in(a, live_server.url, ada_email)
    a.goto(versions_url)
    shot(a, "versions-empty")
    a.get_by_role("link", name="Issue a version").click()
    a.get_by_label("Major step → v1.0").check()
    a.get_by_label("What changed").fill("The first plan both parties sign.")
    shot(a, "issue")
    a.get_by_role("button", name="Issue for signature").click(timeout=RENDERING)
    expect(a.get_by_role("heading", name=re.compile("Plan v1.0"))).to_be_visible(timeout=RENDERING)
    expect(a.locator(".badge--version-awaiting")).to_have_text("Awaiting signatures")
    content_hash = a.locator(".version-facts .hash--full").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash)
    sign(a, ada_name)
    expect(a.locator(".flash--success")).to_contain_text("You signed v1.0 for Alpha Ltd", timeout=RENDERING)
    version_url = a.url

    b = new_page()
    sign_in(b, live_server.url, bob_email)
    b.goto(version_url)
    expect(b.locator(".signatures")).to_contain_text("Beta GmbH")
    sign(b, bob_name)
    expect(b.locator(".flash--success")).to_contain_text("it is now the plan's signed baseline",
                                                         timeout=RENDERING)
    expect(b.locator(".badge--version-signed")).to_have_text("Signed baseline")
    shot(b, "signed")

    a.goto(versions_url)
    expect(a.locator(".baseline-card")).to_contain_text("v1.0")
    expect(a.locator(".baseline-card")).to_contain_text("The working plan reads exactly as v1.0")
    shot(a, "versions")
    a.goto(version_url)
    with a.expect_download() as download_info:
        a.get_by_role("link", name="Download PDF").click()
    path = tmp_path / "plan.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    with a.expect_download() as download_info:
        a.get_by_role("link", name="Download Word").click()
    word = download_info.value
    assert word.suggested_filename.endswith("-v1.0.docx")
    document = docx.Document(word.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert content_hash in text and "Signed baseline" in text
    signatures = {row.cells[0].text: row.cells[1].text for row in document.tables[-1].rows[1:]}
    assert signatures == {"Alpha Ltd": "Signed", "Beta GmbH": "Signed"}

    b.goto(f"{live_server.url}/verify")
    b.get_by_label("File to verify").set_input_files(str(path))
    b.get_by_role("button", name="Verify", exact=True).click()
    result = b.locator(".verify-result")
    expect(result).to_contain_text("Intact, signed by every party of")
    expect(result).to_contain_text(content_hash)
    expect(result).to_contain_text("Signed baseline")
    expect(result.locator("tbody tr")).to_have_count(2)
    shot(b, "verify")
