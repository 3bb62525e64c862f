"""The ledger's pages through the test client: the ledger and its filters, the CSV, a promise's
page and the answers posted to it (errors beside their fields, nothing typed lost)."""

import csv
import io
from datetime import date, timedelta

from app.extensions import db
from app.promises.ledger import promise_of, promises_of
from app.types import utcnow
from tests.support import review_cycle as rc
from tests.support.promises import TARGET_A


def ledger_url(world, **query):
    return f"/partnerships/{world.partnership.id}/promises", query


def objective_key(world, party):
    return next(p.key for p in promises_of(world.partnership.id)
                if p.source == "objective" and p.promisor.id == party.id)


def promise_url(world, key, action=""):
    return f"/partnerships/{world.partnership.id}/promises/{key}" + (f"/{action}" if action else "")



def test_every_member_reads_the_ledger_and_outsiders_get_404(world, cycle, client_as):
    rc.add_action(cycle, world.a.editor, "Share the dock plan", due=date(2030, 1, 31))
    url, _ = ledger_url(world)
    for user in (world.a.viewer, world.b.editor):
        page = client_as(user).get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Share the dock plan" in text and "Cut dock-to-stock time to 24 hours" in text
        assert "Reliability" in text
    outsider = client_as(world.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.get(url + ".csv").status_code == 404
    assert outsider.get(promise_url(world, objective_key(world, world.a.party))).status_code == 404


def test_filters_narrow_the_ledger_and_a_backwards_range_is_explained(world, cycle, client_as):
    rc.add_action(cycle, world.a.editor, "Alpha action", due=date(2030, 1, 31))
    rc.add_action(cycle, world.b.editor, "Beta action", due=date(2030, 2, 28))
    client = client_as(world.a.admin)
    url, _ = ledger_url(world)
    text = client.get(url, query_string={"party": world.b.party.id, "source": "action"}).get_data(as_text=True)
    assert "Beta action" in text and "Alpha action" not in text and "Share the forecast weekly" not in text
    text = client.get(url, query_string={"due_from": "2030-02-01"}).get_data(as_text=True)
    assert "Beta action" in text and "Alpha action" not in text
    page = client.get(url, query_string={"due_from": "2030-02-01", "due_to": "2030-01-01"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "The end comes before the start" in text
    assert "Beta action" in text  # the bad end is left out of the filter, the start kept
    text = client.get(url, query_string={"outcome": "overdue", "party": "nonsense"}).get_data(as_text=True)
    assert "Cut dock-to-stock time to 24 hours" in text  # TARGET_A has passed


def test_the_csv_holds_the_filtered_promises_and_no_formula(world, cycle, client_as):
    rc.add_action(cycle, world.a.editor, "=HYPERLINK(\"http://x\")", due=date(2030, 1, 31))
    response = client_as(world.b.viewer).get(f"/partnerships/{world.partnership.id}/promises.csv",
                                              query_string={"source": "action"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["Due", "Source", "Promise", "Promised by"]
    assert [r[2] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")"]
    assert rows[1][3] == world.a.party.name and rows[1][6] == "Open"


def test_the_promisee_records_an_outcome_and_errors_stay_beside_their_fields(world, client_as):
    key = objective_key(world, world.a.party)
    client = client_as(world.b.editor)
    page = client.get(promise_url(world, key)).get_data(as_text=True)
    assert "Record the outcome" in page and "Contest this outcome" not in page
    refused = client.submit(promise_url(world, key, "confirm"),
                            {"seen": "0", "outcome": "broken", "note": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="note-error"' in text and "Say what was promised and not done." in text
    refused = client.submit(promise_url(world, key, "confirm"),
                            {"seen": "0", "outcome": "kept", "kept_on": "2026-02-30", "note": "Kept, with thanks."})
    assert refused.status_code == 422 and "Kept, with thanks." in refused.get_data(as_text=True)
    done = client.submit(promise_url(world, key, "confirm"),
                         {"seen": "0", "outcome": "kept", "kept_on": TARGET_A.isoformat(), "note": ""})
    assert done.status_code == 303
    assert promise_of(world.partnership.id, key).outcome == "kept_on_time"
    # The same form again, from a page read before: told, not overwritten.
    stale = client.submit(promise_url(world, key, "confirm"),
                          {"seen": "0", "outcome": "broken", "note": "It never happened."})
    assert stale.status_code == 409 and "while you were looking" in stale.get_data(as_text=True)
    assert promise_of(world.partnership.id, key).outcome == "kept_on_time"


def test_the_promisor_cannot_confirm_its_own_promise(world, client_as):
    key = objective_key(world, world.a.party)
    client = client_as(world.a.editor)
    assert "Record the outcome" not in client.get(promise_url(world, key)).get_data(as_text=True)
    refused = client.submit(promise_url(world, key, "confirm"),
                            {"seen": "0", "outcome": "kept", "kept_on": TARGET_A.isoformat()})
    assert refused.status_code == 403
    assert promise_of(world.partnership.id, key).outcome == "open"


def test_a_dispute_shows_both_views_until_accepted(world, client_as):
    key = objective_key(world, world.a.party)
    client_as(world.b.editor).submit(promise_url(world, key, "confirm"),
                                     {"seen": "0", "outcome": "broken", "note": "Still 36 hours."})
    alpha = client_as(world.a.editor)
    page = alpha.get(promise_url(world, key)).get_data(as_text=True)
    assert "Contest this outcome" in page
    day = (utcnow().date() - timedelta(days=1)).isoformat()
    refused = alpha.submit(promise_url(world, key, "contest"), {"seen": "1", "kept_on": day, "note": ""})
    assert refused.status_code == 422 and "Say why the outcome is wrong." in refused.get_data(as_text=True)
    assert alpha.submit(promise_url(world, key, "contest"),
                        {"seen": "1", "kept_on": day, "note": "Measured at 23 hours in March."}).status_code == 303
    beta = client_as(world.b.admin)
    page = beta.get(promise_url(world, key)).get_data(as_text=True)
    assert "Disputed: two views" in page and "Measured at 23 hours in March." in page and "Still 36 hours." in page
    assert f"Accept {world.a.party.name}" in page
    assert promise_of(world.partnership.id, key).outcome == "broken"
    assert beta.submit(promise_url(world, key, "accept-contest"), {"seen": "2"}).status_code == 303
    db.session.expire_all()
    promise = promise_of(world.partnership.id, key)
    assert promise.state == "kept" and not promise.disputed


def test_a_release_is_proposed_to_the_other_parties(world, cycle, client_as):
    action = rc.add_action(cycle, world.a.editor, "Pilot the lane", due=date(2030, 1, 31))
    key = f"action:{action.id}"
    client = client_as(world.a.editor)
    refused = client.submit(promise_url(world, key, "release"), {"reason": ""})
    assert refused.status_code == 422 and "Say why it should be released." in refused.get_data(as_text=True)
    proposed = client.submit(promise_url(world, key, "release"), {"reason": "The lane closed."})
    assert proposed.status_code == 303 and "/proposals/" in proposed.headers["Location"]
    page = client_as(world.b.admin).get(proposed.headers["Location"]).get_data(as_text=True)
    assert "Pilot the lane" in page and "is released" in page
    assert "proposed releasing this promise" in client.get(promise_url(world, key)).get_data(as_text=True)


def test_an_unknown_promise_is_404(world, client_as):
    client = client_as(world.a.admin)
    for key in ("action:999999", "objective:nope", "nonsense"):
        assert client.get(promise_url(world, key)).status_code == 404
        assert client.submit(promise_url(world, key, "confirm"), {"seen": "0", "outcome": "broken",
                                                                  "note": "x"}).status_code == 404


def test_every_answer_reads_as_a_sentence_in_the_audit_trail(world, client_as):
    key = objective_key(world, world.a.party)
    client_as(world.b.editor).submit(promise_url(world, key, "confirm"),
                                     {"seen": "0", "outcome": "broken", "note": "Still 36 hours."})
    day = (utcnow().date() - timedelta(days=1))
    client_as(world.a.editor).submit(promise_url(world, key, "contest"),
                                     {"seen": "1", "kept_on": day.isoformat(), "note": "Met in March."})
    client_as(world.a.admin).submit(promise_url(world, key, "withdraw-contest"), {"seen": "2"})
    trail = client_as(world.a.admin).get(f"/partnerships/{world.partnership.id}/audit").get_data(as_text=True)
    title = "Cut dock-to-stock time to 24 hours"
    assert f"recorded {world.a.party.name}&#39;s promise “{title}” (Objective) as broken" in trail
    assert f"contested “{title}” (Objective), standing as Broken: kept on {day:%-d %B %Y}, “Met in March.”" in trail
    assert f"withdrew the contest of “{title}”" in trail


def test_the_results_show_trust_earned_beside_trust_felt(world, cycle, client_as):
    page = client_as(world.b.viewer).get(f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/results")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Promises kept on time in {cycle.period}" in text
    assert "Review submission: 1 of 1" in text and "Measure actual: 2 of 2" in text  # Alpha owns two measures
    assert "Measure actual: 1 of 1" in text  # and Beta one


def test_the_results_show_where_the_plan_no_longer_describes_practice(world, cycle, client_as):
    url = f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/results"
    text = client_as(world.b.viewer).get(url).get_data(as_text=True)
    assert "Plan against practice" in text
    assert "Measured monthly" in text and "One actual a review, quarterly" in text
    world.partnership.review_cadence_months = 1
    db.session.commit()
    assert "Plan against practice" not in client_as(world.b.viewer).get(url).get_data(as_text=True)
