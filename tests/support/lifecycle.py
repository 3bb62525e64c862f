"""Partnerships at known places in the lifecycle: snapshots built by hand for the rules, and
partnerships built through the services (the plan written with items from both parties, signed by
both, and active; the same with two stages short of evidence)."""

import dataclasses
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.lifecycle.evidence import Action, Cycle, Event, SignedVersion, Snapshot
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.plan_sections.progress import PlanOverview, SectionState
from app.plan_sections.registry import get_section_type, section_types
from tests.support.factories import TwoParties
from tests.support.plans import REFERENCED_SECTIONS, Versions
from tests.support.samples import sample_content

A, B = 11, 12
SIGNED = datetime(2026, 3, 1, tzinfo=UTC)


def full_contents() -> dict:
    both = [{"id": "x1", "party": A}, {"id": "x2", "party": B}]
    return {
        "business_case": {"items": {"objectives": [{"id": "o1"}], "benefits": list(both),
                                    "measures": [{"id": "m1"}]}},
        "risk_assessment": {"items": {"risks": [{"id": "r1"}]}},
        "knowledge_management": {"items": {"knowledge": [{"id": "k1"}]}},
        "asset_register": {"items": {"assets": list(both)}},
        "organisational_arrangements": {"items": {"people": list(both), "governance_bodies": [{"id": "g1"}],
                                                  "escalation_levels": [{"id": "e1"}]}},
        "commercial_agreement": {"fields": {"contract_model": "alliance"}, "items": {"clauses": []}},
        "communications": {"items": {"channels": [{"id": "c1"}]}},
        "continuous_improvement": {"items": {"initiatives": [{"id": "i1"}]}},
        "exit_arrangements": {"items": {"triggers": [{"id": "t1"}], "steps": [{"id": "s1"}]}},
    }


def plan_with(stale: tuple[str, ...] = ()) -> PlanOverview:
    return PlanOverview([SectionState(get_section_type(key), None, {"items": {}}, None, None, key in stale)
                         for key in full_contents()])


def full(**changes) -> Snapshot:
    """A partnership with evidence for every rule: ended, after two closed reviews."""
    snapshot = Snapshot(
        partnership_id=1, status="exiting", purpose="Grow together.", party_ids=[A, B],
        party_names={A: "Alpha Ltd", B: "Beta GmbH"}, plan=plan_with(), contents=full_contents(),
        signed_versions=[SignedVersion(5, "v1.0", SIGNED)],
        cycles=[Cycle(7, "2026-Q1", SIGNED, SIGNED + timedelta(days=60)), Cycle(8, "2026-Q2", SIGNED, None)],
        actions=[Action(3, 7, "Weekly call", "done"), Action(4, 8, "Shared dashboard", "open")],
        events=[Event(9, "plan.version_baseline", SIGNED, {"version": "v1.0"}),
                Event(12, "partnership.updated", SIGNED, {"status": ["active", "exiting"]})],
    )
    return dataclasses.replace(snapshot, **changes)


def without(section: str, kind: str) -> Snapshot:
    found = full_contents()
    found[section]["items"][kind] = []
    return full(contents=found)


def only_party_a(section: str, kind: str) -> Snapshot:
    found = full_contents()
    found[section]["items"][kind] = [{"id": "x1", "party": A}]
    return full(contents=found)


def write_for_both_parties(plan: Versions, user=None) -> None:
    """Every section written with two items of each kind, so that every party is named."""
    user = user or plan.people.a.editor
    keys = list(REFERENCED_SECTIONS) + [t.key for t in section_types() if t.key not in REFERENCED_SECTIONS]
    for key in keys:
        plan.save(user, key, sample_content(get_section_type(key), plan.context(), items_per_kind=2))


def set_status(people: TwoParties, status: str) -> None:
    """The status changed straight through the service (what an agreed proposal ends in)."""
    partnerships.update_partnership(load_membership(people.partnership.id, people.a.admin), status=status)
    db.session.commit()


def working_together(people: TwoParties) -> Versions:
    """Stage 5 of 8 with every rule due so far met: the plan written for both parties, v1.0 signed
    by both, the partnership active."""
    plan = Versions(people)
    write_for_both_parties(plan)
    version = plan.issue()
    plan.sign(version, people.a.admin)
    plan.sign(version, people.b.admin)
    set_status(people, "active")
    return plan


def without_items(plan: Versions, key: str, kind: str, user=None) -> None:
    """The section saved again with no item of `kind`."""
    content = plan.section(key).current_revision.content
    content = {**content, "items": {**content["items"], kind: []}}
    plan.save(user or plan.people.a.editor, key, content)


def two_stages_short(people: TwoParties) -> Versions:
    """Working together, but with no knowledge register entry (Knowledge) and no exit trigger
    (Exit strategy activation, planned from Working together on): two stages short of evidence."""
    plan = working_together(people)
    without_items(plan, "knowledge_management", "knowledge")
    without_items(plan, "exit_arrangements", "triggers")
    return plan
