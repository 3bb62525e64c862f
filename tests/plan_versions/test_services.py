"""Issuing, signing, declining, withdrawing; the baseline; signed records never change.
(Withdrawing through consent: test_withdrawal.py.)"""

import json
import threading

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import Notification
from app.plan_versions import services
from app.plan_versions.models import ImmutableRecord, PlanDocument, PlanSignature, PlanVersion
from app.plan_versions.pdfs import build_now
from app.rules import RuleViolation
from tests.support.factories import PASSWORD, enable_two_factor, join, make_colleague, totp_code


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("plan.version%"))))


def _fully_signed(versions, **issue):
    version = versions.issue(**issue)
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    return version



def _withdraw(versions, version):
    """Withdrawn with both parties' agreement (test_withdrawal.py covers how)."""
    from app.consent import services as consent
    from app.plan_versions import withdrawal

    proposal = withdrawal.propose_withdrawal(versions.member(versions.people.a.admin), version, "Not this one.")
    consent.respond(versions.member(versions.people.b.admin), proposal, "agree")
    db.session.commit()


def test_issue_freezes_every_written_section_and_the_profile_in_canonical_json(versions):
    version = versions.issue(step="major")
    assert version.label == "v1.0" and version.status == "awaiting"
    document = json.loads(version.canonical)
    assert document["version"] == "v1.0"
    assert document["partnership"]["name"] == versions.partnership.name
    assert [p["name"] for p in document["partnership"]["parties"]] == ["Alpha Ltd", "Beta GmbH"]
    assert set(document["sections"]) == set(version.revision_ids) and len(document["sections"]) == 10
    # Deterministic: the same document serialises to the same bytes and hash.
    assert services.canonical_json(document) == version.canonical
    assert services.sha256_hex(version.canonical) == version.content_hash
    assert _actions() == ["plan.version_issued"]
    asked = db.session.scalars(sa.select(Notification.recipient_id).where(Notification.kind == "signature_requested"))
    assert set(asked) == {versions.people.b.admin.id}  # the signatories but the issuer


def test_version_numbers_step_minor_and_major_and_are_never_reused(versions):
    first = versions.issue(step="minor")
    assert first.label == "v0.1"
    _withdraw(versions, first)
    assert versions.issue(step="major").label == "v1.0"
    assert services.next_number(versions.partnership.id, "minor") == (1, 1)


def test_only_admins_issue_and_only_one_version_awaits_at_a_time(versions):
    with pytest.raises(RuleViolation):
        services.issue_version(versions.member(versions.people.a.editor), step="minor", summary="x")
    versions.issue()
    with pytest.raises(RuleViolation, match="still awaiting signatures"):
        services.issue_version(versions.member(versions.people.b.admin), step="minor", summary="Another")


def test_every_party_signing_makes_the_signed_baseline_and_supersedes_the_previous(versions):
    first = _fully_signed(versions)
    assert first.status == "signed" and services.baseline_of(versions.partnership.id).id == first.id
    signature = first.signatures[0]
    assert (signature.ip, signature.user_agent, signature.auth_method) == ("203.0.113.9", "pytest browser", "password")
    assert signature.content_hash == first.content_hash and first.content_hash in signature.intent
    assert "v1.0" in signature.intent and signature.typed_name == "Ada Admin"
    versions.save(versions.people.b.editor, "communications")
    second = _fully_signed(versions, step="minor", summary="Communications changed.")
    baseline = services.baseline_of(versions.partnership.id)
    assert baseline.id == second.id
    assert services.status_of(first, baseline) == "superseded"
    assert _actions().count("plan.version_baseline") == 2


def test_the_baseline_needs_a_signature_of_every_party(versions):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    assert version.status == "awaiting" and services.baseline_of(versions.partnership.id) is None
    assert [p.name for p in services.unsigned_parties(version)] == ["Beta GmbH"]


def test_a_party_signs_once_and_only_signatories_sign(versions):
    version = versions.issue()
    second_signatory = make_colleague(versions.people.a.admin.organisation, name="Sam Signer")
    join(versions.partnership, second_signatory, "editor", is_signatory=True)
    db.session.commit()
    versions.sign(version, versions.people.a.admin)
    with pytest.raises(RuleViolation, match="already signed"):
        versions.sign(version, second_signatory)
    with pytest.raises(RuleViolation, match="signatories"):
        versions.sign(version, versions.people.b.editor)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"password": "nope"}, "password"), ({"typed_name": "Bob"}, "typed_name"), ({"confirmed": False}, "confirm")],
)
def test_signing_needs_the_password_the_full_name_and_the_confirmation(versions, overrides, field):
    version = versions.issue()
    with pytest.raises(RuleViolation) as refused:
        versions.sign(version, versions.people.a.admin, **overrides)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSignature)) == 0


def test_signing_with_two_factor_needs_the_code_and_records_it(versions):
    user = versions.people.b.admin
    enable_two_factor(user)
    version = versions.issue()
    with pytest.raises(RuleViolation) as refused:
        versions.sign(version, user, code="000000")
    assert refused.value.field == "code"
    db.session.rollback()
    signature = versions.sign(version, user, code=totp_code(user))
    assert signature.auth_method == "password+totp"


def test_typed_name_ignores_case_and_spacing(versions):
    version = versions.issue()
    assert versions.sign(version, versions.people.a.admin, typed_name="  ada   ADMIN ").typed_name == "ada ADMIN"


def test_decline_needs_a_reason_and_closes_the_version(versions):
    version = versions.issue()
    with pytest.raises(RuleViolation):
        services.decline_version(versions.member(versions.people.b.admin), version, " ")
    services.decline_version(versions.member(versions.people.b.admin), version, "Exit terms are not agreed.")
    db.session.commit()
    assert (version.status, version.close_reason) == ("declined", "Exit terms are not agreed.")
    with pytest.raises(RuleViolation, match="can no longer be signed"):
        versions.sign(version, versions.people.a.admin)
    assert "plan.version_declined" in _actions()


def test_the_service_refuses_to_change_or_delete_signed_records(versions):
    version = _fully_signed(versions)
    build_now(version.id)
    version.summary = "Rewritten later"
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()
    for row in (version.signatures[0], db.session.scalars(sa.select(PlanDocument)).first()):
        db.session.delete(row)
        with pytest.raises(ImmutableRecord):
            db.session.flush()
        db.session.rollback()
    db.session.delete(version)
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()


def test_issued_content_never_changes_even_before_signing(versions):
    version = versions.issue()
    version.canonical = "{}"
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE plan_version SET summary = 'changed' WHERE id = :id",
        "UPDATE plan_version SET status = 'withdrawn' WHERE id = :id",
        "DELETE FROM plan_version WHERE id = :id",
        "UPDATE plan_signature SET typed_name = 'someone' WHERE version_id = :id",
        "DELETE FROM plan_signature WHERE version_id = :id",
        "UPDATE plan_document SET sha256 = 'x' WHERE version_id = :id",
        "DELETE FROM plan_document WHERE version_id = :id",
    ],
)
def test_postgresql_refuses_any_sql_that_changes_signed_records(versions, statement):
    version = _fully_signed(versions)
    build_now(version.id)
    with pytest.raises(sa.exc.DBAPIError, match="cannot be|immutable"):
        db.session.execute(sa.text(statement), {"id": version.id})
    db.session.rollback()


@pytest.mark.postgres_only
def test_postgresql_lets_an_awaiting_version_close_but_not_its_content_change(versions):
    version = versions.issue()
    db.session.execute(sa.text("UPDATE plan_version SET status = 'withdrawn' WHERE id = :id"), {"id": version.id})
    with pytest.raises(sa.exc.DBAPIError, match="issued content"):
        db.session.execute(sa.text("UPDATE plan_version SET canonical = '{}' WHERE id = :id"), {"id": version.id})
    db.session.rollback()


@pytest.mark.postgres_only
def test_concurrent_final_signatures_make_exactly_one_baseline(app, versions):
    """Three parties; two sign at the same moment as the last two: exactly one baseline event."""
    third = versions.people.outsider
    join(versions.partnership, third, "admin", is_signatory=True)
    db.session.commit()
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    partnership_id, version_id = versions.partnership.id, version.id
    barrier, errors = threading.Barrier(2), []

    def sign(user_id):
        with app.app_context():
            from app.accounts.models import User
            from app.partnerships.access import load_membership

            user = db.session.get(User, user_id)
            membership = load_membership(partnership_id, user)
            target = db.session.get(PlanVersion, version_id)
            barrier.wait(5)
            try:
                services.sign_version(membership, target, services.SigningRequest(
                    password=PASSWORD, typed_name=user.full_name, confirmed=True))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign, args=(u.id,)) for u in (versions.people.b.admin, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(PlanVersion, version_id).status == "signed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSignature)) == 3
    assert _actions().count("plan.version_baseline") == 1


def test_baseline_changes_lists_sections_changed_since(versions):
    _fully_signed(versions)
    assert services.baseline_changes(versions.partnership.id).changed == frozenset()
    versions.save(versions.people.b.editor, "communications")
    changes = services.baseline_changes(versions.partnership.id)
    assert changes.changed == {"communications"} and changes.section_changed("communications")


def test_a_major_version_of_an_unchanged_plan_is_refused_with_the_reason(versions):
    first = _fully_signed(versions)
    partnership = versions.partnership
    assert services.unchanged_baseline(partnership).id == first.id
    with pytest.raises(RuleViolation, match="Nothing has changed since the signed baseline v1.0") as refused:
        services.issue_version(versions.member(versions.people.a.admin), step="major", summary="Same again.")
    assert refused.value.field == "step"
    # A minor step re-signs it as it stands; any change makes a major step possible again.
    versions.save(versions.people.b.editor, "communications")
    assert services.unchanged_baseline(partnership) is None
    assert versions.issue(step="major", summary="Communications changed.").label == "v2.0"
