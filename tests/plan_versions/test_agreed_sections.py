"""Agreed sections: with the switch on, a change to a signed section is proposed to the other
parties and made only when they agree; without it, or for other sections, saving is as ever."""

import pytest
import sqlalchemy as sa

from app.coediting import saving
from app.consent import services as consent
from app.consent.models import Proposal
from app.extensions import db
from app.plan_sections.models import SectionRevision
from app.plan_versions import agreed_sections
from app.rules import RuleViolation
from tests.support.plans import Agreed, narrative, switch_agreed_sections

KEY = "risk_assessment"


def mitigation(text, index=0):
    def change(content):
        content["items"]["risks"][index]["mitigation"] = text
    return change


def revisions(plan, key=KEY):
    return list(db.session.scalars(sa.select(SectionRevision).where(
        SectionRevision.section_id == plan.section(key).id).order_by(SectionRevision.number)))


def test_an_edit_to_a_signed_section_becomes_a_proposal_and_the_section_stays(agreed):
    before = agreed.section(KEY).current_revision
    outcome = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Ports *and* floods."), "Add floods")
    assert outcome.status == "proposed" and outcome.revision is None
    proposal = outcome.proposal
    assert proposal.kind == "section_change" and proposal.status == "open"
    assert proposal.summary == "Change Risk assessment: Add floods"
    assert proposal.proposed_by_id == agreed.people.a.editor.id  # editors propose plan changes
    assert proposal.asked_party_ids == [agreed.people.b.party.id]
    assert proposal.payload["base_revision_id"] == before.id and proposal.payload["note"] == "Add floods"
    assert proposal.payload["content"]["narrative"] == "Ports *and* floods."
    assert agreed.section(KEY).current_revision_id == before.id
    assert [r.id for r in revisions(agreed)] == [before.id]


def test_when_the_other_party_agrees_the_change_is_the_authors_revision_with_the_note(agreed):
    base = agreed.section(KEY).current_revision
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Ports and floods."), "Add floods").proposal
    agreed.answer(agreed.people.b.admin, proposal)
    db.session.expire_all()
    assert proposal.status == "agreed"
    current = agreed.section(KEY).current_revision
    assert current.number == base.number + 1 and current.content["narrative"] == "Ports and floods."
    assert current.author_id == agreed.people.a.editor.id and current.author_party_id == agreed.people.a.party.id
    assert current.note == "Add floods (agreed by every party)" and current.base_revision_id == base.id
    assert proposal.payload["revision_number"] == current.number


def test_a_stale_base_merges_on_agreement_and_an_overlap_lapses_with_its_reason(agreed):
    base = agreed.section(KEY).current_revision
    first = agreed.propose_edit(agreed.people.b.editor, KEY, narrative("Ports, floods and strikes."), "Strikes")
    agreed.answer(agreed.people.a.admin, first.proposal)
    # Eve opened the editor before that change was made: her change of a risk merges with it.
    merged = agreed.propose_edit(agreed.people.a.editor, KEY, mitigation("Second supplier"), "Mitigate",
                                 base_id=base.id).proposal
    assert agreed_sections._check(merged) is None
    agreed.answer(agreed.people.b.admin, merged)
    db.session.expire_all()
    current = agreed.section(KEY).current_revision
    assert merged.status == "agreed" and merged.payload["merged"] is True
    assert current.content["narrative"] == "Ports, floods and strikes."
    assert current.content["items"]["risks"][0]["mitigation"] == "Second supplier"
    # Another change from the old base rewrites the narrative too: it overlaps and lapses.
    overlapping = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Only ports."), "Rewrite",
                                      base_id=base.id).proposal
    assert "changed since" in agreed_sections._check(overlapping)
    agreed.answer(agreed.people.b.admin, overlapping)
    db.session.expire_all()
    assert overlapping.status == "lapsed" and "Nothing changed" in overlapping.outcome
    assert agreed.section(KEY).current_revision_id == current.id
    assert not db.session.scalar(sa.text("SELECT count(*) FROM edit_conflict"))  # nothing half-kept


def test_one_open_change_per_section_and_other_sections_are_not_held_up(agreed):
    waiting = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("One."), "One").proposal
    with pytest.raises(consent.ConsentError) as refused:
        agreed.propose_edit(agreed.people.b.editor, KEY, narrative("Two."), "Two")
    db.session.rollback()
    assert refused.value.status == 409 and "Eve Editor" in refused.value.message
    other = agreed.propose_edit(agreed.people.b.editor, "communications", narrative("Weekly calls."), "Calls")
    assert other.status == "proposed"
    assert agreed_sections.open_change(agreed.partnership.id, KEY).id == waiting.id


def test_a_declined_change_leaves_the_section_and_stays_in_its_history(agreed):
    before = agreed.section(KEY).current_revision_id
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Nothing to fear."), "Relax").proposal
    agreed.answer(agreed.people.b.admin, proposal, "decline", "Floods are real.")
    db.session.expire_all()
    assert proposal.status == "declined" and "Floods are real." in proposal.outcome
    assert agreed.section(KEY).current_revision_id == before
    assert [p.id for p in agreed_sections.changes_of(agreed.partnership.id, KEY)] == [proposal.id]
    # Declined, the section is free for the next change.
    assert agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Floods matter."), "Again").status == "proposed"


def test_the_author_withdraws_their_own_change_and_a_viewer_proposes_nothing(agreed):
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Draft."), "Draft").proposal
    with pytest.raises(consent.ConsentError):
        consent.withdraw(agreed.member(agreed.people.b.editor), proposal)
    consent.withdraw(agreed.member(agreed.people.a.editor), proposal)
    db.session.commit()
    assert proposal.status == "withdrawn"
    with pytest.raises(RuleViolation):
        agreed.propose_edit(agreed.people.a.viewer, KEY, narrative("Viewer."))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal).where(
        Proposal.kind == "section_change", Proposal.status == "open")) == 0


def test_an_unchanged_edit_proposes_nothing(agreed):
    assert agreed.propose_edit(agreed.people.a.editor, KEY, lambda content: None).status == "unchanged"


def test_with_the_switch_off_edits_save_at_once(agreed):
    switch_agreed_sections(agreed, on=False)
    outcome = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Straight in."), "Direct")
    assert outcome.status == "saved" and outcome.revision.kind == "edit"


def test_a_section_the_baseline_did_not_freeze_saves_at_once(two_parties):
    plan = Agreed(two_parties)
    plan.fill_referenced_sections(plan.people.a.editor)
    version = plan.issue()
    plan.sign(version, plan.people.a.admin)
    plan.sign(version, plan.people.b.admin)
    switch_agreed_sections(plan)
    assert agreed_sections.needs_agreement(plan.partnership, "business_case")
    assert not agreed_sections.needs_agreement(plan.partnership, KEY)
    plan.save(plan.people.a.editor, KEY)  # first written after the baseline
    assert plan.propose_edit(plan.people.a.editor, KEY, narrative("Free."), "Free").status == "saved"


def test_a_restore_of_a_signed_section_is_proposed_too(agreed):
    first = agreed.section(KEY).current_revision
    agreed.answer(agreed.people.b.admin,
                  agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Changed."), "Change").proposal)
    section = agreed.section(KEY)
    outcome = saving.restore_revision(
        agreed.member(agreed.people.a.editor), section, first, section.current_revision_id
    )
    db.session.commit()
    assert outcome.status == "proposed" and outcome.proposal.payload["restoring"] is True
    assert outcome.proposal.payload["content"] == first.content


def test_a_new_item_proposed_to_a_signed_section_is_added_when_the_other_party_agrees(agreed):
    def add_flood(content):
        content["items"]["risks"].append({**content["items"]["risks"][0], "id": None, "title": "River flood"})

    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, add_flood, "Add the flood risk").proposal
    [new_id] = {r["id"] for r in proposal.payload["content"]["items"]["risks"]} - {
        r["id"] for r in agreed.section(KEY).current_revision.content["items"]["risks"]}
    agreed.answer(agreed.people.b.admin, proposal)
    db.session.expire_all()
    assert proposal.status == "agreed"
    risks = agreed.section(KEY).current_revision.content["items"]["risks"]
    assert [(r["id"], r["title"]) for r in risks][-1] == (new_id, "River flood")  # the id it was proposed with


def test_an_improvement_action_added_to_an_agreed_plan_waits_for_agreement(agreed, client_as):
    from app.review_cycle import improvement
    from tests.support import review_cycle

    partnership, a_admin, b_admin = agreed.partnership, agreed.people.a.admin, agreed.people.b.admin
    cycle = review_cycle.cycle_in_improve(partnership, a_admin, b_admin)
    action = review_cycle.add_action(cycle, a_admin, title="Joint forecasting workshop")
    outcome = improvement.promote_action(agreed.member(a_admin), action)
    db.session.commit()
    assert outcome.status == "proposed" and action.promoted_at is None  # not in the plan until agreed
    assert "Joint forecasting workshop" in str(outcome.proposal.payload)
    assert improvement.promotion_waiting(action) == outcome.proposal
    page = client_as(a_admin).get(f"/partnerships/{partnership.id}/reviews/{cycle.id}/actions/{action.id}").text
    assert "becomes an initiative there when every party agrees" in page
    assert f"/proposals/{outcome.proposal.id}" in page and "Promote into the plan" not in page
    agreed.answer(b_admin, outcome.proposal)
    db.session.refresh(action)
    assert action.promoted_at is not None and improvement.promotion_waiting(action) is None  # in the plan now
    initiatives = agreed.section("continuous_improvement").current_revision.content["items"]["initiatives"]
    assert initiatives[-1]["title"] == "Joint forecasting workshop"
    assert [revision.id for _link, revision in improvement.linked_revisions(cycle)] == [
        agreed.section("continuous_improvement").current_revision_id]
