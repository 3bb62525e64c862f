"""Escalations: issues raised on the plan's ladder, taken up and resolved, each level's time to
resolve a promise of every party; the pages through the test client."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.promises import escalations
from app.promises.escalations import EscalationError
from app.promises.ledger import promises_of
from app.types import utcnow
from tests.support.promises import write_ladder

RAISED = date(2026, 3, 2)


@pytest.fixture
def ladder(two_parties):
    write_ladder(two_parties)
    return two_parties


def member(world, user):
    return load_membership(world.partnership.id, user)


def raise_one(world, user=None, title="Stillages short at Dayton", on=RAISED):
    issue = escalations.raise_issue(member(world, user or world.a.editor), title, "Two lines stopped.", on)
    db.session.commit()
    return issue


def escalation_promises(world, today=date(2026, 6, 1)):
    return {p.key: p for p in promises_of(world.partnership.id, today) if p.source == "escalation"}


def test_an_issue_starts_at_the_first_level_and_every_party_owes_its_time(ladder):
    issue = raise_one(ladder)
    assert [(s.level, s.name, s.since, s.due) for s in escalations.steps_of(issue)] == [
        (1, "Operational", RAISED, RAISED + timedelta(days=2))]
    found = escalation_promises(ladder)
    a, b = ladder.a.party.id, ladder.b.party.id
    assert sorted(found) == [f"escalation:{issue.id}:0:{a}", f"escalation:{issue.id}:0:{b}"]
    mine = found[f"escalation:{issue.id}:0:{a}"]
    assert mine.due_on == date(2026, 3, 4) and mine.overdue and [p.id for p in mine.promisees] == [b]
    assert mine.title == "Settle “Stillages short at Dayton” at level 1 (Operational) within 2 days, or take it up"


def test_taking_it_up_in_time_keeps_the_level_and_resolving_late_is_late(ladder):
    issue = raise_one(ladder)
    escalations.escalate(member(ladder, ladder.b.editor), issue.id, issue.version, RAISED + timedelta(days=1),
                         "The planners could not free the stillages.")
    db.session.commit()
    escalations.resolve(member(ladder, ladder.a.admin), issue.id, issue.version, RAISED + timedelta(days=9),
                        "Northwind bought 400 more; Contoso returns them within a day.")
    db.session.commit()
    steps = escalations.steps_of(issue)
    assert [(s.level, s.ended, s.late_days) for s in steps] == [(1, date(2026, 3, 3), None), (2, date(2026, 3, 11), 3)]
    outcomes = {(key.split(":")[2], key.split(":")[3]): p.outcome for key, p in escalation_promises(ladder).items()}
    a, b = str(ladder.a.party.id), str(ladder.b.party.id)
    assert outcomes == {("0", a): "kept_on_time", ("0", b): "kept_on_time",
                        ("1", a): "kept_late", ("1", b): "kept_late"}
    assert not issue.is_open and issue.resolved_party_name == ladder.a.party.name


def test_a_level_without_a_time_to_resolve_owes_nothing(ladder):
    issue = raise_one(ladder)
    for day in (1, 2):
        escalations.escalate(member(ladder, ladder.a.editor), issue.id, issue.version, RAISED + timedelta(days=day), "")
        db.session.commit()
    assert issue.current["level"] == 3
    assert {k.split(":")[2] for k in escalation_promises(ladder)} == {"0", "1"}
    with pytest.raises(EscalationError, match="top of the ladder"):
        escalations.escalate(member(ladder, ladder.a.editor), issue.id, issue.version, RAISED + timedelta(days=3), "")


def test_what_it_is_given_is_checked(ladder):
    with pytest.raises(EscalationError) as refused:
        escalations.raise_issue(member(ladder, ladder.a.editor), "  ", "", RAISED)
    assert refused.value.field == "title"
    with pytest.raises(EscalationError) as refused:
        escalations.raise_issue(member(ladder, ladder.a.editor), "Later", "", utcnow().date() + timedelta(days=1))
    assert refused.value.field == "raised_on" and "still to come" in str(refused.value)
    issue = raise_one(ladder)
    with pytest.raises(EscalationError) as refused:
        escalations.escalate(member(ladder, ladder.a.editor), issue.id, issue.version, RAISED - timedelta(days=1), "")
    assert refused.value.field == "on" and "2 March 2026" in str(refused.value)
    with pytest.raises(EscalationError) as refused:
        escalations.resolve(member(ladder, ladder.a.editor), issue.id, issue.version, RAISED, "")
    assert refused.value.field == "resolution"
    with pytest.raises(EscalationError) as refused:
        escalations.raise_issue(member(ladder, ladder.a.viewer), "Viewer", "", RAISED)
    assert refused.value.status == 403


def test_no_ladder_no_escalation(two_parties):
    with pytest.raises(EscalationError) as refused:
        escalations.raise_issue(member(two_parties, two_parties.a.editor), "Stuck", "", RAISED)
    assert refused.value.status == 409 and "no escalation ladder" in str(refused.value)


def test_an_answer_to_what_someone_changed_meanwhile_is_refused(ladder):
    issue = raise_one(ladder)
    seen = issue.version
    escalations.escalate(member(ladder, ladder.b.editor), issue.id, seen, RAISED, "")
    db.session.commit()
    with pytest.raises(EscalationError) as refused:
        escalations.resolve(member(ladder, ladder.a.editor), issue.id, seen, RAISED, "Sorted.")
    assert refused.value.status == 409
    assert f"{ladder.b.party.name} took it to level 2 (Management)" in str(refused.value)
    assert issue.is_open


def test_a_later_change_to_the_ladder_leaves_the_history_as_it_was(ladder):
    issue = raise_one(ladder)
    write_ladder(ladder, [{"level": 1, "name": "Floor", "resolve_days": 7,
                           "who": {str(ladder.a.party.id): "Lead", str(ladder.b.party.id): "Lead"}}])
    db.session.expire_all()
    assert escalations.steps_of(db.session.get(type(issue), issue.id))[0].name == "Operational"


def test_the_pages_raise_take_up_and_resolve(ladder, client_as):
    client = client_as(ladder.b.editor)
    base = f"/partnerships/{ladder.partnership.id}/escalations"
    page = client.get(base).get_data(as_text=True)
    assert "Level 2: Management" in page and "Raise it at Level 1: Operational" in page
    refused = client.submit(base, {"title": "", "description": "Kept text", "raised_on": "2026-03-02"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Say what the issue is." in text and "Kept text" in text
    done = client.submit(base, {"title": "Dock doors double-booked", "description": "", "raised_on": "2026-03-02"})
    assert done.status_code == 303
    url = done.headers["Location"]
    shown = client.get(url).get_data(as_text=True)
    assert "Take it up to Level 2: Management" in shown and "past its time to resolve" in shown
    issue = escalations.escalations_of(ladder.partnership.id)[0]
    seen = str(issue.version)
    taken = client.submit(f"{url}/escalate", {"up-seen": seen, "up-on": "2026-03-03", "up-note": ""},
                          csrf_field="up-csrf_token")
    assert taken.status_code == 303
    again = client.submit(f"{url}/resolve", {"resolve-seen": seen, "resolve-on": "2026-03-03",  # the version it saw
                                             "resolve-resolution": "Agreed a split."}, csrf_field="resolve-csrf_token")
    assert again.status_code == 409 and "took it to level 2" in again.get_data(as_text=True)
    db.session.expire_all()
    issue = escalations.escalations_of(ladder.partnership.id)[0]
    assert client.submit(f"{url}/resolve", {"resolve-seen": str(issue.version), "resolve-on": "2026-03-05",
                                            "resolve-resolution": "Agreed a split."},
                         csrf_field="resolve-csrf_token").status_code == 303
    assert "Agreed a split." in client_as(ladder.a.viewer).get(url).get_data(as_text=True)
    assert client_as(ladder.a.viewer).submit(f"{url}/resolve", {"resolve-seen": "9", "resolve-on": "2026-03-05",
                                                                "resolve-resolution": "x"},
                                                   csrf_field="resolve-csrf_token").status_code == 403
    assert client_as(ladder.outsider).get(url).status_code == 404


def test_the_summary_names_escalations_past_their_time(ladder):
    from app.promises import summary

    issue = raise_one(ladder)
    assert summary.compute(ladder.partnership.id, date(2026, 3, 4))["escalations_late"] == []  # its last day
    assert summary.compute(ladder.partnership.id, date(2026, 3, 5))["escalations_late"] == [issue.title]
    escalations.resolve(member(ladder, ladder.b.admin), issue.id, issue.version, date(2026, 3, 5), "Sorted.")
    db.session.commit()
    assert summary.compute(ladder.partnership.id, date(2026, 3, 6))["escalations_late"] == []


def test_invisible_control_characters_are_refused_beside_their_field(ladder):
    with pytest.raises(EscalationError) as refused:
        escalations.raise_issue(member(ladder, ladder.a.editor), "Doors\x00", "", RAISED)
    assert refused.value.field == "title" and "control characters" in str(refused.value)
    issue = escalations.raise_issue(member(ladder, ladder.a.editor), "Doors", "Line one\nline two", RAISED)
    assert issue.description == "Line one\nline two"
