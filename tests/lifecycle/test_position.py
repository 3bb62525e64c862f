"""Where a partnership stands: derived from its status and evidence, never at odds with the status."""

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from app.lifecycle.coverage import current_position, lifecycle_map
from app.lifecycle.evidence import Action, Cycle
from app.partnerships.models import PartnershipStatus
from tests.support.lifecycle import SIGNED, full, without

ALLOWED = {
    PartnershipStatus.FORMING: {4, 5},
    PartnershipStatus.ACTIVE: {5, 6, 7},
    PartnershipStatus.EXITING: {8},
    PartnershipStatus.ENDED: {8},
}


@st.composite
def snapshots(draw):
    """Any status with any mix of evidence: parties, terms, a signed plan, reviews revealed or closed."""
    snapshot = full(status=draw(st.sampled_from(list(PartnershipStatus))).value)
    if draw(st.booleans()):
        snapshot = dataclasses.replace(snapshot, party_ids=snapshot.party_ids[:1])
    if draw(st.booleans()):
        snapshot = dataclasses.replace(snapshot, contents={**snapshot.contents, "commercial_agreement": {}})
    if draw(st.booleans()):
        snapshot = dataclasses.replace(snapshot, signed_versions=[])
    reviews = draw(st.sampled_from(["none", "open", "revealed", "closed"]))
    cycles = {"none": [], "open": [Cycle(1, "2026-Q1", None, None)],
              "revealed": [Cycle(1, "2026-Q1", SIGNED, None)],
              "closed": [Cycle(1, "2026-Q1", SIGNED, SIGNED)]}[reviews]
    return dataclasses.replace(snapshot, cycles=cycles, actions=[Action(1, 1, "Call", "done")] if cycles else [])


@given(snapshots())
def test_the_stage_always_agrees_with_the_status(snapshot):
    position = current_position(snapshot)
    status = PartnershipStatus(snapshot.status)
    assert position.number in ALLOWED[status]
    # The exit stage is an exiting or ended partnership's, and only theirs; only an ended one has completed it.
    assert (position.number == 8) == (status in (PartnershipStatus.EXITING, PartnershipStatus.ENDED))
    assert position.completed == (status is PartnershipStatus.ENDED)


def test_forming_partners_select_until_they_have_chosen_each_other():
    forming = full(status="forming", signed_versions=[])
    assert current_position(forming).label == "Working together"
    assert current_position(dataclasses.replace(forming, party_ids=forming.party_ids[:1])).label == "Partner selection"
    no_terms = dataclasses.replace(forming, contents={**forming.contents, "commercial_agreement": {}})
    assert current_position(no_terms).label == "Partner selection"
    # A plan every party signed means they have chosen each other.
    assert current_position(dataclasses.replace(no_terms, signed_versions=full().signed_versions)).number == 5


def test_active_partners_move_on_with_their_reviews():
    active = full(status="active")
    assert current_position(dataclasses.replace(active, cycles=[])).label == "Working together"
    revealed = [Cycle(1, "2026-Q1", SIGNED, None)]
    assert current_position(dataclasses.replace(active, cycles=revealed)).label == "Value creation"
    assert current_position(active).label == "Staying together"
    # Without a signed plan, reviews alone do not take them past working together.
    assert current_position(dataclasses.replace(active, signed_versions=[])).label == "Working together"


def test_exiting_and_ended():
    assert current_position(full(status="exiting")).label == "Exit strategy activation"
    ended = current_position(full(status="ended"))
    assert (ended.number, ended.completed, ended.label) == (8, True, "Exit completed")


def _everyone(_permission):
    return True


def test_only_due_rules_leave_a_stage_short(app):
    # Working together (active, signed, no review yet): reviews are not due, the exit plan is.
    early = dataclasses.replace(without("exit_arrangements", "triggers"), status="active", cycles=[], actions=[])
    lifecycle = lifecycle_map(early, _everyone)
    states = {s.stage.key: s.state for s in lifecycle.stages}
    assert states["value_creation"] == "later" and states["staying_together"] == "later"
    assert [s.stage.key for s in lifecycle.short] == ["exit_strategy_activation"]
    assert [s.position for s in lifecycle.stages] == ["done"] * 4 + ["current"] + ["ahead"] * 3
    # Once exiting, every stage is due: the missing trigger still leaves the exit stage short.
    assert [s.stage.key for s in lifecycle_map(dataclasses.replace(early, status="exiting"), _everyone).short] == [
        "value_creation", "staying_together", "exit_strategy_activation"]


def test_links_lead_to_where_the_evidence_is_added_for_those_who_may(app):
    snapshot = without("knowledge_management", "knowledge")
    rule = next(r for s in lifecycle_map(snapshot, _everyone).stages for r in s.results
                if r.rule.id == "knowledge-register")
    assert (rule.link.path, rule.link.adds, rule.who_adds) == (
        "/partnerships/1/plan/knowledge_management/edit#kind-knowledge", True, None)
    viewer = next(r for s in lifecycle_map(snapshot, lambda p: p.value == "view").stages for r in s.results
                  if r.rule.id == "knowledge-register")
    assert (viewer.link.path, viewer.link.adds, viewer.who_adds) == (
        "/partnerships/1/plan/knowledge_management", False, "Editors and admins add it")
    # A page that does not exist yet (no signed version) falls back to its list.
    unsigned = next(r for s in lifecycle_map(full(signed_versions=[]), lambda p: p.value == "view").stages
                    for r in s.results if r.rule.id == "plan-signed")
    assert unsigned.link.path == "/partnerships/1/versions"
