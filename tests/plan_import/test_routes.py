"""The import pages through the test client: who may use them, errors beside the file field,
the preview keeping every choice made, and confirming."""

import io
import re

import sqlalchemy as sa

from app.extensions import db
from app.plan_import.models import PendingImport
from app.plan_import.reading import OLE_SIGNATURE
from app.plan_sections import reading
from tests.support.forms import invalid_fields
from tests.support.plan_files import RISKS_MD


def upload_url(people):
    return f"/partnerships/{people.partnership.id}/plan/import"


def send(client, people, data: bytes, name="plan.md", **kwargs):
    return client.submit(upload_url(people), {"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data", **kwargs)


def file_error(response) -> str:
    match = re.search(r'<p class="field__error" id="file-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, "no error beside the file field"
    return match.group(1)


def pending_rows():
    return db.session.scalars(sa.select(PendingImport)).all()


def test_editors_upload_and_are_taken_to_the_preview(client_as, two_parties):
    client = client_as(two_parties.a.editor)
    page = client.get(upload_url(two_parties))
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    response = send(client, two_parties, RISKS_MD.encode())
    [pending] = pending_rows()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plan/import/{pending.id}")
    preview = client.get(response.headers["Location"])
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Check the import of “plan.md”" in text
    assert '<option selected value="risk_assessment">4. Risk assessment</option>' in text
    assert "2 risks" in text and "Port strike" in text


def test_viewers_get_403_and_outsiders_404_on_both_pages(client_as, two_parties):
    pending_id = _pending(client_as, two_parties)
    viewer = client_as(two_parties.a.viewer)
    assert viewer.get(upload_url(two_parties)).status_code == 403
    assert send(viewer, two_parties, RISKS_MD.encode()).status_code == 403
    assert viewer.get(f"{upload_url(two_parties)}/{pending_id}").status_code == 403
    outsider = client_as(two_parties.outsider)
    assert outsider.get(upload_url(two_parties)).status_code == 404
    assert outsider.get(f"{upload_url(two_parties)}/{pending_id}").status_code == 404
    # Nobody else of the same partnership can see someone's upload, not even an admin of their party.
    assert client_as(two_parties.b.editor).get(f"{upload_url(two_parties)}/{pending_id}").status_code == 404
    assert client_as(two_parties.a.admin).get(f"{upload_url(two_parties)}/{pending_id}").status_code == 404


def test_a_form_without_its_csrf_token_changes_nothing(client_as, two_parties):
    client = client_as(two_parties.a.editor)
    response = client.post(upload_url(two_parties), data={"file": (io.BytesIO(RISKS_MD.encode()), "plan.md")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and pending_rows() == []


def test_bad_files_get_their_message_beside_the_file_field_and_nothing_is_kept(client_as, two_parties):
    client = client_as(two_parties.a.editor)
    cases = [
        (b"%PDF-1.7 binary \x00\x01", "plan.docx", 422, "not a Word document (.docx) or a Markdown file"),
        (OLE_SIGNATURE + b"\x00" * 600, "plan.docx", 422, "password-protected"),
        (b"PK\x03\x04" + b"\x00" * 60, "plan.docx", 422, "damaged"),
        (b"", "plan.md", 422, "The file is empty."),
        (b"x" * (10 * 1024 * 1024 + 1), "plan.md", 413, "larger than 10 MB"),
    ]
    for data, name, status, message in cases:
        response = send(client, two_parties, data, name)
        assert response.status_code == status, message
        assert message in file_error(response)
        assert invalid_fields(response.get_data(as_text=True)) == ["file"]
    assert pending_rows() == []


def _pending(client_as, people) -> int:
    send(client_as(people.a.editor), people, RISKS_MD.encode())
    return pending_rows()[-1].id


def test_a_choice_the_page_did_not_offer_is_shown_beside_its_heading_and_the_other_choices_stay(client_as, two_parties):
    pending_id = _pending(client_as, two_parties)
    client = client_as(two_parties.a.editor)
    url = f"{upload_url(two_parties)}/{pending_id}"
    response = client.submit(url, {"part_0": "skip", "part_1": "communications", "part_2": "made_up",
                                   "part_3": "management_activities", "action": "import"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="part_2-error">Choose a section of the plan, or Skip.</p>', text)
    assert '<option selected value="communications">9. Communications</option>' in text
    assert '<option selected value="management_activities">6. Management activities</option>' in text
    assert reading.current_content(two_parties.partnership.id, "communications")["narrative"] == ""


def test_update_preview_shows_the_new_mapping_and_import_saves_it(client_as, two_parties):
    pending_id = _pending(client_as, two_parties)
    client = client_as(two_parties.a.editor)
    url = f"{upload_url(two_parties)}/{pending_id}"
    choices = {"part_0": "skip", "part_1": "organisational_arrangements", "part_2": "risk_assessment",
               "part_3": "management_activities"}
    shown = client.submit(url, {**choices, "action": "preview"})
    assert shown.status_code == 200 and "Weekly calls." in shown.get_data(as_text=True)
    done = client.submit(url, {**choices, "action": "import"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/plan")
    overview = client.get(done.headers["Location"]).get_data(as_text=True)
    assert ("Imported from “plan.md” into 3 sections, one new revision each: Organisational arrangements, "
            "Risk assessment, Management activities.") in overview
    content = reading.current_content(two_parties.partnership.id, "management_activities")
    assert content["narrative"] == "Weekly calls."
    trail = client_as(two_parties.a.admin).get(f"/partnerships/{two_parties.partnership.id}/audit")
    assert "Eve Editor (Alpha Ltd) imported “plan.md” into the plan: 3 sections saved" in trail.get_data(as_text=True)
    # Sent again (a second click): told, not imported twice.
    again = client.submit(url, {**choices, "action": "import"}, follow_redirects=True)
    assert "was already imported" in again.get_data(as_text=True)
    assert reading.section_for(two_parties.partnership.id, "management_activities").revision_count == 1


def test_the_plan_overview_offers_the_import_to_editors_only(client_as, two_parties):
    overview = f"/partnerships/{two_parties.partnership.id}/plan"
    assert "Import a plan" in client_as(two_parties.a.editor).get(overview).get_data(as_text=True)
    assert "Import a plan" not in client_as(two_parties.a.viewer).get(overview).get_data(as_text=True)
