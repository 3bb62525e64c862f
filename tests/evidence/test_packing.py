"""What an evidence pack holds, how its manifest is signed, and who may ask for one."""

import hashlib
import json
import subprocess
import zipfile

import pytest
import sqlalchemy as sa

from app.audit.export import verify_export
from app.audit.models import AuditEvent
from app.evidence import members, packing
from app.evidence.checking import check_pack
from app.evidence.models import EvidencePack
from app.evidence.verification import judge
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_versions import pdfs
from app.plan_versions.identities import key_for
from app.review_cycle import assessments, maturity, report
from app.review_cycle.models import STAGES
from app.rules import RuleViolation
from tests.support.evidence import entries, pack_of
from tests.support.review_cycle import agree_all, assessment_input, open_cycle, submit


def _maturity(partnership, people, period, levels, evidence, both=True):
    """A maturity assessment rated by A's editor (`levels`, with `evidence`) and, with `both`, by B's."""
    cycle = maturity.start_assessment(load_membership(partnership.id, people.a.admin), period)
    db.session.commit()
    for user in (people.a.editor, people.b.editor) if both else (people.a.editor,):
        membership = load_membership(partnership.id, user)
        given = assessment_input(cycle, membership.party_id, 3, comment=evidence)
        given.scores.update({key: assessments.DimensionScore(level, evidence) for key, level in levels.items()})
        assessments.submit(membership, cycle, given)
        db.session.commit()
    db.session.refresh(cycle)
    return cycle


def test_the_pack_holds_the_signed_plan_its_history_reviews_maturity_lifecycle_and_audit_trail(versions):
    people = versions.people
    version = versions.issue()
    versions.sign(version, people.a.admin)
    versions.sign(version, people.b.admin)
    cycle = open_cycle(versions.partnership, people.a.admin, "2026-Q3")
    submit(cycle, people.a.admin, 4)
    submit(cycle, people.b.admin, 3)
    for _stage in STAGES:
        agree_all(cycle, [people.a.admin, people.b.admin])
    assessed = _maturity(versions.partnership, people, "2025", {"risk": 4}, "MATURITYEVIDENCE")
    for _stage in assessed.stages:
        agree_all(assessed, [people.a.admin, people.b.admin])
    blind = _maturity(versions.partnership, people, "2026", {"risk": 5}, "BLINDRATING", both=False)
    assert blind.revealed_at is None

    data = pack_of(versions.partnership, people.b.admin.organisation, members.PRODUCERS)
    files = entries(data)
    assert list(files) == ["manifest.json", "manifest.json.p7s", "README.txt", "plan/plan-v1.0-signed.pdf",
                           "plan/version-history.json", f"reviews/review-2026-Q3-{cycle.id}.pdf",
                           "maturity/maturity-results.json", f"maturity/maturity-2025-{assessed.id}.pdf",
                           "lifecycle/lifecycle-map.pdf", "audit/audit-trail.signed.json"]
    assert files["plan/plan-v1.0-signed.pdf"] == pdfs.document_state(version).latest.data
    assert files[f"reviews/review-2026-Q3-{cycle.id}.pdf"] == report.stored_report(cycle.id).data
    assert files["lifecycle/lifecycle-map.pdf"].startswith(b"%PDF-")
    assert files[f"maturity/maturity-2025-{assessed.id}.pdf"] == report.stored_report(assessed.id).data
    maturity_results = json.loads(files["maturity/maturity-results.json"])
    assert [a["period"] for a in maturity_results["assessments"]] == ["2025"]
    assert "MATURITYEVIDENCE" in files["maturity/maturity-results.json"].decode()
    # A party's ratings of an assessment still blind leave the database in no member.
    for name in ("maturity/maturity-results.json", "audit/audit-trail.signed.json", "README.txt",
                 "plan/version-history.json"):
        assert b"BLINDRATING" not in files[name]

    history = json.loads(files["plan/version-history.json"])["versions"]
    assert [(v["version"], v["status"], v["content_sha256"]) for v in history] == [
        ("v1.0", "Signed baseline", version.content_hash)]
    assert [(s["party"], s["signer"]) for s in history[0]["signatures"]] == [("Alpha Ltd", "Ada Admin"),
                                                                             ("Beta GmbH", "Bob Admin")]
    assert history[0]["signatures"][1]["certificate_sha256"] == key_for(people.b.admin.organisation).fingerprint
    assert history[0]["pdf_sha256"] == hashlib.sha256(files["plan/plan-v1.0-signed.pdf"]).hexdigest()
    assert verify_export(files["audit/audit-trail.signed.json"]).ok

    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "jointly-evidence-pack/1"
    assert manifest["partnership"] == {"id": versions.partnership.id, "name": "Alpha–Beta Alliance",
                                       "parties": ["Alpha Ltd", "Beta GmbH"]}
    assert manifest["exported_by"]["organisation"] == {"id": people.b.admin.organisation_id, "name": "Beta GmbH"}
    assert manifest["generator"] == {"name": "Jointly", "version": "0.1.0"}
    assert manifest["exported_at"] and manifest["signer_certificate_sha256"] == key_for(
        people.b.admin.organisation).fingerprint
    assert [m["name"] for m in manifest["members"]] == list(files)[2:]
    for member in manifest["members"]:
        assert member["sha256"] == hashlib.sha256(files[member["name"]]).hexdigest()
        assert member["size"] == len(files[member["name"]])
    result = judge(check_pack(data))
    assert result.ok and "Beta GmbH's current signing certificate" in result.trusted_because


def _shell(command: str, folder):
    """The command as a person types it from the pack's README (a pipe: a shell)."""
    return subprocess.run(command, shell=True, cwd=folder, capture_output=True, text=True)  # noqa: S602


@pytest.mark.skipif(subprocess.run(["which", "openssl"], capture_output=True).returncode != 0, reason="no openssl")
def test_the_readme_commands_check_the_pack_with_openssl_and_sha256sum(two_parties, tmp_path):
    data = pack_of(two_parties.partnership)
    (tmp_path / "pack.zip").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "pack.zip") as archive:
        archive.extractall(tmp_path / "pack")
    (tmp_path / "pack" / "org.pem").write_text(key_for(two_parties.a.admin.organisation).certificate_pem)
    readme = (tmp_path / "pack" / "README.txt").read_text()
    openssl, checksums = [line.removeprefix("  $ ") for line in readme.splitlines() if line.startswith("  $ ")]
    assert openssl.startswith("openssl cms -verify") and checksums.startswith("jq -r")
    folder = tmp_path / "pack"
    # The certificate inside the signature, and its fingerprint to compare with the organisation's.
    extract, fingerprint = [line.strip() for line in readme.splitlines() if line.startswith("    openssl ")]
    (folder / "org.pem").unlink()
    assert _shell(extract, folder).returncode == 0
    printed = _shell(fingerprint, folder).stdout
    assert key_for(two_parties.a.admin.organisation).fingerprint.upper() in printed
    run = _shell(openssl, folder)
    assert run.returncode == 0 and "Verification successful" in run.stderr
    run = _shell(checksums, folder)
    assert run.returncode == 0 and "README.txt: OK" in run.stdout and "audit-trail.signed.json: OK" in run.stdout

    # Another organisation's certificate does not verify it; nor does a changed manifest.
    (tmp_path / "pack" / "org.pem").write_text(key_for(two_parties.b.admin.organisation).certificate_pem)
    assert _shell(openssl, folder).returncode != 0
    (tmp_path / "pack" / "org.pem").write_text(key_for(two_parties.a.admin.organisation).certificate_pem)
    (folder / "manifest.json").write_bytes(entries(data)["manifest.json"].replace(b"Alpha Ltd", b"Alpha Plc"))
    assert _shell(openssl, folder).returncode != 0
    (folder / "manifest.json").write_bytes(entries(data)["manifest.json"])
    (folder / "README.txt").write_text(readme + "changed")
    run = _shell(checksums, folder)
    assert run.returncode != 0 and "README.txt: FAILED" in run.stdout


def test_only_an_admin_asks_for_a_pack_one_at_a_time_and_within_the_hourly_limit(app, two_parties):
    partnership = two_parties.partnership
    for user in (two_parties.a.editor, two_parties.b.viewer):
        with pytest.raises(RuleViolation, match="Only a partnership admin"):
            packing.request_pack(load_membership(partnership.id, user))
    first = packing.request_pack(load_membership(partnership.id, two_parties.b.admin))
    again = packing.request_pack(load_membership(partnership.id, two_parties.a.admin))
    assert again.id == first.id and first.status == "pending"  # still pending: joins it
    db.session.commit()  # the job runs (in-process in tests)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evidence.exported"))
    assert event.actor_id == two_parties.b.admin.id and event.details == {"organisation": "Beta GmbH"}
    db.session.refresh(first)
    assert first.status == "ready" and first.organisation_id == two_parties.b.admin.organisation_id
    assert first.sha256 == hashlib.sha256(first.data).hexdigest() and first.member_count == 3
    app.config["EVIDENCE_PACKS_PER_HOUR"] = 1
    with pytest.raises(packing.PackLimit, match="exported 1 evidence packs in the last hour"):
        packing.request_pack(load_membership(partnership.id, two_parties.a.admin))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidencePack)) == 1
