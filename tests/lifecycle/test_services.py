"""The lifecycle map of real partnerships: their evidence loaded in a fixed number of queries, gaps
closed by adding the missing items, the exit on record, and the map as a PDF."""

from app.extensions import db
from app.lifecycle.coverage import lifecycle_map
from app.lifecycle.document import lifecycle_html, lifecycle_pdf
from app.lifecycle.evidence import load_snapshot
from app.partnerships.access import load_membership
from app.plan_sections.registry import get_section_type
from tests.support import review_cycle
from tests.support.lifecycle import set_status, two_stages_short, working_together
from tests.support.poppler import poppler
from tests.support.queries import count_queries
from tests.support.samples import sample_item


def _map(partnership):
    db.session.expire_all()
    return lifecycle_map(load_snapshot(partnership), lambda _permission: True)


def test_a_new_partnership_selects_its_partner_and_lacks_most_evidence(two_parties):
    lifecycle = _map(two_parties.outsider_partnership)
    assert lifecycle.position.label == "Partner selection"
    assert [s.stage.key for s in lifecycle.short] == [
        "operational_awareness", "knowledge", "internal_assessment", "partner_selection"]
    purpose = lifecycle.stages[0].results[0]
    assert purpose.finding.met  # the purpose is stated when the partnership is made


def test_two_stages_short_until_their_items_are_added(two_parties):
    plan = two_stages_short(two_parties)
    lifecycle = _map(plan.partnership)
    assert lifecycle.position.label == "Working together"
    assert [s.stage.name for s in lifecycle.short] == ["Knowledge", "Exit strategy activation"]
    for key, kind in (("knowledge_management", "knowledge"), ("exit_arrangements", "triggers")):
        content = plan.section(key).current_revision.content
        item = sample_item(get_section_type(key).kind_by_key[kind], plan.context())
        plan.save(two_parties.b.editor, key, {**content, "items": {**content["items"], kind: [item]}})
    lifecycle = _map(plan.partnership)
    assert lifecycle.short == []
    assert [s.state for s in lifecycle.stages] == ["covered"] * 5 + ["later", "later", "so_far"]


def test_reviews_move_an_active_partnership_on(two_parties):
    w = two_parties
    plan = working_together(w)
    cycle = review_cycle.cycle_in_improve(w.partnership, w.a.admin, w.b.admin)
    lifecycle = _map(plan.partnership)
    assert lifecycle.position.label == "Value creation"
    value = next(s for s in lifecycle.stages if s.stage.key == "value_creation")
    assert {r.rule.id: r.finding.met for r in value.results}["review-results"]
    assert f"/reviews/{cycle.id}/results" in {r.rule.id: r.link.path for r in value.results}["review-results"]


def test_exiting_puts_the_partnership_in_the_exit_stage_with_the_decision_on_record(two_parties):
    working_together(two_parties)
    set_status(two_parties, "exiting")
    lifecycle = _map(two_parties.partnership)
    assert lifecycle.position.label == "Exit strategy activation"
    exit_stage = lifecycle.stages[-1]
    decided = {r.rule.id: r for r in exit_stage.results}["exit-decided"]
    assert decided.finding.met and "Status changed to exiting" in decided.finding.evidence[0]
    # Every stage is due now: no review was ever held, so value creation and staying together are short.
    assert [s.stage.key for s in lifecycle.short] == ["value_creation", "staying_together"]
    set_status(two_parties, "ended")
    assert _map(two_parties.partnership).position.label == "Exit completed"


def test_the_evidence_loads_in_five_queries_however_much_there_is(two_parties):
    small = two_parties.outsider_partnership
    large = working_together(two_parties).partnership
    cycle = review_cycle.cycle_in_improve(large, two_parties.a.admin, two_parties.b.admin)
    review_cycle.add_action(cycle, two_parties.a.admin)
    for partnership, user in ((small, two_parties.outsider), (large, two_parties.b.viewer)):
        db.session.expire_all()
        # As the pages have it: the membership gate loads the partnership with its parties.
        membership = load_membership(partnership.id, user)
        with count_queries() as statements:
            snapshot = load_snapshot(membership.partnership)
        assert len(statements) == 5, statements
        assert snapshot.party_ids == [p.id for p in membership.partnership.parties]
    assert len(snapshot.actions) == 1 and len(snapshot.signed_versions) == 1


def test_the_map_as_a_document_and_a_pdf(two_parties):
    plan = two_stages_short(two_parties)
    html = lifecycle_html(plan.partnership.id)
    assert "Stage 5 of 8: Working together." in html and "2 stages short of evidence" in html
    # An auditor's copy links to where evidence is read, never to editors.
    assert "/plan/knowledge_management\"" in html and "/edit" not in html
    pdf = lifecycle_pdf(plan.partnership.id)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(poppler("pdftotext", "-", "-", data=pdf).split())
    assert "LIFECYCLE MAP" in text and "Alpha–Beta Alliance" in text
    assert "8. Exit strategy activation" in text and "No exit trigger in Exit arrangements yet" in text
    assert "lifecycle map" in poppler("pdfinfo", "-", data=pdf)
