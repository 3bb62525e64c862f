"""Evidence attachments as services: blind actuals, the search index, plan versions that freeze
their files, the PDF's annex and checking a file against it. Run on SQLite and PostgreSQL."""

import copy
import hashlib
import io
import json

import pytest
from werkzeug.datastructures import FileStorage

from app.attachments import places, services
from app.attachments.models import Attachment
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_versions import pdfs
from app.plan_versions.services import unchanged_baseline
from app.plan_versions.verification import verify_pdf
from app.review_cycle import assessments
from app.rules import RuleViolation
from app.search.finding import Filters, search
from app.search.indexing import partnership_entries
from tests.support import review_cycle as rc
from tests.support.poppler import poppler

CONTRACT = b"Master services agreement. Liquidated damages apply after the quintessential milestone.\n"


def _file(name: str, data: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def _attach(user, partnership, target, name, data):
    membership = load_membership(partnership.id, user)
    version = services.attach(membership, target, _file(name, data))
    db.session.commit()
    return version


def _found(user, text: str) -> list[str]:
    return [hit.title for group in search(user.id, text, Filters()).groups
            for _heading, hits in group.sections for hit in hits]


def test_a_files_text_is_found_by_a_word_inside_it_and_leaves_the_index_when_withdrawn(plan):
    people = plan.people
    version = _attach(people.a.editor, plan.partnership, places.section_target("commercial_agreement"),
                      "MSA.txt", CONTRACT)
    db.session.refresh(version)
    assert version.text_state == "done" and "quintessential" in version.text
    assert _found(people.b.viewer, "quintessential") == ["MSA.txt"]
    assert _found(people.outsider, "quintessential") == []
    services.withdraw(load_membership(plan.partnership.id, people.b.editor), version.attachment, "Replaced")
    db.session.commit()
    assert _found(people.b.viewer, "quintessential") == []


def test_rebuilding_the_index_gives_the_entries_the_uploads_wrote(plan):
    _attach(plan.people.a.editor, plan.partnership, places.section_target("commercial_agreement"), "MSA.txt", CONTRACT)
    written = db.session.execute(db.text(
        "SELECT kind, source, title, body FROM search_entry WHERE kind = 'attachment'")).all()
    rebuilt = [(e.kind, e.source, e.title, e.row()["body"]) for e in partnership_entries(plan.partnership.id)
               if e.kind == "attachment"]
    assert [tuple(row) for row in written] == rebuilt and len(rebuilt) == 1


def test_evidence_for_an_actual_is_blind_until_the_reveal_like_the_actual(plan):
    people, partnership = plan.people, plan.partnership
    rc.add_measures(partnership, people.a.admin)
    cycle = rc.open_cycle(partnership, people.a.admin)
    a = load_membership(partnership.id, people.a.editor)
    assessments.save_draft(a, cycle, rc.assessment_input(cycle, a.party_id))
    db.session.commit()
    own = assessments.own_assessment(cycle, a.party_id)
    measure = next(m for m in cycle.measures if m["data_owner"] == a.party_id)
    target = places.actual_target(own.id, measure["id"])
    _attach(people.a.editor, partnership, target, "OTIF data.txt", b"Shipments on time: zanzibar ledger\n")
    attachment = db.session.scalars(db.select(Attachment)).one()
    b = load_membership(partnership.id, people.b.admin)
    # The other party cannot attach to it, see it, nor find it.
    with pytest.raises(RuleViolation):
        services.check_can_change(b, target)
    assert services.shown(b, attachment) is None
    assert _found(people.b.admin, "zanzibar") == [] and _found(people.a.editor, "zanzibar") == []
    rc.submit(cycle, people.a.admin)
    # Submitted: final for its own party too.
    with pytest.raises(RuleViolation, match="submitted"):
        services.check_can_change(load_membership(partnership.id, people.a.editor), target)
    assert services.shown(b, attachment) is None and _found(people.b.admin, "zanzibar") == []
    rc.submit(cycle, people.b.admin)  # the reveal
    shown = services.shown(load_membership(partnership.id, people.b.viewer), attachment)
    assert [v.number for v in shown.versions] == [1]
    assert _found(people.b.viewer, "zanzibar") == ["OTIF data.txt"]


def test_a_version_freezes_the_plans_files_and_its_pdf_lists_each_with_its_hash(versions):
    people = versions.people
    versions.write_everything()
    _attach(people.a.editor, versions.partnership, places.section_target("commercial_agreement"), "MSA.txt", CONTRACT)
    version = versions.issue()
    frozen = json.loads(version.canonical)["evidence"]
    sha = hashlib.sha256(CONTRACT).hexdigest()
    assert [(e["name"], e["version"], e["sha256"], e["place"]) for e in frozen] == [
        ("MSA.txt", 1, sha, "Commercial agreement")]
    # A new version of the file after issue leaves the issued version as it was.
    _attach(people.b.editor, versions.partnership, places.section_target("commercial_agreement"), "MSA.txt",
            CONTRACT + b"Amendment 1.\n")
    assert json.loads(db.session.get(type(version), version.id).canonical)["evidence"] == frozen
    pdfs.build_now(version.id)
    pdf = pdfs.documents_of(version.id)[-1].data
    text = " ".join(poppler("pdftotext", "-layout", "-", "-", data=pdf).split())
    assert "Annex: evidence files" in text and "MSA.txt" in text and sha[:32] in text.replace(" ", "")
    result = verify_pdf(pdf)
    checks = result.check_files([("copy.txt", sha, len(CONTRACT)), ("other.txt", "0" * 64, 3)])
    assert [c.ok for c in checks] == [True, False] and checks[0].listed["name"] == "MSA.txt"


def test_a_changed_file_is_a_change_a_major_version_may_be_issued_for(versions):
    versions.write_everything()
    versions.issue()
    latest = _sign_latest(versions)
    assert unchanged_baseline(versions.partnership) == latest
    _attach(versions.people.a.editor, versions.partnership, places.section_target("exit_arrangements"),
            "Exit checklist.txt", b"Return all assets.\n")
    assert unchanged_baseline(versions.partnership) is None


def _sign_latest(versions):
    from app.plan_versions.models import PlanVersion

    version = db.session.scalars(db.select(PlanVersion).order_by(PlanVersion.id.desc())).first()
    for user in (versions.people.a.admin, versions.people.b.admin):
        versions.sign(version, user)
    db.session.refresh(version)
    return version


def test_the_plans_evidence_follows_its_items_in_order_and_leaves_out_removed_ones(plan):
    from tests.support.plans import risks_content

    people = plan.people
    plan.save(people.a.editor, "risk_assessment", risks_content(plan, "Port strike", "Flood"))
    strike, flood = plan.section("risk_assessment").current_revision.content["items"]["risks"]
    for item, name in ((flood, "Flood map.txt"), (strike, "Strike plan.txt")):
        _attach(people.a.editor, plan.partnership, places.item_target("risk_assessment", item["id"]), name, b"x\n")
    _attach(people.b.editor, plan.partnership, places.section_target("risk_assessment"), "Register.txt", b"y\n")
    evidence = services.plan_evidence(plan.partnership.id)
    assert [(e["name"], e["place"]) for e in evidence] == [
        ("Register.txt", "Risk assessment"), ("Strike plan.txt", "Risk assessment: Port strike"),
        ("Flood map.txt", "Risk assessment: Flood")]
    content = copy.deepcopy(plan.section("risk_assessment").current_revision.content)
    content["items"]["risks"] = [strike]  # the flood risk is removed, and its file with it
    plan.save(people.b.editor, "risk_assessment", content)
    assert [e["name"] for e in services.plan_evidence(plan.partnership.id)] == ["Register.txt", "Strike plan.txt"]


def test_the_restore_check_finds_a_version_whose_file_is_missing(plan, app):
    import os

    from app.attachments.integrity import stored_files_verify
    from app.backup import RestoreReport

    version = _attach(plan.people.a.editor, plan.partnership, places.section_target("commercial_agreement"),
                      "MSA.txt", CONTRACT)
    report = RestoreReport(manifest={})
    stored_files_verify(report)
    assert report.problems == [] and report.checked == ["1 attachment files present, each under the key its "
                                                        "SHA-256 names"]
    os.unlink(os.path.join(app.config["STORAGE_DIR"], "objects", version.storage_key))
    report = RestoreReport(manifest={})
    stored_files_verify(report)
    assert report.problems == [f"attachment file {version.storage_key} is missing from "
                               f"{services.object_store().describe()}"]
