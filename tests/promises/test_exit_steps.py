"""Disengagement steps become promises once the exit is triggered: each due by its timing from
the day the partnership's status became "exiting" (or by the end of the longest notice period),
confirmed by the other parties, as an objective is."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.promises import services
from app.promises.ledger import promises_of, step_due
from app.types import clock_at, utcnow

STARTED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def write_exit(world):
    a, b = world.a.party.id, world.b.party.id
    section = reading.section_for(world.partnership.id, "exit_arrangements")
    writing.save_section(load_membership(world.partnership.id, world.a.admin), section, {
        "narrative": "How we part.",
        "items": {
            "triggers": [{"trigger": "Material breach", "notice_days": 90, "process": None},
                         {"trigger": "Change of control", "notice_days": 30, "process": None}],
            "steps": [
                {"step": "Hand over the lanes", "responsible": a, "timing": "within 30 days of notice"},
                {"step": "Return the stillages", "responsible": b, "timing": "2 months"},
                {"step": "Tell the customers", "responsible": a, "timing": "promptly"},
            ],
            "asset_dispositions": [], "ip_dispositions": []}}, section.current_revision_id)
    db.session.commit()


def exit_steps(world, today):
    return {p.title: p for p in promises_of(world.partnership.id, today) if p.source == "exit_step"}


def trigger_exit(world):
    membership = load_membership(world.partnership.id, world.a.admin)
    with clock_at(STARTED):
        partnerships.update_partnership(membership, status="active")
        partnerships.update_partnership(membership, status="exiting")
    db.session.commit()


@pytest.mark.parametrize("timing, notice, due", [
    ("within 30 days of notice", 90, date(2026, 4, 1)),
    ("2 weeks after notice", None, date(2026, 3, 16)),
    ("in 1 month", None, date(2026, 4, 2)),
    ("promptly", 90, date(2026, 5, 31)),
    ("promptly", None, None),
    (None, 0, None),
])
def test_a_steps_due_date_comes_from_its_timing_or_the_notice(timing, notice, due):
    assert step_due(date(2026, 3, 2), timing, notice) == due


def test_steps_are_promises_only_once_the_exit_is_triggered(two_parties):
    write_exit(two_parties)
    assert exit_steps(two_parties, date(2026, 6, 1)) == {}  # forming: nobody owes a step yet
    trigger_exit(two_parties)
    steps = exit_steps(two_parties, date(2026, 6, 1))
    assert {title: (p.promisor.id, p.due_on) for title, p in steps.items()} == {
        "Hand over the lanes": (two_parties.a.party.id, date(2026, 4, 1)),
        "Return the stillages": (two_parties.b.party.id, date(2026, 5, 2)),
        "Tell the customers": (two_parties.a.party.id, date(2026, 5, 31)),  # the longest notice
    }
    lanes = steps["Hand over the lanes"]
    assert lanes.overdue and [p.id for p in lanes.promisees] == [two_parties.b.party.id]
    assert lanes.link.startswith(f"/partnerships/{two_parties.partnership.id}/")
    assert lanes.link.endswith(f"exit_arrangements#item-{lanes.key.removeprefix('exit_step:')}")


def test_the_other_party_confirms_a_step_kept(two_parties):
    write_exit(two_parties)
    trigger_exit(two_parties)
    key = exit_steps(two_parties, utcnow().date())["Hand over the lanes"].key
    services.confirm(load_membership(two_parties.partnership.id, two_parties.b.editor), key, "kept",
                     date(2026, 3, 20), "", 0)
    db.session.commit()
    kept = exit_steps(two_parties, utcnow().date())["Hand over the lanes"]
    assert kept.outcome == "kept_on_time" and kept.confirmed_by_promisee
    with pytest.raises(services.PromiseError):  # the promisor does not confirm its own step
        services.confirm(load_membership(two_parties.partnership.id, two_parties.a.editor),
                         exit_steps(two_parties, utcnow().date())["Tell the customers"].key, "kept",
                         date(2026, 3, 20), "", 0)


def test_an_exit_called_off_leaves_no_steps_owed(two_parties):
    write_exit(two_parties)
    trigger_exit(two_parties)
    with clock_at(STARTED + timedelta(days=10)):
        partnerships.update_partnership(load_membership(two_parties.partnership.id, two_parties.a.admin),
                                        status="active")
    db.session.commit()
    assert exit_steps(two_parties, date(2026, 6, 1)) == {}
