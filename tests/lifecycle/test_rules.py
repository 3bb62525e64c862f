"""Every evidence rule of the lifecycle map, met and missed, over snapshots built by hand."""

import pytest

from app.lifecycle.evidence import Action, Cycle, Event
from app.lifecycle.stages import RULES, STAGES
from tests.support.lifecycle import SIGNED, A, full, full_contents, only_party_a, plan_with, without

pytestmark = pytest.mark.engine_independent


# Each rule's id and a snapshot lacking just what it asks for, with the words that say what is missing.
MISSING = {
    "purpose-stated": (full(purpose="  "), "No purpose statement"),
    "objectives-set": (without("business_case", "objectives"), "No objective in Business case"),
    "benefits-per-party": (only_party_a("business_case", "benefits"), "None for Beta GmbH yet"),
    "risks-identified": (without("risk_assessment", "risks"), "No risk in Risk assessment"),
    "knowledge-register": (without("knowledge_management", "knowledge"), "No entry in Knowledge management"),
    "assets-from-every-party": (only_party_a("asset_register", "assets"), "None for Beta GmbH yet"),
    "people-from-every-party": (only_party_a("organisational_arrangements", "people"), "None for Beta GmbH yet"),
    "parties-joined": (full(party_ids=[A]), "Only one organisation takes part so far"),
    "commercial-terms": (full(contents={**full_contents(), "commercial_agreement": {"fields": {}, "items": {}}}),
                         "Neither a contract model nor a key clause"),
    "plan-signed": (full(signed_versions=[]), "No plan version is signed by every party yet"),
    "governance-bodies": (without("organisational_arrangements", "governance_bodies"), "No governance body"),
    "escalation-ladder": (without("organisational_arrangements", "escalation_levels"), "No escalation level"),
    "communication-pattern": (without("communications", "channels"), "No forum or channel in Communications"),
    "measures-defined": (without("business_case", "measures"), "No performance measure in Business case"),
    "initiatives": (without("continuous_improvement", "initiatives"), "No initiative"),
    "review-results": (full(cycles=[Cycle(8, "2026-Q2", None, None)]), "No review has been scored by every party"),
    "actions-agreed": (full(actions=[]), "No improvement action agreed"),
    "review-closed": (full(cycles=[Cycle(8, "2026-Q2", SIGNED, None)]), "No review has gone all the way round"),
    "actions-done": (full(actions=[Action(4, 8, "Shared dashboard", "in_progress")]),
                     "No improvement action is done yet"),
    "plan-current": (full(plan=plan_with(stale=("risk_assessment",))), "Overdue for review: Risk assessment"),
    "exit-triggers": (without("exit_arrangements", "triggers"), "No exit trigger in Exit arrangements"),
    "disengagement-steps": (without("exit_arrangements", "steps"), "No disengagement step"),
    "exit-decided": (full(events=[Event(12, "partnership.updated", SIGNED, {"name": ["Old", "New"]})]),
                     "No decision to exit is on record"),
}


def test_every_rule_has_its_tests_and_a_unique_id():
    assert set(MISSING) == set(RULES)
    assert sum(len(stage.rules) for stage in STAGES) == len(RULES)
    assert [stage.number for stage in STAGES] == list(range(1, 9))


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_a_rule_is_met_by_its_evidence_and_says_what_it_holds(rule_id):
    finding = RULES[rule_id].check(full())
    assert finding.met, rule_id
    assert finding.evidence and finding.missing is None


@pytest.mark.parametrize("rule_id", sorted(MISSING))
def test_a_rule_without_its_evidence_says_what_is_missing(rule_id):
    snapshot, words = MISSING[rule_id]
    finding = RULES[rule_id].check(snapshot)
    assert not finding.met, rule_id
    assert words in finding.missing
    # Nothing else is missing, but what follows from it: no action, none done; no results, none closed.
    others = {other.id for other in RULES.values() if other.id != rule_id and not other.check(snapshot).met}
    assert others == {"actions-agreed": {"actions-done"}, "review-results": {"review-closed"}}.get(rule_id, set())


def test_the_evidence_names_counts_and_the_parties_covered():
    assert RULES["benefits-per-party"].check(full()).evidence == ("2 benefits in Business case, from 2 of 2 parties",)
    assert RULES["plan-signed"].check(full()).evidence == (
        "1 signed version; the baseline is v1.0, signed 01 Mar 2026", "Recorded in the audit trail: 1 signed baseline")
    assert RULES["exit-decided"].check(full()).evidence == ("Status changed to exiting on 01 Mar 2026 (audit trail)",)
    partial = RULES["assets-from-every-party"].check(only_party_a("asset_register", "assets"))
    assert partial.evidence == ("1 resource in Asset register, from 1 of 2 parties",)
