"""Importing a plan through the services: one revision per section through the save path, merged
with what others saved meanwhile, proposed where agreed sections say so, for editors only."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.coediting import saving
from app.coediting.models import EditConflict
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_import import services
from app.plan_import.models import PendingImport
from app.plan_sections import reading, writing
from app.plan_sections.models import SectionRevision
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.plan_files import RISKS_MD


def member(people, user):
    return load_membership(people.partnership.id, user)


def start(people, user=None, text=RISKS_MD, name="plan.md"):
    pending = services.start_import(member(people, user or people.a.editor), text.encode(), name)
    db.session.commit()
    return pending


def confirm(people, pending, mapping=None, user=None):
    results = services.confirm_import(member(people, user or people.a.editor), pending,
                                      mapping or services.suggested_mapping(pending))
    db.session.commit()
    return {r.key: r for r in results}


def revisions(people, key):
    section = reading.section_for(people.partnership.id, key)
    return list(db.session.scalars(
        sa.select(SectionRevision).where(SectionRevision.section_id == section.id).order_by(SectionRevision.number)))


def test_an_upload_is_kept_server_side_for_its_uploader_with_each_sections_base(two_parties):
    pending = start(two_parties)
    assert pending.user_id == two_parties.a.editor.id and pending.partnership_id == two_parties.partnership.id
    headings = [p["heading"] for p in pending.parts]
    assert headings == ["Our plan", "1. Governance", "2. Risk register", "3. Operating rhythm"]
    assert services.suggested_mapping(pending) == {0: "skip", 1: "organisational_arrangements",
                                                   2: "risk_assessment", 3: "skip"}
    assert len(pending.base_revision_ids) == 10
    assert all(value is None for value in pending.base_revision_ids.values())
    assert pending.expires_at - pending.created_at == timedelta(hours=services.KEEP_HOURS)


def test_confirming_saves_one_revision_per_section_noted_with_the_file_and_audits_the_import(two_parties):
    pending = start(two_parties)
    mapping = {**services.suggested_mapping(pending), 3: "management_activities"}  # the person's own choice
    results = confirm(two_parties, pending, mapping)
    assert {key: r.status for key, r in results.items()} == {
        "organisational_arrangements": "saved", "risk_assessment": "saved", "management_activities": "saved"}
    [risk] = revisions(two_parties, "risk_assessment")
    assert risk.note == "Imported from plan.md" and risk.author_id == two_parties.a.editor.id
    assert risk.content["narrative"] == "We review risks monthly."
    assert [(r["title"], r["owner_party"], r["likelihood"], r["impact"]) for r in risk.content["items"]["risks"]] == [
        ("Port strike", two_parties.b.party.id, 4, 4), ("Data breach", two_parties.a.party.id, 2, 5)]
    assert revisions(two_parties, "management_activities")[0].content["narrative"] == "Weekly calls."
    assert revisions(two_parties, "business_case") == []
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.imported"))
    assert event.details["filename"] == "plan.md" and event.details["imported"] == 3
    assert event.details["sections"]["risk_assessment"] == {"status": "saved", "revision": 1}
    # Confirmed once: a second confirmation is refused, and nothing is saved twice.
    with pytest.raises(services.AlreadyImported):
        confirm(two_parties, db.session.get(PendingImport, pending.id))
    assert len(revisions(two_parties, "risk_assessment")) == 1


def test_an_import_adds_to_what_a_section_holds_and_replaces_nothing(two_parties):
    editor = member(two_parties, two_parties.b.editor)
    section = reading.section_for(two_parties.partnership.id, "organisational_arrangements")
    writing.save_section(editor, section, {"narrative": "Our own words.", "items": {}}, None)
    db.session.commit()
    pending = start(two_parties)
    confirm(two_parties, pending)
    current = revisions(two_parties, "organisational_arrangements")[-1]
    assert current.number == 2 and current.kind == "edit"
    assert current.content["narrative"] == "Our own words.\n\nA joint board steers us."


def test_someone_saving_between_preview_and_confirm_is_merged_like_any_save(two_parties):
    pending = start(two_parties)
    # Ed (Beta) writes the risk section after the upload was read.
    ed = member(two_parties, two_parties.b.editor)
    section = reading.section_for(two_parties.partnership.id, "risk_assessment")
    saving.save_edit(ed, section, {"narrative": "Ed's opening.", "items": {"risks": []}}, None, "Ed writes")
    db.session.commit()
    eve = member(two_parties, two_parties.a.editor)
    preview = services.build_preview(eve, pending, services.suggested_mapping(pending))
    [risk_plan] = [s for s in preview.sections if s.key == "risk_assessment"]
    assert any("Changed since you uploaded" in note for note in risk_plan.notes)
    results = confirm(two_parties, pending)
    # Both started from an empty section and both wrote its narrative: that overlaps, so the
    # import is kept for its author to settle, and Ed's text stands.
    assert results["risk_assessment"].status == "conflict"
    conflict = db.session.scalar(sa.select(EditConflict))
    assert conflict.author_id == two_parties.a.editor.id and conflict.note == "Imported from plan.md"
    assert [r["title"] for r in conflict.attempted_content["items"]["risks"]] == ["Port strike", "Data breach"]
    assert revisions(two_parties, "risk_assessment")[-1].content["narrative"] == "Ed's opening."
    assert results["organisational_arrangements"].status == "saved"


def test_changes_that_do_not_overlap_merge_into_the_import(two_parties):
    eve = member(two_parties, two_parties.a.editor)
    section = reading.section_for(two_parties.partnership.id, "risk_assessment")
    saving.save_edit(eve, section, {"narrative": "Intro.\n\nMiddle.\n\nEnd.", "items": {"risks": []}}, None)
    db.session.commit()
    pending = start(two_parties)
    ed = member(two_parties, two_parties.b.editor)
    base = section.current_revision_id
    saving.save_edit(ed, section, {"narrative": "Better intro.\n\nMiddle.\n\nEnd.", "items": {"risks": []}}, base)
    db.session.commit()
    results = confirm(two_parties, pending)
    assert results["risk_assessment"].status == "merged"
    current = revisions(two_parties, "risk_assessment")[-1]
    assert current.kind == "merge" and current.note.startswith("Imported from plan.md (merged with revision 2")
    assert current.content["narrative"] == "Better intro.\n\nMiddle.\n\nEnd.\n\nWe review risks monthly."
    assert len(current.content["items"]["risks"]) == 2


def test_an_agreed_section_becomes_a_proposal_and_a_waiting_change_refuses_that_section_only(agreed):
    people = agreed.people
    before = agreed.section("risk_assessment").current_revision_id
    pending = start(people)
    outcomes = confirm(people, pending)
    assert outcomes["risk_assessment"].status == "proposed"
    proposal = outcomes["risk_assessment"].outcome.proposal
    assert proposal.kind == "section_change" and proposal.payload["note"] == "Imported from plan.md"
    assert agreed.section("risk_assessment").current_revision_id == before  # unchanged until every party agrees
    # Beta agrees: the import is made as Eve's revision, its new risks with it.
    agreed.answer(people.b.admin, proposal)
    db.session.expire_all()
    current = agreed.section("risk_assessment").current_revision
    assert current.id != before and current.note == "Imported from plan.md (agreed by every party)"
    assert {"Port strike", "Data breach"} <= {r["title"] for r in current.content["items"]["risks"]}
    before = current.id
    waiting = outcomes["organisational_arrangements"].outcome.proposal
    assert waiting.status == "open"
    # A second import while the governance change still waits: that section is refused with the
    # reason, the rest goes on.
    again = start(people, text=RISKS_MD.replace("monthly", "weekly"))
    preview = services.build_preview(member(people, people.a.editor), again, services.suggested_mapping(again))
    [governance] = [s for s in preview.sections if s.key == "organisational_arrangements"]
    assert governance.refusal and "waiting for the parties' answers" in governance.refusal
    outcomes = confirm(people, again)
    assert outcomes["organisational_arrangements"].status == "refused"
    assert "waiting for the parties' answers" in outcomes["organisational_arrangements"].refusal
    assert outcomes["risk_assessment"].status == "proposed"
    assert agreed.section("risk_assessment").current_revision_id == before


def test_viewers_cannot_import_and_a_mapping_must_name_sections(two_parties):
    with pytest.raises(RuleViolation):
        services.start_import(member(two_parties, two_parties.a.viewer), RISKS_MD.encode(), "plan.md")
    pending = start(two_parties)
    assert services.mapping_errors(pending, {0: "skip", 1: "made_up", 2: "risk_assessment"}) == {
        1: "Choose a section of the plan, or Skip.", 3: "Choose a section of the plan, or Skip."}
    with pytest.raises(RuleViolation):
        confirm(two_parties, pending, {0: "skip", 1: "made_up", 2: "skip", 3: "skip"})
    with pytest.raises(RuleViolation, match="Nothing would be imported"):
        confirm(two_parties, pending, {0: "skip", 1: "skip", 2: "skip", 3: "skip"})


def test_an_expired_import_cannot_be_confirmed_and_is_cleared_by_the_next_upload(two_parties):
    pending = start(two_parties)
    pending.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert services.is_expired(pending)
    with pytest.raises(RuleViolation, match="expired"):
        confirm(two_parties, pending)
    db.session.rollback()
    fresh = start(two_parties)
    assert db.session.scalars(sa.select(PendingImport.expires_at)).all() == [fresh.expires_at]


def test_the_sample_word_plan_imports_narratives_and_items(two_parties, sample_docx):
    pending = services.start_import(member(two_parties, two_parties.a.admin), sample_docx, "sample-plan.docx")
    mapping = services.suggested_mapping(pending)
    assert list(mapping.values()) == [
        "skip", "organisational_arrangements", "business_case", "asset_register", "risk_assessment",
        "commercial_agreement", "skip", "continuous_improvement", "knowledge_management", "communications",
        "exit_arrangements"]
    results = confirm(two_parties, pending, mapping, user=two_parties.a.admin)
    assert {r.status for r in results.values()} == {"saved"}
    risks = reading.current_content(two_parties.partnership.id, "risk_assessment")["items"]["risks"]
    assert [r["title"] for r in risks][:2] == ["Peak-season capacity shortfall at the Rotterdam hub",
                                               "Forecast data arrives late or incomplete"]
    commercial = reading.current_content(two_parties.partnership.id, "commercial_agreement")
    assert "| Milestone | Payment | When |" in commercial["narrative"]
