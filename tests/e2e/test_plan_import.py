"""Issue journey: an alliance manager imports the plan their partnership wrote in Word (the shipped
sample) into an empty partnership, sends one heading elsewhere in the preview, and finds each
section written: narratives, subheadings, risks and resources, a table kept as text."""

import os

from playwright.sync_api import expect

from app.extensions import db
from tests.support.accessibility import assert_accessible
from tests.support.browser import sign_in
from tests.support.factories import join, make_organisation_user, make_partnership
from tests.support.plan_files import SAMPLE

SHOTS = os.environ.get("IMPORT_SCREENSHOTS")  # a folder to keep the pages' screenshots in


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_sample_word_plan_imports_into_an_empty_partnership(live_server, new_page):
    with live_server.app.app_context():
        alex = make_organisation_user("Northwind Logistics", email="alex@northwind.example", name="Alex Morgan")
        dana = make_organisation_user("Contoso Manufacturing", email="dana@contoso.example", name="Dana Reyes")
        partnership = make_partnership(alex, name="Northwind–Contoso Supply Alliance")
        join(partnership, dana, "admin")
        db.session.commit()
        plan_url = f"{live_server.url}/partnerships/{partnership.id}/plan"

    page = new_page()
    sign_in(page, live_server.url, "alex@northwind.example")
    page.goto(plan_url)
    page.get_by_role("link", name="Import a plan").click()
    expect(page.get_by_role("heading", name="Import a plan")).to_be_visible()
    assert_accessible(page, "import: upload")
    shot(page, "upload")

    # A file that is not a plan: the message beside the field, nothing kept.
    page.get_by_label("Plan file").set_input_files(files=[{"name": "plan.docx", "mimeType": "application/pdf",
                                                           "buffer": b"%PDF-1.7 not a plan \x00\x01"}])
    page.get_by_role("button", name="Read the file").click()
    expect(page.locator("#file-error")).to_contain_text("not a Word document (.docx) or a Markdown file")
    assert_accessible(page, "import: upload with its error")
    shot(page, "upload-error")

    page.get_by_label("Plan file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Read the file").click()
    expect(page.get_by_role("heading", name="Check the import of “sample-plan.docx”")).to_be_visible()

    # Each heading has its suggestion; "Operating rhythm" names no section and is skipped.
    choice = {
        "1. Governance": "organisational_arrangements", "4. Risk register": "risk_assessment",
        "3. Assets": "asset_register", "9. Comms": "communications", "10. Exit (pre-nuptials)": "exit_arrangements",
        "6. Operating rhythm": "skip", "Enterprise Relationship Management Plan": "skip",
    }
    for heading, key in choice.items():
        part = page.locator("section.import-part", has=page.get_by_role("heading", name=heading, exact=True))
        expect(part.get_by_label("Goes to")).to_have_value(key)
    risks = page.locator("section.import-part", has=page.get_by_role("heading", name="4. Risk register"))
    expect(risks.get_by_text("4 risks")).to_be_visible()
    expect(risks.get_by_role("cell", name="Peak-season capacity shortfall at the Rotterdam hub")).to_be_visible()
    assets = page.locator("section.import-part", has=page.get_by_role("heading", name="3. Assets"))
    expect(assets.locator(".import-unmatched")).to_contain_text("“Site contact”")
    commercial = page.locator("section.import-part", has=page.get_by_role("heading", name="5. Commercial"))
    expect(commercial.get_by_text("stays a table in the section's text")).to_be_visible()
    assert_accessible(page, "import: preview")

    # The person sends "Operating rhythm" to Management activities and looks again.
    rhythm = page.locator("section.import-part", has=page.get_by_role("heading", name="6. Operating rhythm"))
    rhythm.get_by_label("Goes to").select_option("management_activities")
    page.get_by_role("button", name="Update preview").click()
    rhythm = page.locator("section.import-part", has=page.get_by_role("heading", name="6. Operating rhythm"))
    expect(rhythm.get_by_label("Goes to")).to_have_value("management_activities")
    expect(rhythm.get_by_text("Daily stand-up between the control tower")).to_be_visible()
    expect(page.locator(".import-summary")).to_contain_text("Management activities")
    assert_accessible(page, "import: preview after a change")
    shot(page, "preview")
    page.set_viewport_size({"width": 390, "height": 900})
    shot(page, "preview-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Import into the plan").click()
    expect(page).to_have_url(plan_url)
    expect(page.locator(".flash--success")).to_contain_text(
        "Imported from “sample-plan.docx” into 10 sections, one new revision each: Organisational arrangements, "
        "Business case, Asset register, Risk assessment")
    shot(page, "overview")

    # What landed, section by section.
    page.goto(f"{plan_url}/risk_assessment")
    expect(page.get_by_text("Reviewed at every monthly operations review")).to_be_visible()
    for title in ("Peak-season capacity shortfall at the Rotterdam hub", "Forecast data arrives late or incomplete",
                  "Key account team turnover", "Fuel price volatility erodes the gain-share"):
        expect(page.get_by_role("link", name=title).or_(page.get_by_text(title, exact=True)).first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Imported from sample-plan.docx")
    shot(page, "risk-section")

    page.goto(f"{plan_url}/asset_register")
    expect(page.locator("main")).to_contain_text("Rotterdam cross-dock")
    expect(page.locator("main")).to_contain_text("EUR 1,200,000")
    expect(page.locator("main")).to_contain_text("Contoso Manufacturing")
    shot(page, "asset-section")

    page.goto(f"{plan_url}/organisational_arrangements")
    expect(page.get_by_role("heading", name="Joint Steering Board")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Resolves escalations within ten working days")

    page.goto(f"{plan_url}/commercial_agreement")
    expect(page.get_by_role("cell", name="Mobilisation complete")).to_be_visible()

    page.goto(f"{plan_url}/management_activities")
    expect(page.locator("main")).to_contain_text("Daily stand-up between the control tower")

    page.goto(f"{plan_url}/exit_arrangements")
    expect(page.locator("main")).to_contain_text("Disengagement plan agreed within 30 days")

    # The activity feed shows the revisions as usual.
    page.goto(plan_url.replace("/plan", "/activity"))
    expect(page.locator("main")).to_contain_text("Imported from sample-plan.docx")
