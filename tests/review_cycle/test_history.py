"""A review cycle keeps the parties it opened with: a closed cycle's page, report and stored
report PDF never change when a party joins; an open cycle waits for no newcomer (unless one is
admitted into its Review); the next cycle includes it."""

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import assessments, cycles, party_changes, report, stages
from app.review_cycle.models import STAGES
from app.review_cycle.stepper import stepper
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.factories import admit_party
from tests.support.review_cycle import agree_all, assessment_input, open_cycle, submit


def _closed_cycle(world, period="2026-Q3"):
    cycle = open_cycle(world.partnership, world.a.admin, period)
    submit(cycle, world.a.admin, 4)
    submit(cycle, world.b.admin, 3)
    for _stage in STAGES:
        agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "closed"
    return cycle


def _report_content(client, partnership_id, cycle_id) -> str:
    page = client.get(f"/partnerships/{partnership_id}/reviews/{cycle_id}/report").get_data(as_text=True)
    return page.split('<div class="cycle-head">', 1)[1].split("</main>", 1)[0]


def test_a_closed_cycle_its_report_and_report_pdf_do_not_change_when_a_party_joins(world, client_as):
    cycle = _closed_cycle(world)
    report.build_report_document(cycle.id)  # unless the job already did on commit
    stored = report.stored_report(cycle.id)
    sha, data = stored.sha256, stored.data
    client = client_as(world.b.viewer)
    pid = world.partnership.id
    before = _report_content(client, pid, cycle.id)
    cycle_page = client.get(f"/partnerships/{pid}/reviews/{cycle.id}").get_data(as_text=True)
    assert "every party of the cycle (Alpha Ltd and Beta GmbH)" in before

    admit_party(world.partnership)
    db.session.expire_all()
    assert _report_content(client, pid, cycle.id) == before
    assert "Gamma" not in before
    after_page = client.get(f"/partnerships/{pid}/reviews/{cycle.id}").get_data(as_text=True)
    def below_tabs(page):  # the partnership's header names today's parties; the cycle below it does not change
        return page.split('aria-label="Partnership">', 1)[1].split("</nav>", 1)[1]

    assert below_tabs(after_page) == below_tabs(cycle_page)
    # The stored PDF is the one kept: building again stores nothing, the bytes are the same.
    assert not report.build_report_document(cycle.id)
    again = report.stored_report(cycle.id)
    assert again.sha256 == sha and again.data == data
    pdf = client.get(f"/partnerships/{pid}/reviews/{cycle.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data == data


def test_an_open_cycle_waits_only_for_its_own_parties_and_the_next_one_includes_the_newcomer(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q4")
    gina = admit_party(world.partnership).user
    gamma = load_membership(world.partnership.id, gina)
    pid = world.partnership.id

    steps = stepper(cycle, utcnow().date())
    assert [w.party.name for w in steps.waiting] == ["Alpha Ltd", "Beta GmbH"]
    page = client_as(gina).get(f"/partnerships/{pid}/reviews/{cycle.id}").get_data(as_text=True)
    assert "Gamma Corp joined the partnership after the 2026-Q4 cycle opened" in page
    assert "Write Gamma Corp" not in page
    with pytest.raises(RuleViolation, match="takes part in reviews from the next cycle"):
        assessments.submit(gamma, cycle, assessment_input(cycle, gamma.party_id))
    db.session.rollback()

    submit(cycle, world.a.admin)
    submit(cycle, world.b.admin)
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None  # every party *of the cycle* submitted
    with pytest.raises(RuleViolation, match="from the next cycle"):
        stages.agree(load_membership(pid, gina), cycle, "review")
    db.session.rollback()
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "adapt"
    home = client_as(world.a.admin).get(f"/partnerships/{pid}").get_data(as_text=True)
    assert "Waiting for Gamma" not in home

    for _stage in ("adapt", "improve", "operate"):
        agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "closed"
    following = open_cycle(world.partnership, world.a.admin, "2027-Q1")
    assert [p.name for p in cycles.parties_of_cycle(following)] == ["Alpha Ltd", "Beta GmbH", "Gamma Corp"]
    assert [w.party.name for w in stepper(following, utcnow().date()).waiting] == [
        "Alpha Ltd", "Beta GmbH", "Gamma Corp"]


def test_an_agreed_admission_can_include_the_newcomer_while_the_cycle_is_in_review(world):
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q4")
    gamma = admit_party(world.partnership)
    assert party_changes.admit_into_open_cycle(cycle, gamma.party, actor=gamma.user)
    assert not party_changes.admit_into_open_cycle(cycle, gamma.party)  # once
    db.session.commit()
    submit(cycle, world.a.admin)
    submit(cycle, world.b.admin)
    db.session.refresh(cycle)
    assert cycle.revealed_at is None  # it waits for Gamma now
    submit(cycle, gamma.user)
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    agree_all(cycle, [world.a.admin, world.b.admin, gamma.user])
    assert cycle.stage == "adapt"
    late = admit_party(world.partnership, "Delta Partners", name="Dee Delta")
    assert not party_changes.admit_into_open_cycle(cycle, late.party)  # past Review: from the next cycle
    assert late.party_id not in {p.id for p in cycles.parties_of_cycle(cycle)}


def test_when_a_party_leaves_the_open_cycle_stops_waiting_for_it(world):
    from app.partnerships import leaving

    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q4")
    submit(cycle, world.a.admin)
    leaving.leave_for_party(load_membership(world.partnership.id, world.b.admin), "Leaving.")
    db.session.commit()
    db.session.refresh(cycle)
    assert [p.name for p in cycles.parties_of_cycle(cycle)] == ["Alpha Ltd"]
    assert cycle.revealed_at is not None  # the one remaining party had submitted
    agree_all(cycle, [world.a.admin])
    assert cycle.stage == "adapt"


def test_a_party_that_submitted_stays_in_the_cycle_it_left(world):
    from app.partnerships import leaving

    gamma = admit_party(world.partnership)
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q4")
    for person in (world.a.admin, world.b.admin, gamma.user):
        submit(cycle, person)
    agree_all(cycle, [world.a.admin, world.b.admin, gamma.user])
    assert cycle.stage == "adapt"
    stages.agree(load_membership(world.partnership.id, world.a.admin), cycle, "adapt")
    stages.agree(load_membership(world.partnership.id, gamma.user), cycle, "adapt")
    db.session.commit()
    leaving.leave_for_party(load_membership(world.partnership.id, world.b.admin), "Leaving.")
    db.session.commit()
    db.session.refresh(cycle)
    # Beta's submitted review stays part of the record; the cycle no longer waits for its agreement.
    assert [p.name for p in cycles.parties_of_cycle(cycle)] == ["Alpha Ltd", "Beta GmbH", "Gamma Corp"]
    assert cycle.stage == "improve"
    assert [w.party.name for w in stepper(cycle, utcnow().date()).waiting] == ["Alpha Ltd", "Gamma Corp"]
