"""Withdrawing an issued version needs every party's agreement: proposed with a reason, made
when the other parties agree, lapsing when the version is signed or declined meanwhile."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.consent import services as consent
from app.consent.models import Proposal
from app.extensions import db
from app.notifications.models import Notification
from app.plan_versions import withdrawal
from app.rules import RuleViolation
from tests.support.routes import difference, snapshot


def _url(versions, tail: str = "") -> str:
    return f"/partnerships/{versions.partnership.id}/versions{tail}"


def _propose(versions, version, reason="The commercial terms are wrong.", user=None):
    proposal = withdrawal.propose_withdrawal(versions.member(user or versions.people.a.admin), version, reason)
    db.session.commit()
    return proposal


def _notes(kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def test_a_proposed_withdrawal_changes_nothing_until_the_other_party_agrees(versions):
    version = versions.issue()
    proposal = _propose(versions, version)
    db.session.refresh(version)
    assert version.status == "awaiting" and proposal.is_open
    assert proposal.summary == f"Withdraw plan {version.label}" and proposal.reason == "The commercial terms are wrong."
    assert withdrawal.open_withdrawal(version).id == proposal.id
    consent.respond(versions.member(versions.people.b.admin), proposal, "agree")
    db.session.commit()
    db.session.refresh(version)
    assert proposal.status == "agreed"
    assert version.status == "withdrawn"
    assert version.close_reason == "The commercial terms are wrong."
    assert (version.closed_by_id, version.closed_party_id) == (versions.people.a.admin.id, versions.people.a.party.id)
    assert version.closed_at is not None
    told = {n.recipient_id for n in _notes("version_withdrawn")}
    everyone = {p.id for side in (versions.people.a, versions.people.b) for p in (side.admin, side.editor, side.viewer)}
    assert told == everyone
    [request] = _notes("signature_requested")  # Bob (B's signatory) was asked to sign
    assert request.title.startswith("Withdrawn:") and request.read_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.version_withdrawn"))
    assert event.details["reason"] == "The commercial terms are wrong." and event.details["proposal"] == proposal.id


def test_a_reason_is_required_and_only_admins_propose(versions):
    version = versions.issue()
    with pytest.raises(RuleViolation) as missing:
        withdrawal.propose_withdrawal(versions.member(versions.people.a.admin), version, "   ")
    assert missing.value.field == "reason"
    db.session.rollback()
    with pytest.raises(consent.ConsentError) as refused:
        withdrawal.propose_withdrawal(versions.member(versions.people.a.editor), version, "No.")
    assert refused.value.status == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_one_open_withdrawal_per_version(versions):
    version = versions.issue()
    _propose(versions, version)
    with pytest.raises(consent.ConsentError, match="already proposed") as twice:
        withdrawal.propose_withdrawal(versions.member(versions.people.b.admin), version, "Me too.")
    assert twice.value.status == 409


def test_signing_goes_on_and_the_last_signature_lapses_the_withdrawal(versions):
    version = versions.issue()
    proposal = _propose(versions, version)
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    assert version.status == "signed"
    consent.respond(versions.member(versions.people.b.admin), proposal, "agree")
    db.session.commit()
    db.session.refresh(version)
    assert proposal.status == "lapsed" and "signed" in proposal.outcome
    assert version.status == "signed" and version.closed_at is None
    assert _notes("version_withdrawn") == []


def test_a_declined_version_lapses_the_withdrawal(versions):
    from app.plan_versions import services

    version = versions.issue()
    proposal = _propose(versions, version)
    services.decline_version(versions.member(versions.people.b.admin), version, "Not like this.")
    db.session.commit()
    consent.respond(versions.member(versions.people.b.admin), proposal, "agree")
    db.session.commit()
    assert proposal.status == "lapsed" and "declined" in proposal.outcome


def test_a_withdrawn_version_can_no_longer_be_signed_and_its_number_is_not_reused(versions):
    version = versions.issue(step="minor")
    proposal = _propose(versions, version)
    consent.respond(versions.member(versions.people.b.admin), proposal, "agree")
    db.session.commit()
    with pytest.raises(RuleViolation, match="can no longer be signed"):
        versions.sign(version, versions.people.b.admin)
    db.session.rollback()
    assert versions.issue(step="minor").label == "v0.2"


def test_a_signed_version_cannot_be_proposed_for_withdrawal(versions):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    with pytest.raises(consent.ConsentError, match="only a version awaiting") as refused:
        withdrawal.propose_withdrawal(versions.member(versions.people.a.admin), version, "Too late.")
    assert refused.value.status == 409


# -- pages --------------------------------------------------------------------------------------


def test_the_version_page_proposes_with_a_reason_and_says_signing_goes_on(versions, client_as):
    version = versions.issue()
    client = client_as(versions.people.b.admin)
    page = client.get(_url(versions, f"/{version.id}")).get_data(as_text=True)
    assert f"Propose withdrawing {version.label}" in page
    refused = client.submit(_url(versions, f"/{version.id}/withdraw"), {"reason": ""})
    assert refused.status_code == 422 and "Give a reason" in refused.get_data(as_text=True)
    response = client.submit(_url(versions, f"/{version.id}/withdraw"), {"reason": "Section 5 is <wrong>."})
    assert response.status_code == 302
    page = client_as(versions.people.a.viewer).get(_url(versions, f"/{version.id}")).get_data(as_text=True)
    assert "proposed withdrawing" in page and "Section 5 is &lt;wrong&gt;." in page
    assert "signing goes on" in page
    assert f"Propose withdrawing {version.label}</h3>" not in page
    again = client_as(versions.people.a.admin).submit(_url(versions, f"/{version.id}/withdraw"), {"reason": "Twice"})
    assert again.status_code == 409 and "already proposed" in again.get_data(as_text=True)


def test_after_agreement_the_page_says_withdrawn_with_the_reason_and_the_proposal(versions, client_as):
    version = versions.issue()
    proposal = _propose(versions, version, "Wrong prices.")
    client = client_as(versions.people.b.admin)
    answer = client.submit(f"/partnerships/{versions.partnership.id}/proposals/{proposal.id}/agree")
    assert answer.status_code == 302
    page = client.get(_url(versions, f"/{version.id}")).get_data(as_text=True)
    assert "Withdrawn" in page and "Wrong prices." in page
    assert "every party's agreement" in page
    assert f"/proposals/{proposal.id}" in page and "Read and sign" not in page
    notes = client.get("/notifications").get_data(as_text=True)
    assert f"Plan {version.label} is withdrawn" in notes and "no longer needs your signature" in notes


def test_bad_withdrawal_requests_change_nothing(versions, client_as):
    version = versions.issue()
    editor, outsider = client_as(versions.people.a.editor), client_as(versions.people.outsider)
    admin = client_as(versions.people.a.admin)
    before = snapshot()
    assert editor.submit(_url(versions, f"/{version.id}/withdraw"), {"reason": "x"}).status_code == 403
    assert outsider.submit(_url(versions, f"/{version.id}/withdraw"), {"reason": "x"}).status_code == 404
    assert admin.post(_url(versions, f"/{version.id}/withdraw"), data={"reason": "x"}).status_code == 400
    other = f"/partnerships/{versions.people.outsider_partnership.id}/versions/{version.id}/withdraw"
    assert outsider.submit(other, {"reason": "x"}).status_code == 404
    assert difference(before, snapshot()) == {}


def test_answering_a_withdrawal_twice_or_from_another_partnership(versions, client_as):
    version = versions.issue()
    proposal = _propose(versions, version)
    client, outsider = client_as(versions.people.b.admin), client_as(versions.people.outsider)
    agree = f"/partnerships/{versions.partnership.id}/proposals/{proposal.id}/agree"
    assert client.submit(agree).status_code == 302
    before = snapshot()
    assert client.submit(agree).status_code == 409
    assert outsider.submit(
        f"/partnerships/{versions.people.outsider_partnership.id}/proposals/{proposal.id}/agree").status_code == 404
    assert difference(before, snapshot()) == {}
