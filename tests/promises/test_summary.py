"""The trust summary the portfolio and the overview show: what it holds, when the sweep computes
it again (a change in the partnership's audit trail, a new day), and the pages that read it."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.access import load_membership
from app.promises import meetings, summary
from app.promises.models import TrustSummary
from app.types import clock_at, utcnow
from tests.support import review_cycle as rc
from tests.support.promises import write_bodies


def stale_ids(today=None):
    return [pid for pid, _last in summary.stale_partnerships(today or utcnow().date())]


def test_the_summary_holds_reliability_overdue_and_drift(two_parties):
    write_bodies(two_parties)
    cycle = rc.cycle_in_improve(two_parties.partnership, two_parties.a.admin, two_parties.b.admin)
    today = utcnow().date()
    rc.add_action(cycle, two_parties.a.editor, "Late one", today - timedelta(days=3))
    call = next(b for b in meetings.bodies_of(two_parties.partnership.id) if b.name == "Weekly performance call")
    membership = load_membership(two_parties.partnership.id, two_parties.a.editor)
    meetings.record_meeting(membership, call, today - timedelta(days=40), {two_parties.a.party.id: "Ann"}, "", [])
    db.session.commit()
    figures = summary.refresh(two_parties.partnership.id).figures
    assert [p["name"] for p in figures["parties"]] == [two_parties.a.party.name, two_parties.b.party.name]
    assert figures["overdue"] == 1 and figures["disputed"] == 0  # the action, three days late
    # Five weeks without the weekly call; three measures declared monthly, reviewed quarterly.
    assert figures["drifting"] == ["Weekly performance call", "On-time delivery", "Cost per unit", "Claims"]
    assert figures["imbalanced"] == [] and figures["band"] == 20


def test_the_sweep_computes_a_summary_again_after_a_change_or_a_new_day(two_parties):
    pid = two_parties.partnership.id
    assert pid in stale_ids()  # never computed
    assert summary.sweep() >= 1
    assert pid not in stale_ids()
    computed = db.session.get(TrustSummary, pid)
    assert computed.computed_on == utcnow().date()
    assert summary.sweep() == 0  # nothing changed: nothing computed
    write_bodies(two_parties)  # audited changes to the plan
    assert pid in stale_ids()
    summary.sweep()
    assert pid not in stale_ids()
    assert pid in stale_ids(utcnow().date() + timedelta(days=1))  # a new day: promises fall overdue


def test_one_partnerships_failure_leaves_the_others_computed(two_parties, monkeypatch):
    pid = two_parties.partnership.id
    others = [p for p in stale_ids() if p != pid]
    real = summary.compute

    def failing(partnership_id, today):
        if partnership_id == pid:
            raise RuntimeError("a broken plan")
        return real(partnership_id, today)

    monkeypatch.setattr(summary, "compute", failing)
    done = summary.sweep()
    assert done == len(others)
    assert db.session.get(TrustSummary, pid) is None and pid in stale_ids()


def test_the_portfolio_and_the_overview_show_the_summary(two_parties, client_as):
    write_bodies(two_parties)
    call = next(b for b in meetings.bodies_of(two_parties.partnership.id) if b.name == "Weekly performance call")
    membership = load_membership(two_parties.partnership.id, two_parties.a.editor)
    with clock_at(utcnow() - timedelta(days=40)):
        meetings.record_meeting(membership, call, utcnow().date(), {two_parties.a.party.id: "Ann"}, "", [])
    db.session.commit()
    client = client_as(two_parties.b.viewer)
    pid = two_parties.partnership.id
    overview = client.get(f"/partnerships/{pid}").get_data(as_text=True)
    assert "Promises and practice" not in overview  # not summarised yet
    summary.sweep()
    overview = client.get(f"/partnerships/{pid}").get_data(as_text=True)
    assert "Promises and practice" in overview and "Weekly performance call" in overview
    home = client.get("/home").get_data(as_text=True)
    assert "Promises kept on time" in home and "1 drifting" in home
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrustSummary)) >= 1


def test_an_outsider_learns_nothing_from_summaries(two_parties, client_as):
    summary.sweep()
    home = client_as(two_parties.outsider).get("/home").get_data(as_text=True)
    assert two_parties.partnership.name not in home
    assert client_as(two_parties.outsider).get(f"/partnerships/{two_parties.partnership.id}").status_code == 404


def test_a_summary_of_a_quiet_partnership_says_no_promise_is_due(two_parties, client_as):
    summary.sweep()
    home = client_as(two_parties.a.admin).get("/home").get_data(as_text=True)
    assert "No promise due yet" in home


def test_one_sweep_at_a_time(two_parties):
    from app.jobs.locks import exclusive

    with exclusive("trust-summary-sweep") as held:  # another worker's sweep is running
        assert held
        assert summary.sweep() == 0
    assert db.session.get(TrustSummary, two_parties.partnership.id) is None
    assert summary.sweep() >= 1


def test_a_summary_made_meanwhile_is_updated_not_inserted_twice(two_parties):
    pid = two_parties.partnership.id
    summary.refresh(pid)
    db.session.commit()
    again = summary.refresh(pid)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrustSummary).where(
        TrustSummary.partnership_id == pid)) == 1
    assert again.figures["band"] == 20
