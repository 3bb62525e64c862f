"""The version pages through the test client: issue, sign, decline, withdraw, download, verify."""

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.plan_versions import pdfs
from app.plan_versions.models import PlanVersion
from tests.support.factories import PASSWORD


def _url(versions, tail: str = "") -> str:
    return f"/partnerships/{versions.partnership.id}/versions{tail}"


def _upload(client, data: bytes, name: str = "plan.pdf"):
    return client.submit("/verify", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _sign(client, versions, version, user, **data):
    values = {"password": PASSWORD, "typed_name": user.full_name, "confirm": "y", **data}
    return client.submit(_url(versions, f"/{version.id}/sign"), values)


def test_admin_issues_a_version_and_sees_it_with_its_hash(versions, client_as):
    client = client_as(versions.people.a.admin)
    page = client.get(_url(versions, "/new"))
    assert page.status_code == 200
    assert "The whole plan (nothing is signed yet)" in page.get_data(as_text=True)
    response = client.submit(_url(versions, "/new"), {"step": "major", "summary": "First agreed plan <b>."})
    assert response.status_code == 302
    version = db.session.scalar(sa.select(PlanVersion))
    assert version.label == "v1.0"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert version.content_hash in shown
    assert "First agreed plan &lt;b&gt;." in shown
    listing = client.get(_url(versions)).get_data(as_text=True)
    assert version.content_hash[:12] in listing


def test_issuing_without_a_summary_keeps_the_form_and_says_why(versions, client_as):
    client = client_as(versions.people.a.admin)
    response = client.submit(_url(versions, "/new"), {"step": "minor", "summary": "   "})
    assert response.status_code == 422
    assert "Say what changed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def test_editors_and_viewers_cannot_issue(versions, client_as):
    for user in (versions.people.a.editor, versions.people.b.viewer):
        client = client_as(user)
        assert client.get(_url(versions, "/new")).status_code == 403
        assert client.submit(_url(versions, "/new"), {"step": "minor", "summary": "x"}).status_code == 403


def test_both_signatories_sign_and_the_pdf_is_served_with_the_same_bytes(versions, client_as):
    version = versions.issue()
    a, b = client_as(versions.people.a.admin), client_as(versions.people.b.admin)
    page = a.get(_url(versions, f"/{version.id}/sign")).get_data(as_text=True)
    assert version.content_hash in page and "I, Ada Admin, sign version v1.0" in page
    assert _sign(a, versions, version, versions.people.a.admin).status_code == 302
    assert _sign(b, versions, version, versions.people.b.admin).status_code == 302
    db.session.refresh(version)
    assert version.status == "signed"
    first = a.get(_url(versions, f"/{version.id}/pdf"))
    second = b.get(_url(versions, f"/{version.id}/pdf"))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data
    assert first.headers["X-Content-SHA256"] in a.get(_url(versions, f"/{version.id}")).get_data(as_text=True)
    assert "Signed baseline" in a.get(_url(versions)).get_data(as_text=True)


def test_a_wrong_password_or_name_signs_nothing_and_keeps_what_was_typed(versions, client_as):
    version = versions.issue()
    client = client_as(versions.people.a.admin)
    response = _sign(client, versions, version, versions.people.a.admin, password="wrong password")
    assert response.status_code == 422
    assert "That is not your password." in response.get_data(as_text=True)
    response = _sign(client, versions, version, versions.people.a.admin, typed_name="Someone Else")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Type your full name" in body and 'value="Someone Else"' in body
    db.session.refresh(version)
    assert version.signatures == []


def test_only_signatories_sign_or_decline(versions, client_as):
    version = versions.issue()
    client = client_as(versions.people.a.editor)
    assert client.get(_url(versions, f"/{version.id}/sign")).status_code == 403
    assert client.submit(_url(versions, f"/{version.id}/decline"), {"reason": "no"}).status_code == 403


def test_a_signatory_declines_with_a_reason_everyone_reads(versions, client_as):
    version = versions.issue()
    client = client_as(versions.people.b.admin)
    assert client.submit(_url(versions, f"/{version.id}/decline"), {"reason": ""}).status_code == 422
    response = client.submit(_url(versions, f"/{version.id}/decline"), {"reason": "The exit terms are <not> agreed."})
    assert response.status_code == 302
    page = client_as(versions.people.a.viewer).get(_url(versions, f"/{version.id}")).get_data(as_text=True)
    assert "The exit terms are &lt;not&gt; agreed." in page and "Declined" in page


def test_versions_of_another_partnership_are_not_found(versions, client_as):
    version = versions.issue()
    outsider = client_as(versions.people.outsider)
    assert outsider.get(_url(versions, f"/{version.id}")).status_code == 404
    other = versions.people.outsider_partnership.id
    a = client_as(versions.people.a.admin)
    assert a.get(f"/partnerships/{other}/versions/{version.id}").status_code == 404


def test_draft_pdf_of_the_working_plan(versions, client_as):
    url = f"/partnerships/{versions.partnership.id}/plan/draft.pdf"
    viewer = client_as(versions.people.a.viewer)
    offer = viewer.get(url)
    assert offer.status_code == 200 and "Prepare the DRAFT PDF" in offer.text
    asked = viewer.submit(url)
    assert asked.status_code == 303
    response = viewer.get(asked.location)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_changed_since_baseline_note_links_to_the_diff(versions, client_as):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    client = client_as(versions.people.a.editor)
    section = client.get(f"/partnerships/{versions.partnership.id}/plan/risk_assessment").get_data(as_text=True)
    assert "Changed since signed baseline" not in section
    versions.save(versions.people.a.editor, "risk_assessment",
                  {"narrative": "A new risk stance.", "fields": {}, "items": {"risks": []}})
    section = client.get(f"/partnerships/{versions.partnership.id}/plan/risk_assessment").get_data(as_text=True)
    assert "Changed since signed baseline v1.0" in section
    assert f"/versions/{version.id}/changes#diff-risk_assessment" in section
    changes = client.get(_url(versions, f"/{version.id}/changes")).get_data(as_text=True)
    assert "1 section changed" in changes


def test_verify_page_reports_a_signed_version(versions, client_as):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    pdfs.build_now(version.id)  # the pages build after their commit; the services do not
    client = client_as(versions.people.outsider)
    data = client_as(versions.people.a.admin).get(_url(versions, f"/{version.id}/pdf")).data
    response = _upload(client, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Intact, signed by every party of v1.0" in body
    assert version.content_hash in body and "v1.0" in body
    # In the organisations' own names and plain words, not the PDF's field names.
    assert "<th scope=\"row\">Alpha Ltd</th>" in body and "<th scope=\"row\">Beta GmbH</th>" in body
    assert "Party1" not in body and "Party2" not in body
    assert f"the signature Jointly recorded when {versions.people.b.admin.full_name} signed for Beta GmbH" in body


def test_verify_page_refuses_other_files_and_reports_tampering(versions, client_as):
    client = client_as(versions.people.a.viewer)
    response = _upload(client, b"hello")
    assert response.status_code == 422 and "contents do not match" in response.get_data(as_text=True)
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    pdfs.build_now(version.id)
    data = bytearray(client.get(_url(versions, f"/{version.id}/pdf")).data)
    data[2000] ^= 0x01
    response = _upload(client, bytes(data))
    body = response.get_data(as_text=True)
    assert "Genuine" not in body
    assert "was changed after it was signed" in body or "could not be read" in body or "after this signature" in body
    assert "modified after signing" not in body and "form filling" not in body


@pytest.mark.parametrize("size", [21 * 1024 * 1024])
def test_verify_upload_over_the_limit_is_413(make_app, size):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024 * 1024)
    with app.app_context():
        from tests.support.factories import make_organisation_user

        user = make_organisation_user()
        db.session.commit()
        client = app.test_client()
        client.sign_in(user.email, PASSWORD)
        payload = b"%PDF-1.7\n" + b"0" * size
        response = _upload(client, payload)
        assert response.status_code == 413


def test_a_pdf_not_built_yet_shows_a_page_that_polls_and_can_restart_the_build(versions, client_as):
    version = versions.issue()  # issued through the service: no build was started
    viewer, editor = client_as(versions.people.b.viewer), client_as(versions.people.a.editor)
    waiting = viewer.get(_url(versions, f"/{version.id}/pdf"))
    assert waiting.status_code == 202 and "js/preparing.js" in waiting.get_data(as_text=True)
    assert viewer.get(_url(versions, f"/{version.id}/pdf/status")).get_json() == {
        "ready": False,
        "sha256": None,
        "failed": False,
    }
    assert viewer.submit(_url(versions, f"/{version.id}/pdf")).status_code == 403
    assert editor.submit(_url(versions, f"/{version.id}/pdf")).status_code == 302
    status = viewer.get(_url(versions, f"/{version.id}/pdf/status")).get_json()
    served = viewer.get(_url(versions, f"/{version.id}/pdf"))
    assert status["ready"] and served.headers["X-Content-SHA256"] == status["sha256"]


def test_the_issue_form_says_why_it_is_unavailable_before_anyone_fills_it(versions, client_as):
    admin = client_as(versions.people.a.admin)
    assert 'name="summary"' in admin.get(_url(versions, "/new")).get_data(as_text=True)
    versions.issue()
    page = admin.get(_url(versions, "/new")).get_data(as_text=True)
    assert "A new version cannot be issued yet" in page and "v1.0 is still awaiting signatures" in page
    assert 'name="summary"' not in page
