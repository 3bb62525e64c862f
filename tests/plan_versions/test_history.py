"""A plan version keeps the parties it was issued to: a party that joins later changes neither
what its page says nor how its signed PDF verifies, and cannot sign it."""

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.plan_versions import pdfs, services
from app.rules import RuleViolation
from tests.support.factories import PASSWORD, admit_party


def _signed_with_pdf(versions):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    pdfs.build_now(version.id)
    return version


def _verify(client, data: bytes):
    return client.submit("/verify", {"file": (io.BytesIO(data), "plan.pdf")}, content_type="multipart/form-data")


def test_a_later_party_changes_neither_the_signed_version_nor_its_verification(versions, client_as, runner, tmp_path):
    version = _signed_with_pdf(versions)
    stored = pdfs.document_state(version).latest
    before = stored.sha256
    gina = admit_party(versions.partnership).user
    url = f"/partnerships/{versions.partnership.id}/versions"

    assert len(versions.partnership.parties) == 3
    page = client_as(versions.people.b.viewer).get(f"{url}/{version.id}").get_data(as_text=True)
    assert "2 of 2 parties" in page and "Signed baseline" in page
    facts = page.split('class="card version-facts"')[1].split("</section>")[0]
    assert "Issued to</dt><dd>Alpha Ltd and Beta GmbH</dd>" in facts and "Gamma" not in facts
    listing = client_as(versions.people.a.viewer).get(url).get_data(as_text=True)
    assert "signed by every party" in listing and "2 of 2 parties" in listing and "2 of 3" not in listing
    # The newcomer reads the version as issued before it joined, and is told so.
    newcomer = client_as(gina).get(f"{url}/{version.id}").get_data(as_text=True)
    assert "Gamma Corp joined the partnership after v1.0 was issued" in newcomer
    assert "Read and sign" not in newcomer

    # The stored, signed PDF is byte-for-byte what it was and still verifies green.
    assert pdfs.document_state(version).latest.sha256 == before
    body = _verify(client_as(versions.people.outsider), stored.data).get_data(as_text=True)
    assert "Intact, signed by every party of v1.0" in body and "not signed by every party" not in body
    out = tmp_path / "v1.0.pdf"
    out.write_bytes(stored.data)
    result = runner.invoke(args=["ermp", "verify-pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert "OK: Intact, signed by every party of v1.0." in result.output
    assert "Issued to: Alpha Ltd, Beta GmbH." in result.output


def test_a_party_that_joined_after_issue_cannot_sign_or_decline_and_the_version_completes_without_it(
        versions, client_as):
    version = versions.issue()
    gina = admit_party(versions.partnership).user
    versions.sign(version, versions.people.a.admin)
    with pytest.raises(RuleViolation, match="was not a party of this partnership when v1.0 was issued"):
        versions.sign(version, gina)
    db.session.rollback()
    response = client_as(gina).submit(
        f"/partnerships/{versions.partnership.id}/versions/{version.id}/sign",
        {"password": PASSWORD, "typed_name": gina.full_name, "confirm": "y"},
    )
    assert response.status_code == 422
    assert "only the parties it was issued to sign it" in response.get_data(as_text=True)
    with pytest.raises(RuleViolation, match="was not a party"):
        services.decline_version(versions.member(gina), version, "Not ours")
    db.session.rollback()
    assert services.unsigned_parties(version)[0].name == "Beta GmbH"
    versions.sign(version, versions.people.b.admin)
    db.session.refresh(version)
    assert version.status == "signed" and [p.name for p in services.parties_of_version(version)] == [
        "Alpha Ltd", "Beta GmbH"]


def test_a_version_issued_after_the_party_joined_needs_it_too(versions):
    _signed_with_pdf(versions)
    gina = admit_party(versions.partnership).user
    version = versions.issue(step="minor", summary="With Gamma.")
    assert [p.name for p in services.parties_of_version(version)] == ["Alpha Ltd", "Beta GmbH", "Gamma Corp"]
    assert gina.id in services.parties_of_version(version)[2].signatories
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    db.session.refresh(version)
    assert version.status == "awaiting" and [p.name for p in services.unsigned_parties(version)] == ["Gamma Corp"]
    versions.sign(version, gina)
    db.session.refresh(version)
    assert version.status == "signed"


def test_a_party_leaving_closes_the_version_awaiting_its_signature(versions, client_as):
    from app.partnerships import leaving

    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    leaving.leave_for_party(versions.member(versions.people.b.admin), "We part ways.")
    db.session.commit()
    db.session.refresh(version)
    assert version.status == "withdrawn" and version.close_reason == "Beta GmbH left the partnership"
    page = client_as(versions.people.a.viewer).get(
        f"/partnerships/{versions.partnership.id}/versions/{version.id}").get_data(as_text=True)
    assert "Beta GmbH left the partnership" in page
    from app.notifications.models import Notification

    requests = db.session.scalars(sa.select(Notification).where(Notification.kind == "signature_requested")).all()
    assert requests and all(n.title == "Withdrawn: plan v1.0 no longer needs your signature" and n.read_at
                            for n in requests)
    told = db.session.scalar(sa.select(Notification).where(
        Notification.kind == "version_withdrawn", Notification.recipient_id == versions.people.a.viewer.id))
    assert told.title == "Plan v1.0 is withdrawn: Beta GmbH left the partnership"
    # The next version is issued to the parties taking part now.
    again = versions.issue(step="minor", summary="Without Beta.")
    assert [p.name for p in services.parties_of_version(again)] == ["Alpha Ltd"]


def test_a_version_the_leaving_party_had_signed_stays_open_for_the_others(versions):
    from app.partnerships import leaving

    version = versions.issue()
    versions.sign(version, versions.people.b.admin)
    leaving.leave_for_party(versions.member(versions.people.b.admin), "We part ways.")
    db.session.commit()
    db.session.refresh(version)
    assert version.status == "awaiting"
    versions.sign(version, versions.people.a.admin)
    db.session.refresh(version)
    assert version.status == "signed"
    assert [s.party.name for s in version.signatures] == ["Beta GmbH", "Alpha Ltd"]
