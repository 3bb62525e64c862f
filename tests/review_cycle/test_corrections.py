"""Reopening a submitted assessment to correct it: by every party's agreement, before or after
the reveal; the original stays in the record; before the reveal nothing of it leaks."""

import re

import pytest
import sqlalchemy as sa

from app.consent import services as consent
from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import assessments, corrections, stages
from app.review_cycle.models import AssessmentSubmission
from tests.support.review_cycle import agree_all, assessment_form, assessment_input, open_cycle, submit
from tests.support.routes import difference, snapshot


def _member(world, user):
    return load_membership(world.partnership.id, user)


def _propose(world, cycle, reason="We typed 10 where 97.1 was meant."):
    proposal = corrections.propose_correction(_member(world, world.a.admin), cycle, reason)
    db.session.commit()
    return proposal


def _agree(world, proposal):
    consent.respond(_member(world, world.b.admin), proposal, "agree")
    db.session.commit()


def _url(world, cycle, suffix=""):
    return f"/partnerships/{world.partnership.id}/reviews/{cycle.id}{suffix}"


def test_before_the_reveal_the_correction_reopens_and_the_resubmission_reveals(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4, actual="10")
    proposal = _propose(world, cycle)
    assert proposal.summary == f"Reopen Alpha Ltd's submitted assessment of {cycle.period} to correct it"
    assert consent.details_visible(proposal, world.b.party.id) is False  # the reason stays with Alpha
    assert consent.details_visible(proposal, world.a.party.id) is True
    _agree(world, proposal)
    own = assessments.own_assessment(cycle, world.a.party.id)
    assert own.submitted_at is None and own.measures  # its draft again, as submitted
    [first] = own.submissions
    assert first.superseded_at is not None and first.superseded_by_proposal_id == proposal.id
    submit(cycle, world.b.editor, 3)
    db.session.refresh(cycle)
    assert cycle.revealed_at is None  # Alpha is correcting: nothing is revealed
    submit(cycle, world.a.editor, 5, actual="97.1")
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    numbers = db.session.scalars(sa.select(AssessmentSubmission.number).where(
        AssessmentSubmission.assessment_id == own.id).order_by(AssessmentSubmission.number)).all()
    assert numbers == [1, 2]
    [correction] = corrections.corrections_of(cycle)
    assert correction.party.id == world.a.party.id and correction.corrected_at is not None


def test_after_the_reveal_everyone_reads_the_original_until_the_correction_is_in(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4, comment="ORIGINALWORDS")
    submit(cycle, world.b.editor, 3)
    db.session.refresh(cycle)
    assert cycle.revealed_at is not None
    proposal = _propose(world, cycle)
    assert consent.details_visible(proposal, world.b.party.id) is True  # revealed: nothing left to hide
    _agree(world, proposal)
    a = _member(world, world.a.editor)
    assessments.save_draft(a, cycle, assessment_input(cycle, a.party_id, 2, comment="DRAFTWORDS"))
    db.session.commit()
    for viewer in (world.b.viewer, world.a.viewer):
        seen = assessments.visible_assessments(cycle, _member(world, viewer))[world.a.party.id]
        assert "ORIGINALWORDS" in str(seen.scores) and "DRAFTWORDS" not in str(seen.scores)
    assert "correcting its assessment" in stages.what_blocks(cycle)
    with pytest.raises(Exception, match="correcting its assessment"):
        stages.agree(_member(world, world.b.admin), cycle, "review")
    db.session.rollback()
    assessments.submit(a, cycle, assessment_input(cycle, a.party_id, 2, comment="DRAFTWORDS"))
    db.session.commit()
    seen = assessments.visible_assessments(cycle, _member(world, world.b.viewer))[world.a.party.id]
    assert "DRAFTWORDS" in str(seen.scores)
    assert stages.what_blocks(cycle) is None


def test_a_correction_in_a_later_stage_reopens_the_assessment_there(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4)
    submit(cycle, world.b.editor, 3)
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "adapt"
    _agree(world, _propose(world, cycle))
    a = _member(world, world.a.editor)
    assessments.submit(a, cycle, assessment_input(cycle, a.party_id, 5))
    db.session.commit()
    assert assessments.own_assessment(cycle, a.party_id).submitted_at is not None
    with pytest.raises(Exception, match="moved on from the Review stage"):
        assessments.save_draft(_member(world, world.b.editor), cycle, assessment_input(cycle, world.b.party.id, 1))


def test_refusals(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    with pytest.raises(consent.ConsentError, match="no submitted assessment") as nothing:
        corrections.propose_correction(_member(world, world.a.admin), cycle, "Oops.")
    assert nothing.value.status == 409
    submit(cycle, world.a.editor)
    with pytest.raises(consent.ConsentError) as editor:
        corrections.propose_correction(_member(world, world.a.editor), cycle, "Oops.")
    assert editor.value.status == 403
    with pytest.raises(Exception, match="Give a reason"):
        corrections.propose_correction(_member(world, world.a.admin), cycle, " ")
    db.session.rollback()
    _propose(world, cycle)
    with pytest.raises(consent.ConsentError, match="already proposed") as twice:
        corrections.propose_correction(_member(world, world.a.admin), cycle, "Again.")
    assert twice.value.status == 409


def test_a_correction_lapses_when_the_cycle_closed_meanwhile(world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    for _stage in range(3):
        agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "operate"
    proposal = _propose(world, cycle)
    agree_all(cycle, [world.a.admin, world.b.admin])
    assert cycle.stage == "closed"
    _agree(world, proposal)
    assert proposal.status == "lapsed" and "closed" in proposal.outcome
    assert assessments.own_assessment(cycle, world.a.party.id).submitted_at is not None
    with pytest.raises(consent.ConsentError, match="is closed"):
        corrections.propose_correction(_member(world, world.a.admin), cycle, "Too late.")


# -- pages ----------------------------------------------------------------------------------------


def test_submitting_checks_first_then_asks_to_confirm(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    editor = client_as(world.a.editor)
    url = _url(world, cycle, "/assessment")
    page = editor.get(url).text
    assert "data-confirm" not in page and "cannot change afterwards" not in page
    incomplete = editor.submit(url, {"action": "submit"})
    assert incomplete.status_code == 422 and "Submit now" not in incomplete.text
    assert "before submitting" in incomplete.text
    form = assessment_form(cycle, world.a.party.id, 4, text="Checked text")
    checked = editor.submit(url, {**form, "action": "submit"})
    assert checked.status_code == 200 and "Submit now" in checked.text and "cannot change afterwards" in checked.text
    assert assessments.own_assessment(cycle, world.a.party.id).achievements == "Checked text"  # saved as the draft
    checked_at = re.search(r'name="checked_at" value="([^"]+)"', checked.text).group(1)
    editor.submit(url, {**form, "achievements": "Changed by a colleague", "action": "save"})
    stale = editor.submit(url, {"action": "confirm", "checked_at": checked_at}, follow_redirects=True)
    assert "changed after it was checked" in stale.text
    assert assessments.own_assessment(cycle, world.a.party.id).submitted_at is None
    checked = editor.submit(url, {**form, "action": "submit"})
    checked_at = re.search(r'name="checked_at" value="([^"]+)"', checked.text).group(1)
    done = editor.submit(url, {"action": "confirm", "checked_at": checked_at})
    assert done.status_code == 302
    own = assessments.own_assessment(cycle, world.a.party.id)
    assert own.submitted_at is not None and own.achievements == "Checked text"


def test_a_draft_save_racing_the_check_is_never_confirmed_as_checked(world, client_as):
    """A save that lands right after the check's commit (an autosave sent just before the person
    pressed Submit) must neither be shown as what was checked nor be submitted by "Submit now":
    the confirmation says the draft changed."""
    from sqlalchemy.orm import Session

    from app.review_cycle.models import Assessment

    cycle = open_cycle(world.partnership, world.a.admin)
    editor = client_as(world.a.editor)
    url = _url(world, cycle, "/assessment")
    form = assessment_form(cycle, world.a.party.id, 4, text="Checked text")
    racing = []

    def late_save(session):
        if racing and racing.pop():  # once: the first commit of the submit request
            with db.engine.begin() as connection:  # another request's transaction, committed
                connection.execute(sa.update(Assessment).where(Assessment.cycle_id == cycle.id)
                                   .values(achievements="Stale autosave", updated_at=sa.func.current_timestamp()))

    sa.event.listen(Session, "after_commit", late_save)
    try:
        racing.append(True)
        checked = editor.submit(url, {**form, "action": "submit"})
    finally:
        sa.event.remove(Session, "after_commit", late_save)
    assert not racing  # the racing save did land
    assert checked.status_code == 200 and "Checked text" in checked.text and "Stale autosave" not in checked.text
    checked_at = re.search(r'name="checked_at" value="([^"]+)"', checked.text).group(1)
    stale = editor.submit(url, {"action": "confirm", "checked_at": checked_at}, follow_redirects=True)
    assert stale.status_code == 200 and "changed after it was checked" in stale.text
    assert assessments.own_assessment(cycle, world.a.party.id).submitted_at is None


def test_the_correction_journey_through_the_pages(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4, actual="10")
    ada, bob = client_as(world.a.admin), client_as(world.b.admin)
    page = ada.get(_url(world, cycle, "/assessment")).text
    assert "Ask to reopen it for a correction" in page
    missing = ada.submit(_url(world, cycle, "/assessment/correction"), {"reason": ""})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    asked = ada.submit(_url(world, cycle, "/assessment/correction"), {"reason": "SECRETREASON typo in the actual"})
    assert asked.status_code == 302
    proposal = corrections.open_correction(assessments.own_assessment(cycle, world.a.party.id))
    shown = bob.get(f"/partnerships/{world.partnership.id}/proposals/{proposal.id}").text
    assert "Reopen Alpha Ltd&#39;s submitted assessment" in shown and "SECRETREASON" not in shown
    assert "learns only that Alpha Ltd asked to correct its assessment" in shown
    assert "SECRETREASON" in ada.get(f"/partnerships/{world.partnership.id}/proposals/{proposal.id}").text
    again = ada.submit(_url(world, cycle, "/assessment/correction"), {"reason": "Again"})
    assert again.status_code == 409 and "already proposed" in again.text
    assert bob.submit(f"/partnerships/{world.partnership.id}/proposals/{proposal.id}/agree").status_code == 302
    reopened = ada.get(_url(world, cycle, "/assessment")).text
    assert "correct it and submit it again" in reopened and "data-autosave" in reopened
    submit(cycle, world.b.editor, 3)
    submit(cycle, world.a.editor, 4, actual="97.1")
    results = bob.get(_url(world, cycle, "/results")).text
    assert "corrected its assessment on" in results and "What Alpha Ltd first submitted" in results
    assert "97.1" in results and "SECRETREASON" not in results


def test_bad_correction_requests_change_nothing(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    editor, outsider, ada = client_as(world.a.editor), client_as(world.outsider), client_as(world.a.admin)
    before = snapshot()
    url = _url(world, cycle, "/assessment/correction")
    assert editor.submit(url, {"reason": "x"}).status_code == 403
    assert outsider.submit(url, {"reason": "x"}).status_code == 404
    assert ada.post(url, data={"reason": "x"}).status_code == 400
    other = f"/partnerships/{world.outsider_partnership.id}/reviews/{cycle.id}/assessment/correction"
    assert outsider.submit(other, {"reason": "x"}).status_code == 404
    assert difference(before, snapshot()) == {}
