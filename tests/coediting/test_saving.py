"""Saving without losing work: merges on a stale base, kept conflicts, resolving, discarding, restoring."""

import copy

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.coediting import saving
from app.coediting.merging import Custom
from app.coediting.models import EditConflict
from app.extensions import db
from app.notifications.models import Notification
from app.plan_sections.models import SectionRevision
from app.rules import RuleViolation
from tests.support.coediting import changed, save_from


def titles(revision) -> list[str]:
    return [r["title"] for r in revision.content["items"]["risks"]]


def actions(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == name)))


def test_a_save_on_a_current_base_is_a_plain_edit(plan, risk_base):
    outcome = save_from(plan, plan.people.b.editor, "risk_assessment",
                        changed(risk_base.content, risk_0="Port strike at Rotterdam"), risk_base.id, "Named the port")
    assert outcome.status == "saved" and outcome.revision.number == 2 and outcome.revision.kind == "edit"
    assert outcome.revision.note == "Named the port"


def test_changes_that_do_not_overlap_merge_into_a_merge_revision(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    theirs = save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_2="River flood"), risk_base.id,
                       "Flood is a river flood").revision
    ours = changed(risk_base.content, risk_0="Port strike at Rotterdam",
                   narrative="We watch the ports daily.\n\nWe test backups monthly.\n\nFloods are rare.")
    outcome = save_from(plan, a, "risk_assessment", ours, risk_base.id, "Sharper port risk")

    assert outcome.status == "merged"
    merged = outcome.revision
    assert merged.number == 3 and merged.kind == "merge" and merged.base_revision_id == theirs.id
    assert titles(merged) == ["Port strike at Rotterdam", "Cyber attack", "River flood"]
    assert merged.content["narrative"].startswith("We watch the ports daily.")
    assert merged.note == "Sharper port risk (merged with revision 2 by Ed Editor)"
    assert [r.number for r in outcome.merged_with] == [2]
    assert actions("plan.section_merged")[0].details == {
        "section": "risk_assessment", "revision": 3, "base_revision": 1, "merged_with": [2],
    }
    # Item ids survive the merge: the same three risks, not new ones.
    assert [r["id"] for r in merged.content["items"]["risks"]] == [r["id"] for r in risk_base.content["items"]["risks"]]


def test_a_new_item_keeps_the_id_it_was_given_through_a_merge(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_1="Ransomware"), risk_base.id)
    ours = copy.deepcopy(risk_base.content)
    ours["items"]["risks"].append(dict(ours["items"]["risks"][0], id=None, title="Fire"))
    merged = save_from(plan, a, "risk_assessment", ours, risk_base.id).revision
    assert titles(merged) == ["Port strike", "Ransomware", "Flood", "Fire"]
    new_id = merged.content["items"]["risks"][3]["id"]
    assert new_id.startswith("rsk-") and new_id not in {r["id"] for r in risk_base.content["items"]["risks"]}


def test_overlapping_changes_are_kept_server_side_for_their_author(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    dock = changed(risk_base.content, risk_0="Dock strike")
    theirs = save_from(plan, b, "risk_assessment", dock, risk_base.id).revision
    ours = changed(risk_base.content, risk_0="Port strike at Rotterdam", risk_2="River flood")
    outcome = save_from(plan, a, "risk_assessment", ours, risk_base.id, "Both mine")

    assert outcome.status == "conflict"
    conflict = outcome.conflict
    assert conflict.author_id == a.id
    assert (conflict.base_revision_id, conflict.their_revision_id) == (risk_base.id, theirs.id)
    assert conflict.status == "open" and conflict.note == "Both mine" and conflict.kind == "edit"
    [only] = conflict.conflicts
    risk_id = risk_base.content["items"]["risks"][0]["id"]
    assert only["key"] == f"item:risks:{risk_id}:title"
    assert (only["base"], only["theirs"], only["ours"]) == ("Port strike", "Dock strike", "Port strike at Rotterdam")
    # Nothing was saved for them yet, and the attempt keeps everything they typed.
    assert plan.section("risk_assessment").revision_count == 2
    assert [r["title"] for r in conflict.attempted_content["items"]["risks"]] == \
        ["Port strike at Rotterdam", "Cyber attack", "River flood"]
    assert saving.open_conflicts(plan.section("risk_assessment"), a.id) == [conflict]
    assert saving.open_conflicts(plan.section("risk_assessment"), b.id) == []
    assert actions("plan.conflict_kept")[0].details["conflicts"] == 1


def test_resolving_saves_the_choices_merged_with_theirs(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id, "Dock")
    conflict = save_from(plan, a, "risk_assessment",
                         changed(risk_base.content, risk_0="Port strike at Rotterdam", risk_2="River flood"),
                         risk_base.id, "Mine").conflict
    key = conflict.conflicts[0]["key"]
    outcome = saving.resolve_conflict(plan.member(a), conflict, {key: Custom("Dock strike at Rotterdam")})
    db.session.commit()

    assert outcome.status == "saved" and outcome.revision.kind == "merge"
    assert titles(outcome.revision) == ["Dock strike at Rotterdam", "Cyber attack", "River flood"]
    assert outcome.revision.note == "Mine (merged with revision 2 by Ed Editor)"
    db.session.refresh(conflict)
    assert conflict.status == "resolved" and conflict.result_revision_id == outcome.revision.id
    assert conflict.closed_at is not None
    with pytest.raises(RuleViolation):
        saving.resolve_conflict(plan.member(a), conflict, {key: "ours"})


def test_a_resolution_meets_yet_another_save_and_merges_again(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id)
    conflict = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Port strike at Rotterdam"),
                         risk_base.id).conflict
    latest = plan.section("risk_assessment").current_revision
    save_from(plan, plan.people.b.admin, "risk_assessment", changed(latest.content, risk_1="Ransomware"), latest.id)

    outcome = saving.resolve_conflict(plan.member(a), conflict, {conflict.conflicts[0]["key"]: "ours"})
    db.session.commit()
    assert outcome.status == "merged" and outcome.revision.number == 4
    assert titles(outcome.revision) == ["Port strike at Rotterdam", "Ransomware", "Flood"]


def test_a_resolution_that_overlaps_again_becomes_a_new_conflict_following_the_first(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id)
    first = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Port strike at Rotterdam"),
                      risk_base.id).conflict
    latest = plan.section("risk_assessment").current_revision
    save_from(plan, b, "risk_assessment", changed(latest.content, risk_0="Terminal strike"), latest.id)

    outcome = saving.resolve_conflict(plan.member(a), first, {first.conflicts[0]["key"]: "ours"})
    db.session.commit()
    assert outcome.status == "conflict"
    second = outcome.conflict
    db.session.refresh(first)
    assert first.status == "superseded" and first.followed_by_id == second.id
    again = second.conflicts[0]
    assert (again["theirs"], again["ours"]) == ("Terminal strike", "Port strike at Rotterdam")
    assert saving.open_conflicts(plan.section("risk_assessment"), a.id) == [second]


def test_discarding_closes_the_conflict_and_keeps_the_record(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id)
    conflict = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Port strike at Rotterdam"),
                         risk_base.id).conflict
    with pytest.raises(RuleViolation):
        saving.discard_conflict(plan.member(b), conflict)  # only its author settles it
    saving.discard_conflict(plan.member(a), conflict)
    db.session.commit()
    kept = db.session.get(EditConflict, conflict.id)
    assert kept.status == "discarded"
    assert kept.attempted_content["items"]["risks"][0]["title"] == "Port strike at Rotterdam"
    assert plan.section("risk_assessment").revision_count == 2
    assert actions("plan.conflict_discarded")[0].details == {"section": "risk_assessment", "their_revision": 2}


def test_a_merge_whose_changes_are_already_there_saves_nothing(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    both = changed(risk_base.content, risk_0="Dock strike")
    save_from(plan, b, "risk_assessment", both, risk_base.id)
    outcome = save_from(plan, a, "risk_assessment", both, risk_base.id)
    assert outcome.status == "unchanged"
    assert plan.section("risk_assessment").revision_count == 2


def test_restoring_makes_a_new_revision_and_deletes_nothing(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.admin
    dock = changed(risk_base.content, risk_0="Dock strike")
    second = save_from(plan, b, "risk_assessment", dock, risk_base.id).revision
    outcome = saving.restore_revision(plan.member(a), plan.section("risk_assessment"), risk_base, second.id,
                                      "Dock strike was wrong")
    db.session.commit()
    restored = outcome.revision
    assert outcome.status == "saved" and restored.number == 3 and restored.kind == "restore"
    assert restored.content == risk_base.content
    assert restored.note == "Dock strike was wrong (restored revision 1)"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionRevision)) == 3
    assert actions("plan.section_restored")[0].details == {"section": "risk_assessment", "restored": 1, "revision": 3}


def test_restoring_brings_back_a_deleted_item_with_its_id(plan, risk_base):
    content = copy.deepcopy(risk_base.content)
    gone = content["items"]["risks"].pop(2)
    second = plan.save(plan.people.b.editor, "risk_assessment", content)
    outcome = saving.restore_revision(plan.member(plan.people.a.admin), plan.section("risk_assessment"), risk_base,
                                      second.id)
    assert outcome.revision.content["items"]["risks"][2]["id"] == gone["id"]
    assert outcome.revision.note == "Restored revision 1"


def test_restoring_from_a_stale_page_merges_with_what_landed_since(plan, risk_base):
    second = plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"))
    plan.save(plan.people.b.editor, "risk_assessment", changed(second.content, risk_2="River flood"))
    # Alex looked at revision 1 while revision 2 was current, and restores it: undoing revision 2,
    # without silently undoing revision 3 that landed meanwhile.
    outcome = saving.restore_revision(plan.member(plan.people.a.admin), plan.section("risk_assessment"), risk_base,
                                      second.id)
    assert outcome.status == "merged" and outcome.revision.kind == "restore"
    assert titles(outcome.revision) == ["Port strike", "Cyber attack", "River flood"]


def test_saves_notify_the_other_partys_members_coalesced_per_section(plan, risk_base):
    b = plan.people.b.editor
    latest = risk_base
    for n in range(3):
        latest = save_from(plan, b, "risk_assessment", changed(latest.content, risk_0=f"Strike {n}"), latest.id,
                           f"Take {n}").revision
    rows = db.session.scalars(sa.select(Notification).where(Notification.kind == "section_changed_by_other_party"))
    by_recipient = {n.recipient_id: n for n in rows}
    alpha = {plan.people.a.admin.id, plan.people.a.editor.id, plan.people.a.viewer.id}
    assert set(by_recipient) == alpha  # Beta's own members are not told about Beta's saves
    note = by_recipient[plan.people.a.admin.id]
    assert note.title == "Beta GmbH changed “Risk assessment”" and note.body == "Take 2"
    assert note.topic == "risk_assessment" and note.change_count == 3
    assert note.link == f"/partnerships/{plan.partnership.id}/plan/risk_assessment"


def test_a_base_from_another_section_is_refused(plan, risk_base):
    other = plan.save(plan.people.a.editor, "communications")
    with pytest.raises(RuleViolation):
        saving.save_edit(plan.member(plan.people.a.editor), plan.section("risk_assessment"),
                         risk_base.content, other.id)


def test_notes_are_cut_to_fit_with_the_merge_suffix(plan, risk_base):
    long_note = "x" * 200
    text = saving.with_suffix(long_note, "merged with revision 12 by Dana Reyes")
    assert len(text) == 200 and text.endswith("(merged with revision 12 by Dana Reyes)") and "…" in text


def test_a_merge_that_loses_the_race_again_merges_again_against_the_newest(plan, risk_base, monkeypatch):
    from app.plan_sections import writing

    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_2="River flood"), risk_base.id)
    real_save, landed = writing.save_section, []

    def another_save_lands_first(membership, section, content, base_revision_id, note=None, **kwargs):
        if kwargs.get("kind") == "merge" and not landed:
            current = plan.section("risk_assessment").current_revision
            ransomware = changed(current.content, risk_1="Ransomware")
            landed.append(plan.save(plan.people.b.admin, "risk_assessment", ransomware))
        return real_save(membership, section, content, base_revision_id, note, **kwargs)

    monkeypatch.setattr(writing, "save_section", another_save_lands_first)
    outcome = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Port strike at Rotterdam"),
                        risk_base.id, "Mine")
    assert outcome.status == "merged" and outcome.revision.number == 4
    assert titles(outcome.revision) == ["Port strike at Rotterdam", "Ransomware", "River flood"]
    assert [r.number for r in outcome.merged_with] == [2, 3]
    assert outcome.revision.note == "Mine (merged with revision 3 by Bob Admin)"


def test_losing_every_round_keeps_the_attempt_rather_than_losing_it(plan, risk_base, monkeypatch):
    from app.plan_sections import writing

    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_2="River flood"), risk_base.id)
    real_save = writing.save_section

    def always_beaten(membership, section, content, base_revision_id, note=None, **kwargs):
        if kwargs.get("kind") == "merge":
            current = plan.section("risk_assessment").current_revision
            plan.save(plan.people.b.admin, "risk_assessment", changed(current.content, risk_1=f"Risk {current.number}"))
        return real_save(membership, section, content, base_revision_id, note, **kwargs)

    monkeypatch.setattr(saving, "MAX_MERGE_ROUNDS", 3)
    monkeypatch.setattr(writing, "save_section", always_beaten)
    outcome = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Port strike at Rotterdam"),
                        risk_base.id, "Mine")
    monkeypatch.undo()
    assert outcome.status == "conflict" and outcome.conflict.conflicts == []
    # Settling it (nothing to choose) merges it with whatever is newest by then.
    settled = saving.resolve_conflict(plan.member(a), outcome.conflict, {})
    assert settled.revision is not None and titles(settled.revision)[0] == "Port strike at Rotterdam"


def test_the_audit_trail_reads_each_co_editing_event_as_a_sentence(plan, risk_base):
    from app.audit.actions import describe
    from app.audit_trail.trail import names_for

    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id)
    conflict = save_from(plan, a, "risk_assessment", changed(risk_base.content, risk_0="Mine", risk_2="River"),
                         risk_base.id).conflict
    saving.resolve_conflict(plan.member(a), conflict, {conflict.conflicts[0]["key"]: "theirs"})
    saving.restore_revision(plan.member(b), plan.section("risk_assessment"), risk_base,
                            plan.section("risk_assessment").current_revision_id)
    db.session.commit()
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("plan.%"))
                                     .order_by(AuditEvent.seq)))
    names = names_for(events)
    sentences = [describe(e, names) for e in events]
    assert "Eve Editor (Alpha Ltd) saved “Risk assessment” as revision 1" in sentences
    assert ("Eve Editor (Alpha Ltd) saved “Risk assessment” over changes in revision 2; the overlapping save is "
            "kept for them to resolve") in sentences
    assert "Eve Editor (Alpha Ltd) resolved an overlapping save of “Risk assessment”" in sentences
    assert "Ed Editor (Beta GmbH) restored “Risk assessment” to revision 1 (as revision 4)" in sentences


def test_a_new_item_keeps_its_id_through_a_resolution(plan, risk_base):
    a, b = plan.people.a.editor, plan.people.b.editor
    save_from(plan, b, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"), risk_base.id)
    ours = changed(risk_base.content, risk_0="Port strike at Rotterdam")
    ours["items"]["risks"].append(dict(ours["items"]["risks"][1], id=None, title="Fire"))
    conflict = save_from(plan, a, "risk_assessment", ours, risk_base.id).conflict
    fire_id = conflict.attempted_content["items"]["risks"][3]["id"]
    outcome = saving.resolve_conflict(plan.member(a), conflict, {conflict.conflicts[0]["key"]: "ours"})
    assert outcome.revision.content["items"]["risks"][3] == conflict.attempted_content["items"]["risks"][3]
    assert outcome.revision.content["items"]["risks"][3]["id"] == fire_id
