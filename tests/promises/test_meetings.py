"""Plan against practice: bodies and forums read from the plan, meetings recorded with their
decisions checked against the body's rights, the decision register, drift, and the meeting
promises of the ledger. Services, and the pages through the test client."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.promises import meetings, services
from app.promises.ledger import promises_of
from app.promises.meetings import DecisionInput, MeetingProblems
from app.types import clock_at, utcnow
from tests.support.promises import write_bodies


@pytest.fixture
def bodies(two_parties):
    write_bodies(two_parties)
    return two_parties


def body_named(world, name):
    return next(b for b in meetings.bodies_of(world.partnership.id) if b.name == name)


def record(world, body, held_on, parties=None, decisions=(), user=None, minutes=""):
    membership = load_membership(world.partnership.id, user or world.a.editor)
    attendance = {p.id: "Someone" for p in (parties or world.partnership.parties)}
    meeting = meetings.record_meeting(membership, body, held_on, attendance, minutes, list(decisions))
    db.session.commit()
    return meeting


def test_bodies_and_meeting_forums_come_from_the_plan(bodies):
    found = {b.name: b for b in meetings.bodies_of(bodies.partnership.id)}
    assert sorted(found) == ["Executive steering committee", "Joint operations board", "Weekly performance call"]
    steering = found["Executive steering committee"]  # a body and a forum of one name: one body, run by Beta
    assert (steering.kind, steering.runner_id) == ("body", bodies.b.party.id)
    assert steering.rights == ("Approves changes to scope, pricing and contract term", "signs plan versions",
                               "resolves level-3 escalations")
    assert found["Joint operations board"].runner_id is None
    call = found["Weekly performance call"]
    assert (call.kind, call.rights, call.runner_id) == ("forum", (), bodies.a.party.id)


def test_a_decision_outside_the_bodys_rights_is_flagged_not_refused(bodies):
    steering = body_named(bodies, "Executive steering committee")
    meeting = record(bodies, steering, date(2026, 2, 10), decisions=[
        DecisionInput("Extend the contract by a year", 0), DecisionInput("Hire a joint data analyst", None)])
    assert [(d.text, d.within_rights, d.right) for d in meeting.decisions] == [
        ("Extend the contract by a year", True, "Approves changes to scope, pricing and contract term"),
        ("Hire a joint data analyst", False, None)]
    register = meetings.decisions_of(bodies.partnership.id, outside_only=True)
    assert [d.text for d in register] == ["Hire a joint data analyst"]
    assert register[0].meeting.body_name == "Executive steering committee"


def test_a_meeting_is_checked_field_by_field(bodies):
    steering = body_named(bodies, "Executive steering committee")
    membership = load_membership(bodies.partnership.id, bodies.a.editor)
    with pytest.raises(MeetingProblems) as refused:
        meetings.record_meeting(membership, steering, utcnow().date() + timedelta(days=1), {}, "x" * 20_001,
                                [DecisionInput("y" * 501, 0), DecisionInput("Fine", 7)])
    assert set(refused.value.problems) == {"held_on", "attendance", "minutes", "decision-0", "decision-1"}
    with pytest.raises(MeetingProblems) as refused:
        meetings.record_meeting(membership, steering, date(2026, 1, 5), {bodies.outsider_partnership.parties[0].id: ""},
                                "", [])
    assert refused.value.problems == {"attendance": "Only the partnership's parties can take part."}
    viewer = load_membership(bodies.partnership.id, bodies.a.viewer)
    with pytest.raises(meetings.RuleViolation):
        meetings.record_meeting(viewer, steering, date(2026, 1, 5), {bodies.a.party.id: ""}, "", [])


def test_minutes_are_sanitised_markdown(bodies):
    meeting = record(bodies, body_named(bodies, "Joint operations board"), date(2026, 2, 1),
                     minutes="## Agreed\n\n- *One*\n\n<script>alert(1)</script>")
    assert "<script" not in meeting.minutes_html and "<em>One</em>" in meeting.minutes_html


def test_drift_counts_missed_windows_from_the_first_meeting(bodies):
    call = body_named(bodies, "Weekly performance call")
    today = utcnow().date()
    first = today - timedelta(days=70)  # ten weeks: met the first six, then stopped
    for week in range(6):
        record(bodies, call, first + timedelta(days=7 * week))
    drift = next(d for d in meetings.drift_of(bodies.partnership.id, today) if d.body.name == call.name)
    assert (drift.windows, drift.met, drift.missed, drift.drifting) == (8, 4, 4, True)
    assert drift.last_held == first + timedelta(days=35)
    board = next(d for d in meetings.drift_of(bodies.partnership.id, today) if d.body.name == "Joint operations board")
    assert (board.windows, board.last_held, board.drifting) == (0, None, False)


def test_meetings_are_promises_of_the_party_that_runs_them_or_of_every_party(bodies):
    today = utcnow().date()
    call = body_named(bodies, "Weekly performance call")
    record(bodies, call, today - timedelta(days=27))
    record(bodies, call, today - timedelta(days=20))  # the third week went without; the fourth is this one
    board = body_named(bodies, "Joint operations board")
    record(bodies, board, today - timedelta(days=40), parties=[bodies.a.party])  # Beta did not come
    found = [p for p in promises_of(bodies.partnership.id, today) if p.source == "meeting"]
    calls = sorted((p for p in found if "Weekly performance call" in p.title), key=lambda p: p.due_on)
    assert [p.promisor.id for p in calls] == [bodies.a.party.id] * 4
    assert [p.outcome for p in calls] == ["kept_on_time", "kept_on_time", "broken", "open"]
    board_promises = [p for p in found if "Joint operations board" in p.title]
    first_window = {p.promisor.id: p.outcome for p in board_promises if p.due_on < today}
    assert first_window == {bodies.a.party.id: "kept_on_time", bodies.b.party.id: "broken"}


# -- pages -------------------------------------------------------------------------------------


def test_the_meetings_page_shows_cadence_drift_and_meetings(bodies, client_as):
    steering = body_named(bodies, "Executive steering committee")
    record(bodies, steering, date(2026, 2, 10), decisions=[DecisionInput("Hire a joint data analyst", None)])
    text = client_as(bodies.b.viewer).get(f"/partnerships/{bodies.partnership.id}/meetings").get_data(as_text=True)
    assert "Executive steering committee" in text and "Quarterly" in text and "1 outside its rights" in text
    assert "Record a meeting" not in text  # a viewer records nothing
    register = client_as(bodies.b.viewer).get(f"/partnerships/{bodies.partnership.id}/decisions?outside=1")
    assert "Hire a joint data analyst" in register.get_data(as_text=True)
    assert client_as(bodies.outsider).get(f"/partnerships/{bodies.partnership.id}/meetings").status_code == 404


def test_recording_a_meeting_keeps_what_was_typed_when_refused(bodies, client_as):
    steering = body_named(bodies, "Executive steering committee")
    client = client_as(bodies.b.editor)
    url = f"/partnerships/{bodies.partnership.id}/meetings"
    assert client.get(f"{url}/new", query_string={"body": steering.key}).status_code == 200
    assert client.get(f"{url}/new", query_string={"body": "body:nope"}).status_code == 404
    form = {"body": steering.key, "held_on": "2026-02-10", "minutes": "We met.",
            "decision-0": "Hire a joint data analyst", "right-0": ""}
    refused = client.submit(url, form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Tick every party that took part" not in text  # rows first, then the rest
    assert "Say which of the body&#39;s decision rights it falls under" in text and "Hire a joint data analyst" in text
    refused = client.submit(url, {**form, "right-0": "none"})
    assert refused.status_code == 422 and "Tick every party that took part" in refused.get_data(as_text=True)
    done = client.submit(url, {**form, "right-0": "none", f"attended-{bodies.b.party.id}": "1",
                               f"people-{bodies.b.party.id}": "Bob, Ed"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Outside its decision rights" in page and "Bob, Ed" in page
    assert client_as(bodies.a.viewer).submit(url, {**form, "right-0": "none"}).status_code == 403


def test_the_adapt_stage_offers_a_drifting_body_as_an_adaptation(bodies, client_as):
    from tests.support import review_cycle as rc

    call = body_named(bodies, "Weekly performance call")
    record(bodies, call, utcnow().date() - timedelta(days=40))  # then five weeks without
    rc.add_measures(bodies.partnership, bodies.a.admin)
    cycle = rc.open_cycle(bodies.partnership, bodies.a.admin)
    rc.submit(cycle, bodies.a.editor, 4)
    rc.submit(cycle, bodies.b.editor, 3)
    rc.agree_all(cycle, [bodies.a.admin, bodies.b.admin])
    assert cycle.stage == "adapt"
    client = client_as(bodies.b.editor)
    url = f"/partnerships/{bodies.partnership.id}/reviews/{cycle.id}"
    text = client.get(url).get_data(as_text=True)
    assert "Suggested by the promise ledger" in text
    assert "Meet as the plan says the Weekly performance call meets (weekly)" in text
    taken = client.get(url, query_string={"what": "Meet weekly again", "why": "It drifted.",
                                          "section": "communications"}).get_data(as_text=True)
    assert "Meet weekly again</textarea>" in taken and "It drifted.</textarea>" in taken
    assert '<option selected value="communications">' in taken
    viewer = client_as(bodies.b.viewer).get(url).get_data(as_text=True)
    assert "Suggested by the promise ledger" not in viewer


def test_measures_and_section_reviews_drift_from_the_plan(bodies, client_as):
    from app.extensions import db as database
    from app.partnerships.models import Partnership
    from app.promises import practice
    from tests.support import review_cycle as rc

    rc.add_measures(bodies.partnership, bodies.a.admin)  # three measures declared monthly
    partnership = database.session.get(Partnership, bodies.partnership.id)
    assert partnership.review_cadence_months == 3
    found = practice.measure_drift(partnership)
    assert [(d.name, d.declared, d.practice) for d in found] == [
        (name, "monthly", "one actual a review, quarterly") for name in ("On-time delivery", "Cost per unit", "Claims")]
    partnership.review_cadence_months = 1  # reviewed monthly: recorded as often as declared
    database.session.commit()
    assert practice.measure_drift(partnership) == []
    assert practice.section_drift(partnership) == []  # everything written just now: nothing past review
    with clock_at(utcnow() + timedelta(days=200)):
        stale = {d.name for d in practice.section_drift(partnership)}
        assert {"Business case", "Organisational arrangements", "Communications"} <= stale
    partnership.review_cadence_months = 3
    database.session.commit()
    page = client_as(bodies.b.viewer).get(f"/partnerships/{bodies.partnership.id}/meetings").get_data(as_text=True)
    assert "Measures and section reviews" in page and "One actual a review, quarterly" in page


def test_a_meeting_raises_actions_that_become_promises_of_their_party(bodies, client_as):
    steering = body_named(bodies, "Executive steering committee")
    client = client_as(bodies.b.editor)
    url = f"/partnerships/{bodies.partnership.id}/meetings"
    a, b = bodies.a.party.id, bodies.b.party.id
    form = {"body": steering.key, "held_on": "2026-02-10", f"attended-{a}": "1", f"attended-{b}": "1",
            "action-1": "Send the revised rates", "action-party-1": str(a), "action-due-1": "2026-02-01",
            "action-2": "Book the Q2 site visit", "action-party-2": "", "action-due-2": "2026-03-01"}
    refused = client.submit(url, form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="action-1-error">It cannot be due before the meeting was held.' in text  # beside its own row
    assert 'id="action-2-error">Choose the party that is to do it.' in text
    assert 'value="Book the Q2 site visit"' in text and 'value="2026-03-01"' in text
    done = client.submit(url, {**form, "action-due-1": "2026-02-24", "action-party-2": str(b)})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Send the revised rates" in page and "by 24 Feb 2026" in page
    raised = {p.title: p for p in promises_of(bodies.partnership.id, date(2026, 3, 10)) if p.source == "meeting_action"}
    rates = raised["Send the revised rates"]
    assert (rates.promisor.id, rates.due_on, rates.overdue) == (a, date(2026, 2, 24), True)
    assert [p.id for p in rates.promisees] == [b] and rates.confirmed_by_promisee
    assert raised["Book the Q2 site visit"].promisor.id == b
    services.confirm(load_membership(bodies.partnership.id, bodies.b.editor), rates.key, "kept",
                     date(2026, 2, 20), "", 0)
    db.session.commit()
    kept = next(p for p in promises_of(bodies.partnership.id, date(2026, 3, 10)) if p.key == rates.key)
    assert kept.outcome == "kept_on_time"
