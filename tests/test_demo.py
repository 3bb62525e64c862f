"""The demo workspace: the command that loads it, and the story it tells (most tests read a copy of
one load: the `demo` fixture, tests/support/demo.py)."""

import os
import re

import sqlalchemy as sa

from app.accounts.models import User
from app.audit.services import verify_chain
from app.demo.workspace import DEMO_PASSWORD, PEOPLE
from app.extensions import db
from app.mail import deliver_due
from app.notifications.delivery import send_due
from app.partnerships.models import Membership, Partnership


def test_demo_builds_two_organisations_in_one_partnership_and_prints_logins(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for _org, _name, email, *_ in PEOPLE:
        assert email in result.output
    assert DEMO_PASSWORD in result.output
    # A newcomer's first screen: a few lines, not every demo email; the emails are files.
    assert len(result.output.splitlines()) < 20, result.output
    saved = os.listdir(app.config["MAIL_FILE_DIR"])
    assert f"its {len(saved)} emails are saved in" in result.output and len(saved) > 10
    assert "Subject:" not in result.output
    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    assert [p.name for p in partnership.parties] == ["Northwind Logistics", "Contoso Manufacturing"]
    roles = {
        (m.party.name, m.role)
        for m in db.session.scalars(sa.select(Membership).where(Membership.partnership_id == partnership.id))
    }
    assert {
        ("Northwind Logistics", "admin"),
        ("Contoso Manufacturing", "admin"),
        ("Contoso Manufacturing", "viewer"),
    } <= roles
    assert verify_chain() is None


def test_the_workers_first_reminder_run_after_the_demo_finds_nothing_due(app, runner):
    # The reminders, plan-change emails and digests the demo's history makes due are the
    # demo's own, saved quietly; the worker's first run must not pour them into the log.
    assert runner.invoke(args=["demo"]).exit_code == 0
    saved = set(os.listdir(app.config["MAIL_FILE_DIR"]))
    report = send_due()
    assert (report.reminders, report.change_emails, report.digests, report.failures) == (0, 0, 0, [])
    assert deliver_due() == 0 and set(os.listdir(app.config["MAIL_FILE_DIR"])) == saved


def test_demo_is_idempotent_and_if_empty_leaves_real_data_alone(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    built = db.session.scalar(sa.select(sa.func.count()).select_from(Partnership))
    again = runner.invoke(args=["demo"])
    assert "already loaded" in again.output and PEOPLE[0][2] in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == built


def test_demo_portfolio_and_bell(demo):
    client = demo.test_client()
    client.sign_in(PEOPLE[0][2], DEMO_PASSWORD)
    home = client.get("/home").get_data(as_text=True)
    for name in ("Northwind–Contoso Supply", "Northwind–Fabrikam Cold Chain", "Northwind–Tailspin Air Freight"):
        assert name in home
    assert "Contoso–Northwind Packaging Pilot" not in home  # invited, not yet a member
    # The invitation, Contoso's changes to the risk register (one, however many saves), Luis's mention
    # and the plan's new signed baseline v1.0.
    assert 'aria-label="Notifications, 4 unread"' in home


def test_demo_shows_an_agreed_change_and_a_proposal_waiting_for_contoso(demo):
    client = demo.test_client()
    client.sign_in(PEOPLE[3][2], DEMO_PASSWORD)  # Dana Reyes, Contoso's admin
    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    home = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "Waiting for your agreement" in home and "Admit Adventure Works Packaging" in home
    # Signed, reviewed for three quarters and acting on it: the lifecycle map places it accordingly.
    assert "Stage 7 of 8: Staying together." in home
    lifecycle = client.get(f"/partnerships/{partnership.id}/lifecycle").get_data(as_text=True)
    assert lifecycle.count('lifecycle-strip__stage lifecycle-strip__stage--covered') == 6
    # Last year's maturity assessment: the parties saw governance two levels apart, flagged.
    from app.review_cycle.maturity import assessments_of, results_for

    last_year = [cycle for cycle in assessments_of(partnership.id) if cycle.revealed_at is not None][0]
    assert [row.name for row in results_for(last_year, None)["rows"] if row.flagged] == ["Governance"]
    results = client.get(f"/partnerships/{partnership.id}/reviews/{last_year.id}/results").get_data(as_text=True)
    assert "Perception gaps of 2 levels or more:</strong> Governance." in results
    feed = client.get(f"/partnerships/{partnership.id}/activity").get_data(as_text=True)
    assert "agreed, the last party to do so" in feed and "Change the partnership&#39;s purpose" in feed
    assert "returnable packaging" in partnership.purpose  # the agreed change was made
    assert "Adventure Works" not in client.get(f"/partnerships/{partnership.id}/members").get_data(as_text=True) \
        or "Proposed new parties" in client.get(f"/partnerships/{partnership.id}/members").get_data(as_text=True)


def test_demo_if_empty_skips_a_database_with_accounts(app, runner):
    from tests.support.factories import make_organisation_user

    make_organisation_user()
    db.session.commit()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_users_can_sign_in(demo):
    client = demo.test_client()
    client.sign_in(PEOPLE[3][2], DEMO_PASSWORD)
    assert "Northwind–Contoso Supply Alliance" in client.get("/home").get_data(as_text=True)


def test_demo_search_finds_past_assessments_but_nothing_of_this_years_before_both_submit(demo):
    """This year's maturity assessment says what last year's said; Northwind has submitted it and
    Contoso has a draft: Dana finds last year's text, and nothing of this year's."""
    from app.types import utcnow

    client = demo.test_client()
    client.sign_in("dana.reyes@contoso.example", DEMO_PASSWORD)
    page = client.get("/search", query_string={"q": '"rhythm both sides trust"', "kind": "review"}).text
    year = utcnow().year
    assert f"Northwind Logistics&#39;s {year - 1} maturity assessment" in page
    assert f"{year} maturity assessment" not in page.replace(f"{year - 1} maturity", "")
    assert "search-hit" in client.get("/search", query_string={"q": '"frozen window"'}).text


def test_demo_evidence_is_found_by_its_words_and_listed_in_v1_s_annex(demo):
    """The README's hint: "service credits" is inside the signed contract; v1.0 rests on three files."""
    import json

    from app.plan_versions.models import PlanVersion

    client = demo.test_client()
    client.sign_in("dana.reyes@contoso.example", DEMO_PASSWORD)
    page = client.get("/search", query_string={"q": '"service credits"', "kind": "attachment"}).text
    text = re.sub(r"<[^>]+>", "", page)  # the matched words are marked, in the title too on PostgreSQL
    assert "Master services agreement (signed).docx" in text and "1 result for" in text
    first = db.session.scalar(sa.select(PlanVersion).where(PlanVersion.major == 1, PlanVersion.minor == 0))
    annex = json.loads(first.canonical)["evidence"]
    assert sorted(e["name"] for e in annex) == [
        "Driver contingency plan.txt", "Master services agreement (signed).docx", "Rates schedule.csv"]
    assert next(e for e in annex if e["name"] == "Rates schedule.csv")["version"] == 2


def test_the_demo_ledger_tells_of_a_slipping_party_and_a_dispute(demo):
    from app.promises.ledger import promises_of
    from app.promises.reliability import reliability
    from app.review_cycle.cycles import cycles_of

    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    promises = promises_of(partnership.id)
    northwind, contoso = reliability(promises, list(partnership.parties), partnership.review_cadence_months)
    closed = [c.period for c in sorted(cycles_of(partnership.id), key=lambda c: c.opened_at) if c.closed_at]
    assert [p.figure.period for p in contoso.flagged] == [closed[-1]]  # the last closed quarter
    assert not northwind.flagged
    figures = {p.figure.period: p.figure for p in contoso.points}
    missed = [figures[period].late + figures[period].broken + figures[period].open_overdue for period in closed]
    assert missed == sorted(missed) and missed[0] < missed[-1]  # trending up
    disputed = [p for p in promises if p.disputed]
    assert [p.promisor.name for p in disputed] == ["Northwind Logistics"] and disputed[0].outcome == "kept_late"
    assert {p.outcome for p in promises if p.source == "objective" and p.record is not None} == {
        "kept_on_time", "broken"}


def test_the_demo_meetings_show_a_board_that_stopped_meeting_and_a_decision_outside_rights(demo):
    from app.promises import meetings

    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    drift = {d.body.name: d for d in meetings.drift_of(partnership.id)}
    assert drift["Joint operations board"].drifting
    assert not drift["Weekly performance call"].drifting and not drift["Executive steering committee"].drifting
    outside = meetings.decisions_of(partnership.id, outside_only=True)
    assert [d.meeting.body_name for d in outside] == ["Executive steering committee"]


def test_the_demo_balance_flags_both_parties_in_usd_two_quarters_running(demo):
    from app.promises.balance import TIME, give_and_get
    from app.types import utcnow

    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    found = give_and_get(partnership.id, utcnow().date())
    # Two quarters or more, as the registers were written 133 to 150 days before today.
    assert [(f.party.name, f.unit, len(f.periods) >= 2) for f in found.flags] == [
        ("Contoso Manufacturing", "USD", True), ("Northwind Logistics", "USD", True)]
    northwind = next(f for f in found.flags if f.party.name == "Northwind Logistics").latest
    assert northwind.share_given > northwind.share_got  # it gives most of the asset value
    hours = found.latest.unit(TIME)
    assert hours.share_of(northwind.party_id).given > hours.share_of(found.flags[0].latest.party_id).given > 0


def test_the_demo_escalations_tell_of_a_late_level_and_a_fresh_issue(demo):
    from app.promises import escalations
    from app.types import utcnow

    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    fresh, settled = escalations.escalations_of(partnership.id)
    assert fresh.is_open and escalations.step_due(fresh.current) > utcnow().date()  # not overdue
    steps = escalations.steps_of(settled)
    assert [(s.level, s.late_days) for s in steps] == [(1, None), (2, 3)]
