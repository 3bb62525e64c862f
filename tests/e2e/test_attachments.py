"""Evidence journeys: an editor attaches the contract to the commercial section and the other party
finds it by a word inside it; a version is issued and signed in the browser, its PDF's annex lists the contract
with its SHA-256, and the verify page says the contract is the file the plan rests on; a file of
a kind Jointly does not keep is refused beside the field; an outsider finds nothing."""

import hashlib
import os
import re

import docx
from playwright.sync_api import expect

from app.accounts.models import User
from app.extensions import db
from app.partnerships.access import load_membership
from tests.support.browser import sign_in
from tests.support.factories import PASSWORD, make_organisation_user, make_two_parties
from tests.support.plans import Versions
from tests.support.poppler import poppler

WORD = "quinquennial"  # nowhere else in the test's data
RENDERING = 60_000  # jobs run inside the request here: issuing and signing render the PDF


def _contract(path) -> bytes:
    document = docx.Document()
    document.add_heading("Master services agreement", 1)
    document.add_paragraph(f"The parties hold a {WORD} review of the rates schedule.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Term", "Five years"
    document.save(path)
    return path.read_bytes()


def _sign(page, name: str) -> None:
    page.get_by_role("link", name="Read and sign").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type your full name").fill(name)
    page.get_by_label("I confirm the statement above").check()
    page.get_by_role("button", name="Sign v1.0").click(timeout=RENDERING)
    expect(page.locator(".flash--success")).to_contain_text("You signed v1.0", timeout=RENDERING)


def test_a_contract_is_attached_found_by_a_word_inside_it_and_listed_in_the_signed_plan(
        live_server, new_page, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        people = make_two_parties()
        Versions(people).write_everything()
        loner = make_organisation_user("Epsilon Co", email="lena@epsilon.example.com")
        db.session.commit()
        partnership_id = people.partnership.id
        eve_email, bob_email, loner_email = people.a.editor.email, people.b.admin.email, loner.email
        ada_email, ada_name, bob_name = people.a.admin.email, people.a.admin.full_name, people.b.admin.full_name
    contract_path = tmp_path / "Master services agreement.docx"
    contract = _contract(contract_path)
    sha = hashlib.sha256(contract).hexdigest()
    section = f"{base}/partnerships/{partnership_id}/plan/commercial_agreement"

    eve = new_page()
    sign_in(eve, base, eve_email)
    eve.goto(section)
    evidence = eve.locator("section.evidence")
    expect(evidence).to_contain_text("No files are attached to this section or its items yet.")
    # A file of a kind Jointly does not keep is refused beside the field, whatever its name.
    script = tmp_path / "rates.pdf"
    script.write_bytes(b"#!/bin/sh\necho not a pdf\n\x00\x01")
    evidence.get_by_label("Attach a file").set_input_files(str(script))
    evidence.get_by_role("button", name="Attach", exact=True).click()
    expect(eve.locator("#file-error")).to_contain_text("rates.pdf is not a kind of file Jointly keeps")
    eve.goto(section)
    evidence = eve.locator("section.evidence")
    evidence.get_by_label("Attach to").select_option(label="The Commercial agreement section")
    evidence.get_by_label("Attach a file").set_input_files(str(contract_path))
    evidence.get_by_role("button", name="Attach", exact=True).click()
    expect(eve).to_have_url(re.compile(r"/plan/commercial_agreement#attachment-\d+$"))
    line = eve.locator("li.evidence__file", has_text="Master services agreement.docx")
    expect(line).to_contain_text("v1")
    expect(line).to_contain_text("Alpha Ltd")

    # Beta's admin finds it by a word inside the document and opens it.
    bob = new_page()
    sign_in(bob, base, bob_email)
    box = bob.get_by_role("searchbox", name="Search your partnerships")
    box.fill(WORD)
    box.press("Enter")
    hit = bob.locator("li.search-hit", has=bob.get_by_role("link", name="Master services agreement.docx"))
    expect(hit.locator(".search-hit__snippet mark")).to_have_text(re.compile(WORD, re.IGNORECASE))
    hit.get_by_role("link", name="Master services agreement.docx").click()
    expect(bob.locator(".attachment-versions")).to_contain_text(sha)
    with bob.expect_download() as download:
        bob.get_by_role("link", name="Master services agreement.docx").click()
    assert hashlib.sha256(download.value.path().read_bytes()).hexdigest() == sha

    # v1.0 is issued and both parties sign it; the signed PDF's annex lists the contract's hash.
    # Ada issues v1.0 and signs it, then Bob signs: in their browsers, as test_signing.py does.
    ada = new_page()
    sign_in(ada, base, ada_email)
    ada.goto(f"{base}/partnerships/{partnership_id}/versions")
    ada.get_by_role("link", name="Issue a version").click()
    ada.get_by_label("Major step → v1.0").check()
    ada.get_by_label("What changed").fill("The plan with its master services agreement.")
    ada.get_by_role("button", name="Issue for signature").click(timeout=RENDERING)
    expect(ada.get_by_role("heading", name=re.compile("Plan v1.0"))).to_be_visible(timeout=RENDERING)
    version_url = ada.url
    _sign(ada, ada_name)
    bob.goto(version_url)
    _sign(bob, bob_name)
    expect(bob.locator(".badge--version-signed")).to_have_text("Signed baseline", timeout=RENDERING)
    bob.goto(version_url)
    with bob.expect_download(timeout=RENDERING) as download:
        bob.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "plan.pdf"
    download.value.save_as(pdf_path)
    text = " ".join(poppler("pdftotext", "-layout", str(pdf_path), "-").split())
    assert "Annex: evidence files" in text and "Master services agreement.docx" in text
    assert sha in text.replace(" ", "")

    # The verify page checks the signed PDF, and the contract against its annex.
    bob.goto(f"{base}/verify")
    bob.get_by_label("File to verify").set_input_files(str(pdf_path))
    bob.get_by_label("Evidence files to check against the plan").set_input_files(
        [str(contract_path), str(script)])
    bob.get_by_role("button", name="Verify", exact=True).click()
    result = bob.locator(".verify-result")
    expect(result).to_contain_text("Intact, signed by every party of v1.0")
    checks = result.locator(".evidence-checks__item")
    expect(checks.nth(0)).to_contain_text("Listed")
    expect(checks.nth(0)).to_contain_text("attached to Commercial agreement")
    expect(checks.nth(1)).to_contain_text("Not listed")
    if os.environ.get("JOINTLY_SCREENSHOTS"):
        bob.screenshot(path=os.path.join(os.environ["JOINTLY_SCREENSHOTS"], "attachments-verify.png"), full_page=True)

    # Someone in no partnership finds nothing of it.
    lena = new_page()
    sign_in(lena, base, loner_email)
    lena.goto(f"{base}/search?q={WORD}")
    expect(lena.locator(".search-summary")).to_contain_text("Nothing found")
    expect(lena.locator("li.search-hit")).to_have_count(0)


def test_evidence_for_an_actual_stays_blind_until_every_party_submitted(live_server, new_page, tmp_path):
    from app.review_cycle import assessments
    from app.review_cycle.models import ReviewCycle
    from tests.support import review_cycle

    base = live_server.url
    marker = "zebrawood"  # only in Alpha's evidence file
    with live_server.app.app_context():
        people = make_two_parties()
        review_cycle.add_measures(people.partnership, people.a.admin)
        cycle = review_cycle.open_cycle(people.partnership, people.a.admin)
        alpha = load_membership(people.partnership.id, people.a.editor)
        assessments.save_draft(alpha, cycle, review_cycle.assessment_input(cycle, alpha.party_id))
        db.session.commit()
        cycle_id, partnership_id = cycle.id, people.partnership.id
        eve_email, ed_email = people.a.editor.email, people.b.editor.email
        a_admin_id, b_admin_id = people.a.admin.id, people.b.admin.id
    data = tmp_path / "OTIF export.csv"
    data.write_text(f"month,on_time\nOctober,96.4\nsource,{marker} ledger\n")

    eve = new_page()
    sign_in(eve, base, eve_email)
    eve.goto(f"{base}/partnerships/{partnership_id}/reviews/{cycle_id}/assessment")
    evidence = eve.locator("#actuals-evidence")
    expect(evidence).to_contain_text("Other parties see them with your actuals, once every party has submitted.")
    evidence.get_by_label("Attach to").select_option(index=0)
    evidence.get_by_label("Attach a file").set_input_files(str(data))
    evidence.get_by_role("button", name="Attach", exact=True).click()
    line = eve.locator("#actuals-evidence li.evidence__file", has_text="OTIF export.csv")
    expect(line).to_be_visible()
    attachment_url = line.get_by_role("link", name="OTIF export.csv", exact=True).get_attribute("href")

    with live_server.app.app_context():
        review_cycle.submit(db.session.get(ReviewCycle, cycle_id), db.session.get(User, a_admin_id))

    # Beta cannot find it, open it or download it while it has not submitted.
    ed = new_page()
    sign_in(ed, base, ed_email)
    ed.goto(f"{base}/search?q={marker}")
    expect(ed.locator(".search-summary")).to_contain_text(f"Nothing found for “{marker}”")
    for url in (attachment_url, f"{attachment_url}/versions/1/file"):
        assert ed.request.get(f"{base}{url}").status == 404

    with live_server.app.app_context():
        review_cycle.submit(db.session.get(ReviewCycle, cycle_id), db.session.get(User, b_admin_id))

    ed.reload()
    hit = ed.locator("li.search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".search-hit__title .badge")).to_have_text("File")
    ed.goto(f"{base}/partnerships/{partnership_id}/reviews/{cycle_id}/results")
    shared = ed.locator("section.evidence", has_text="Evidence for Alpha Ltd's actuals")
    expect(shared.locator("li.evidence__file")).to_contain_text("OTIF export.csv")
    expect(shared.locator("form")).to_have_count(0)
    assert ed.request.get(f"{base}{attachment_url}/versions/1/file").status == 200
