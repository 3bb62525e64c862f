"""The cycle's rules, called directly: periods, one open cycle, blind assessments, gates,
adaptations, actions, dimensions, results."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import Notification
from app.partnerships.access import load_membership
from app.plan_sections import reading
from app.review_cycle import assessments, cycles, dimensions, improvement, periods, results, stages
from app.review_cycle.forms import read_assessment
from app.review_cycle.models import ReviewCycle, StageAgreement
from app.rules import RuleViolation
from tests.support.review_cycle import add_action, agree_all, assessment_form, open_cycle, submit


def m(world, user):
    return load_membership(world.partnership.id, user)


def test_period_labels_follow_the_cadence():
    assert periods.period_of(date(2026, 11, 23), 3) == "2026-Q4"
    assert periods.period_of(date(2026, 11, 23), 6) == "2026-H2"
    assert periods.period_of(date(2026, 11, 23), 1) == "2026-11"
    assert periods.period_of(date(2026, 11, 23), 12) == "2026"
    assert periods.next_period("2026-Q4", 3) == "2027-Q1"
    assert periods.period_bounds("2026-Q4", 3) == (date(2026, 10, 1), date(2026, 12, 31))
    assert periods.period_bounds("2026-Q5", 3) is None
    assert periods.period_bounds("2026-02", 1) == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_next_period_is_proposed_and_only_one_cycle_is_open(world):
    first = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    assert cycles.proposed_period(world.partnership) == "2026-Q2"
    with pytest.raises(RuleViolation, match="still open"):
        cycles.open_cycle(m(world, world.b.admin), "2026-Q2")
    assert first.dimensions[0]["name"] == "Trust" and len(first.dimensions) == 8
    assert [x["name"] for x in first.measures] == ["On-time delivery", "Cost per unit", "Claims"]


def test_opening_needs_an_admin_and_a_period_of_the_cadence(world):
    with pytest.raises(RuleViolation, match="admin"):
        cycles.open_cycle(m(world, world.a.editor), "2026-Q1")
    with pytest.raises(RuleViolation, match="2026-Q4") as refused:
        cycles.open_cycle(m(world, world.a.admin), "2026-11")
    assert refused.value.field == "period"


def test_the_database_refuses_a_second_open_cycle(world):
    open_cycle(world.partnership, world.a.admin, "2026-Q1")
    db.session.add(ReviewCycle(
        partnership_id=world.partnership.id, period="2026-Q2", stage="review", dimensions=[], measures=[],
        review_due_on=date(2026, 6, 1), close_due_on=date(2026, 6, 30),
    ))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_scores_are_blind_until_every_party_submitted(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 5, comment="Alpha's private view")
    as_b = m(world, world.b.admin)
    assert assessments.visible_assessments(cycle, as_b) == {}
    assert [s.submitted_at is not None for s in assessments.submissions(cycle)] == [True, False]
    from app.review_cycle.report import results_for

    assert results_for(cycle, as_b, date.today()) is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review.submitted")).all()
    assert len(events) == 1 and "private" not in str(events[0].details) and "score" not in str(events[0].details)
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "review_submitted_by_other_party"))
    assert {n.recipient_id for n in told} == {world.b.admin.id, world.b.editor.id, world.b.viewer.id}
    assert all("private" not in n.title + n.body for n in told)

    submit(cycle, world.b.editor, 3)
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    seen = assessments.visible_assessments(cycle, as_b)
    assert set(seen) == {world.a.party.id, world.b.party.id}
    data = results_for(cycle, as_b, date.today())
    assert data["index"] == round((4 - 1) / 4 * 100)
    assert all(row.gap == 2 and row.flagged for row in data["rows"])


def test_drafts_are_shared_within_a_party_and_submission_is_final(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    form = assessment_form(cycle, world.a.party.id, 4, text="Draft text")
    draft = read_assessment(cycle, form)
    assessments.save_draft(m(world, world.a.editor), cycle, draft)
    db.session.commit()
    assert assessments.own_assessment(cycle, world.a.party.id).achievements == "Draft text"
    with pytest.raises(RuleViolation, match="admins and editors"):
        assessments.save_draft(m(world, world.a.viewer), cycle, draft)
    incomplete = dict(form)
    incomplete.pop(f"score-{cycle.dimensions[0]['id']}")
    with pytest.raises(assessments.InvalidAssessment) as invalid:
        assessments.submit(m(world, world.a.admin), cycle, read_assessment(cycle, incomplete))
    assert ("score", str(cycle.dimensions[0]["id"])) in invalid.value.errors
    with pytest.raises(assessments.InvalidAssessment) as invalid:
        assessments.save_draft(m(world, world.a.admin), cycle,
                               read_assessment(cycle, {**form, f"score-{cycle.dimensions[1]['id']}": "9"}))
    assert invalid.value.errors == {("score", str(cycle.dimensions[1]["id"])): "Choose a score from 1 to 5."}
    db.session.rollback()
    submit(cycle, world.a.admin, 4)
    with pytest.raises(RuleViolation, match="already submitted"):
        assessments.save_draft(m(world, world.a.editor), cycle, draft)


def test_a_disputed_actual_needs_a_reason_and_shows_on_the_results(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    owned_by_a = next(x for x in cycle.measures if x["data_owner"] == world.a.party.id)
    submit(cycle, world.a.admin, 4, actual="97")
    form = assessment_form(cycle, world.b.party.id, 4)
    form[f"disputed-{owned_by_a['id']}"] = "1"
    with pytest.raises(assessments.InvalidAssessment, match="Say why"):
        assessments.submit(m(world, world.b.admin), cycle, read_assessment(cycle, form))
    db.session.rollback()
    form[f"reason-{owned_by_a['id']}"] = "Our count differs."
    form[f"actual-{owned_by_a['id']}"] = "93"
    assessments.submit(m(world, world.b.admin), cycle, read_assessment(cycle, form))
    db.session.commit()
    rows = {r.measure["id"]: r for r in results.measure_results(cycle, assessments.visible_assessments(
        cycle, m(world, world.b.admin)))}
    row = rows[owned_by_a["id"]]
    assert row.actual == "97" and row.rating == "amber" and row.disputed
    assert row.views[0]["reason"] == "Our count differs." and row.views[0]["actual"] == "93"


@pytest.mark.parametrize(("direction", "baseline", "target", "actual", "expected"), [
    ("higher", "91", "98", "98", "green"), ("higher", "91", "98", "95", "amber"), ("higher", "91", "98", "90", "red"),
    ("lower", "4.2", "3.8", "3.7", "green"), ("lower", "4.2", "3.8", "4", "amber"),
    ("lower", "4.2", "3.8", "4.5", "red"),
    ("lower", None, "10", "10.5", "amber"), ("lower", None, "10", "12", "red"), ("higher", "1", "2", None, None),
])
def test_measures_are_rated_by_their_direction(direction, baseline, target, actual, expected):
    assert results.rag({"direction": direction, "baseline": baseline, "target": target}, actual) == expected


def test_gates_need_every_party_and_refuse_skipping(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    with pytest.raises(RuleViolation, match="submits its review first"):
        stages.agree(m(world, world.a.admin), cycle, "review")
    db.session.rollback()
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    with pytest.raises(RuleViolation, match="No stage may be skipped"):
        stages.agree(m(world, world.a.admin), cycle, "adapt")
    with pytest.raises(RuleViolation, match="admin"):
        stages.agree(m(world, world.a.editor), cycle, "review")
    assert stages.agree(m(world, world.a.admin), cycle, "review") is False
    with pytest.raises(RuleViolation, match="already agreed"):
        stages.agree(m(world, world.a.admin), cycle, "review")
    assert stages.agree(m(world, world.b.admin), cycle, "review") is True
    db.session.commit()
    assert cycle.stage == "adapt"
    with pytest.raises(RuleViolation, match="already moved on from Review"):
        stages.agree(m(world, world.a.admin), cycle, "review")


def test_a_change_withdraws_the_agreements_given_so_far(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    agree_all(cycle, [world.a.admin, world.b.admin])
    stages.agree(m(world, world.a.admin), cycle, "adapt")
    db.session.commit()
    improvement.add_adaptation(m(world, world.b.editor), cycle, "Meet weekly", "Delays", "communications")
    db.session.commit()
    assert stages.live_agreements(cycle) == []
    withdrawn = db.session.scalar(sa.select(StageAgreement).where(StageAgreement.withdrawn_at.is_not(None)))
    assert withdrawn.withdrawn_because == "an adaptation was added"
    assert stages.agree(m(world, world.b.admin), cycle, "adapt") is False  # A must agree again
    assert stages.agree(m(world, world.a.admin), cycle, "adapt") is True


def _to_improve(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    agree_all(cycle, [world.a.admin, world.b.admin])
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "improve"
    return cycle


def test_actions_record_status_dates_notify_their_owner_and_count_as_kept(world):
    cycle = _to_improve(world)
    due = date.today() + timedelta(days=10)
    action = add_action(cycle, world.a.editor, "Share forecasts", due, owner_user_id=world.a.admin.id,
                        link=f"dimension:{cycle.dimensions[0]['id']}")
    assert action.link_label == "Trust"
    assigned = db.session.scalar(sa.select(Notification).where(Notification.kind == "action_assigned"))
    assert assigned.recipient_id == world.a.admin.id
    fields = {"title": action.title, "description": "", "owner_party_id": action.owner_party_id,
              "owner_user_id": action.owner_user_id, "due_on": due, "link": ""}
    improvement.update_action(m(world, world.a.editor), action, fields, "in_progress")
    improvement.update_action(m(world, world.a.editor), action, fields, "done")
    db.session.commit()
    assert action.started_at and action.done_at and action.kept
    kept = results.commitments_kept(world.partnership.id, cycles.parties_of(world.partnership.id), date.today())
    assert [(k.kept, k.due) for k in kept] == [(1, 1), (0, 0)]
    with pytest.raises(RuleViolation, match="party that owns"):
        improvement.add_action(m(world, world.a.editor), cycle, {**fields, "owner_party_id": 999999})
    with pytest.raises(RuleViolation, match="person of the owner party"):
        improvement.add_action(m(world, world.a.editor), cycle, {**fields, "owner_user_id": world.b.admin.id})


def test_an_action_is_promoted_into_the_continuous_improvement_section(world):
    cycle = _to_improve(world)
    measure = cycle.measures[0]
    action = add_action(cycle, world.b.editor, "Cross-dock pilot", link=f"measure:{measure['id']}")
    improvement.promote_action(m(world, world.b.editor), action)
    db.session.commit()
    initiatives = reading.current_content(world.partnership.id, "continuous_improvement")["items"]["initiatives"]
    assert [(i["title"], i["linked_measure"], i["proposed_by"]) for i in initiatives] == [
        ("Cross-dock pilot", measure["id"], world.b.party.id)]
    assert action.promoted_at is not None
    assert [rev.section.section_key for _link, rev in improvement.linked_revisions(cycle)] == ["continuous_improvement"]
    with pytest.raises(RuleViolation, match="already"):
        improvement.promote_action(m(world, world.b.editor), action)


def test_dimensions_change_for_future_cycles_only(world):
    first = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    admin = m(world, world.a.admin)
    trust = dimensions.dimension_of(world.partnership.id, first.dimensions[0]["id"])
    dimensions.rename_dimension(admin, trust, "Mutual trust")
    dimensions.set_dimension_retired(
        admin, dimensions.dimension_of(world.partnership.id, first.dimensions[-1]["id"]), True
    )
    dimensions.add_dimension(admin, "Sustainability")
    with pytest.raises(RuleViolation, match="already a dimension"):
        dimensions.add_dimension(admin, "sustainability")
    with pytest.raises(RuleViolation, match="admin"):
        dimensions.add_dimension(m(world, world.a.editor), "Speed")
    db.session.commit()
    assert first.dimensions[0]["name"] == "Trust" and len(first.dimensions) == 8
    submit(first, world.a.editor)
    submit(first, world.b.editor)
    for _ in range(4):
        agree_all(first, [world.a.admin, world.b.admin])
    assert first.stage == "closed"
    second = open_cycle(world.partnership, world.a.admin)
    names = [d["name"] for d in second.dimensions]
    assert names[0] == "Mutual trust" and "Innovation" not in names and names[-1] == "Sustainability"


def test_the_trend_and_health_index_cover_revealed_cycles_only(world):
    first = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    submit(first, world.a.editor, 3)
    submit(first, world.b.editor, 3)
    for _ in range(4):
        agree_all(first, [world.a.admin, world.b.admin])
    second = open_cycle(world.partnership, world.a.admin)
    submit(second, world.a.editor, 5)
    assert [(p.period, p.index) for p in results.trend(world.partnership.id)] == [("2026-Q1", 50)]
    submit(second, world.b.editor, 5)
    assert [p.index for p in results.trend(world.partnership.id)] == [50, 100]


def test_reminders_are_delivered_once(world, app):
    from app.notifications.delivery import send_due
    from app.types import utcnow

    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    later = utcnow() + timedelta(days=20)
    first = send_due(later)
    again = send_due(later)
    due = db.session.scalars(sa.select(Notification).where(Notification.kind == "review_due")).all()
    assert {n.recipient_id for n in due} == {world.b.admin.id, world.b.editor.id}
    assert first.reminders >= 2 and again.reminders == 0


def test_admins_are_reminded_to_open_the_next_review_once(world):
    from app.notifications.delivery import send_due
    from app.partnerships import services as partnerships
    from app.types import utcnow

    partnerships.update_partnership(m(world, world.a.admin), status="active")
    db.session.commit()
    period_end = periods.period_bounds(cycles.proposed_period(world.partnership), 3)[1]
    early = utcnow().replace(year=period_end.year, month=period_end.month, day=1)
    late = early.replace(day=period_end.day)
    send_due(early - timedelta(days=40))
    assert db.session.scalars(sa.select(Notification).where(Notification.kind == "review_due")).all() == []
    send_due(late)
    send_due(late)
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "review_due")).all()
    assert sorted(n.recipient_id for n in told) == sorted([world.a.admin.id, world.b.admin.id])
    open_cycle(world.partnership, world.a.admin)
    send_due(late + timedelta(days=1))  # now the open cycle's scores are due instead
    opening = db.session.scalars(sa.select(Notification).where(Notification.title.startswith("Time to open")))
    assert len(opening.all()) == 2


def test_stage_changes_and_overdue_actions_are_notified(world):
    from app.notifications.delivery import send_due
    from app.types import utcnow

    cycle = _to_improve(world)
    moved = db.session.scalars(sa.select(Notification).where(
        Notification.kind == "review_stage_changed", Notification.title.contains("moved to Improve"))).all()
    assert {n.recipient_id for n in moved} >= {world.a.viewer.id, world.b.viewer.id}
    action = add_action(cycle, world.b.editor, "Late", date.today() + timedelta(days=1))
    later = utcnow() + timedelta(days=5)
    send_due(later)
    send_due(later)
    overdue = db.session.scalars(sa.select(Notification).where(Notification.kind == "action_overdue")).all()
    assert [(n.recipient_id, n.link) for n in overdue] == [
        (world.b.editor.id, f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/actions/{action.id}")]


def test_three_parties_all_submit_and_all_agree(world):
    from tests.support.factories import join

    join(world.partnership, world.outsider, "admin")
    db.session.commit()
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 5)
    submit(cycle, world.b.editor, 4)
    db.session.refresh(cycle)
    assert cycle.revealed_at is None
    assert assessments.visible_assessments(cycle, m(world, world.outsider)) == {}
    submit(cycle, world.outsider, 1)
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    rows = results.dimension_results(cycle, assessments.visible_assessments(cycle, m(world, world.outsider)))
    assert rows[0].gap == 4 and len(rows[0].scores) == 3
    stages.agree(m(world, world.a.admin), cycle, "review")
    stages.agree(m(world, world.b.admin), cycle, "review")
    assert cycle.stage == "review"
    assert stages.agree(m(world, world.outsider), cycle, "review") is True
