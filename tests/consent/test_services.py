"""Consent, through its services: who may propose and answer, every way a proposal ends, and
what each leaves behind (the change or none, audit events, notifications, reminders)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.consent import profile, services
from app.consent.models import Proposal
from app.extensions import db
from app.inputs import CONTROL_MESSAGE
from app.jobs import run_periodic
from app.notifications.delivery import send_due
from app.partnerships.models import Partnership
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.consent import add_third_party, details, events, fresh, member, notified, propose_rename
from tests.support.factories import make_organisation_user, make_partnership


def _name(world) -> str:
    db.session.expire_all()
    return db.session.get(Partnership, world.partnership.id).name


def _answer(world, user, proposal, answer="agree", reason="", **kwargs):
    result = services.respond(member(world.partnership.id, user), fresh(proposal), answer, reason, **kwargs)
    db.session.commit()
    return result


def _refused(world, user, proposal, answer="agree", reason="", **kwargs) -> services.ConsentError:
    with pytest.raises(RuleViolation) as refused:
        services.respond(member(world.partnership.id, user), fresh(proposal), answer, reason, **kwargs)
    if getattr(refused.value, "ended", False):
        db.session.commit()
    else:
        db.session.rollback()
    return refused.value


# -- proposing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_only_an_admin_proposes(two_parties, who):
    user = getattr(two_parties.a, who)
    membership = member(two_parties.partnership.id, user)
    with pytest.raises(services.ConsentError) as refused:
        profile.propose_changes(membership, details(two_parties.partnership, name="Mine now"))
    assert refused.value.status == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0
    assert _name(two_parties) == "Alpha–Beta Alliance"


def test_a_proposal_asks_every_other_party_and_changes_nothing_yet(two_parties):
    proposal = propose_rename(two_parties)
    assert proposal.status == "open"
    assert proposal.asked_party_ids == [two_parties.b.party.id]
    assert proposal.payload == {"changes": {"name": ["Alpha–Beta Alliance", "Renamed Alliance"]}}
    assert proposal.summary == "Change the partnership's name"
    assert proposal.expires_at - proposal.created_at == timedelta(days=14)
    assert _name(two_parties) == "Alpha–Beta Alliance"
    [made] = events("proposal.made")
    assert made.actor_id == two_parties.a.admin.id and made.details["asked"] == 1


def test_nothing_differs_proposes_nothing(two_parties):
    membership = member(two_parties.partnership.id, two_parties.a.admin)
    assert profile.propose_changes(membership, details(two_parties.partnership, name=" Alpha–Beta Alliance ")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_one_open_profile_proposal_at_a_time(two_parties):
    first = propose_rename(two_parties)
    for user in (two_parties.a.admin, two_parties.b.admin):
        membership = member(two_parties.partnership.id, user)
        with pytest.raises(services.ConsentError) as refused:
            profile.propose_changes(membership, details(two_parties.partnership, purpose="Another purpose."))
        db.session.rollback()
        assert refused.value.status == 409
        assert "Alpha Ltd already proposed this" in refused.value.message
    _answer(two_parties, two_parties.b.admin, first, "decline", "Not now.")
    assert propose_rename(two_parties, name="Second try").status == "open"  # once decided, a new one may follow


def test_the_proposal_lifetime_comes_from_the_partnership(two_parties):
    two_parties.partnership.proposal_ttl_days = 3
    db.session.commit()
    proposal = propose_rename(two_parties)
    assert proposal.expires_at - proposal.created_at == timedelta(days=3)


@pytest.mark.parametrize("field, value, message", [
    ("name", "  ", "Give the partnership a name."),
    ("type", "conglomerate", "Choose a type from the list."),
    ("status", "paused", "Choose a status from the list."),
    ("review_cadence_months", 5, "Choose a cadence from the list."),
    ("proposal_ttl_days", 91, "Enter a number of days from 1 to 90."),
    ("proposal_ttl_days", 0, "Enter a number of days from 1 to 90."),
    ("balance_band_points", 4, "Enter a band from 5 to 50 points."),
    ("balance_band_points", 51, "Enter a band from 5 to 50 points."),
])
def test_bad_values_are_refused_at_their_field(two_parties, field, value, message):
    membership = member(two_parties.partnership.id, two_parties.a.admin)
    with pytest.raises(RuleViolation) as refused:
        profile.propose_changes(membership, details(two_parties.partnership, **{field: value}))
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_partnership_of_one_party_changes_at_once(app):
    creator = make_organisation_user("Solo Ltd")
    partnership = make_partnership(creator, name="Solo Plan")
    db.session.commit()
    proposal = profile.propose_changes(member(partnership.id, creator),
                                         details(partnership, name="Solo Plan 2", review_cadence_months=6))
    db.session.commit()
    assert proposal.status == "agreed" and proposal.asked_party_ids == []
    assert "no other party" in proposal.outcome
    db.session.expire_all()
    changed = db.session.get(Partnership, partnership.id)
    assert (changed.name, changed.review_cadence_months) == ("Solo Plan 2", 6)
    [updated] = events("partnership.updated")
    assert updated.details["name"] == ["Solo Plan", "Solo Plan 2"] and updated.details["proposal"] == proposal.id
    assert len(events("proposal.applied")) == 1


# -- agreeing and declining --------------------------------------------------------------------


def test_the_other_partys_agreement_makes_exactly_the_proposed_change(two_parties):
    proposal = propose_rename(two_parties, review_cadence_months=6, status="active")
    result = _answer(two_parties, two_parties.b.admin, proposal)
    assert result.status == "agreed" and result.decided_at is not None
    db.session.expire_all()
    partnership = db.session.get(Partnership, two_parties.partnership.id)
    assert (partnership.name, partnership.review_cadence_months, partnership.status) == (
        "Renamed Alliance", 6, "active")
    assert partnership.purpose == "Grow together."  # not proposed, not touched
    assert [e.actor_id for e in events("proposal.agreed")] == [two_parties.b.admin.id]
    assert len(events("proposal.applied")) == 1
    assert events("partnership.updated")[0].actor_id == two_parties.a.admin.id  # the change is the proposer's


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_only_an_admin_answers_for_their_party(two_parties, who):
    proposal = propose_rename(two_parties)
    refused = _refused(two_parties, getattr(two_parties.b, who), proposal)
    assert refused.status == 403 and "Only an admin of Beta GmbH" in refused.message
    assert fresh(proposal).status == "open" and _name(two_parties) == "Alpha–Beta Alliance"


def test_the_proposing_party_does_not_answer_its_own_proposal(two_parties):
    proposal = propose_rename(two_parties)
    refused = _refused(two_parties, two_parties.a.admin, proposal)
    assert refused.status == 403 and "Your party proposed this" in refused.message


def test_a_party_answers_once(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    _answer(two_parties, two_parties.b.admin, proposal)
    for answer in ("agree", "decline"):
        refused = _refused(two_parties, two_parties.b.admin, proposal, answer, "Changed my mind.")
        assert refused.status == 409 and "Bob Admin already answered for Beta GmbH (agreed)" in refused.message
    assert fresh(proposal).status == "open" and len(fresh(proposal).responses) == 1
    assert third.party.id in [p.id for p in services.waiting_for(fresh(proposal))]


def test_a_decline_needs_a_reason_and_ends_the_proposal(two_parties):
    proposal = propose_rename(two_parties)
    refused = _refused(two_parties, two_parties.b.admin, proposal, "decline", "   ")
    assert refused.field == "reason" and "Give your reason for declining" in refused.message
    assert fresh(proposal).status == "open"
    result = _answer(two_parties, two_parties.b.admin, proposal, "decline", "  We keep the name.  ")
    assert result.status == "declined"
    assert result.outcome == "Declined by Beta GmbH: “We keep the name.”"
    assert result.responses[0].reason == "We keep the name."
    assert _name(two_parties) == "Alpha–Beta Alliance"
    [declined] = events("proposal.declined")
    assert declined.details["reason"] == "We keep the name."
    assert not events("partnership.updated") and not events("proposal.applied")


@pytest.mark.parametrize("reason, message", [
    ("No\x00thanks", CONTROL_MESSAGE),
    ("No\x1bthanks", CONTROL_MESSAGE),
    ("x" * (services.REASON_MAX + 1), f"Keep it under {services.REASON_MAX} characters"),
])
def test_a_bad_reason_is_refused_and_changes_nothing(two_parties, reason, message):
    proposal = propose_rename(two_parties)
    refused = _refused(two_parties, two_parties.b.admin, proposal, "decline", reason)
    assert refused.field == "reason" and message in refused.message
    assert fresh(proposal).status == "open" and not fresh(proposal).responses


def test_an_answer_other_than_agree_or_decline_is_refused(two_parties):
    proposal = propose_rename(two_parties)
    assert _refused(two_parties, two_parties.b.admin, proposal, "maybe").status == 400


def test_three_parties_need_both_others(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    assert sorted(proposal.asked_party_ids) == sorted([two_parties.b.party.id, third.party.id])
    assert _answer(two_parties, third.admin, proposal).status == "open"
    assert _name(two_parties) == "Alpha–Beta Alliance"
    assert [p.name for p in services.waiting_for(fresh(proposal))] == ["Beta GmbH"]
    assert _answer(two_parties, two_parties.b.admin, proposal).status == "agreed"
    assert _name(two_parties) == "Renamed Alliance"


def test_three_parties_one_decline_after_an_agreement_ends_it(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    _answer(two_parties, third.admin, proposal)
    assert _answer(two_parties, two_parties.b.admin, proposal, "decline", "No.").status == "declined"
    assert _name(two_parties) == "Alpha–Beta Alliance"
    refused = _refused(two_parties, third.admin, proposal)
    assert refused.status == 409 and "already declined" in refused.message


# -- withdrawing -------------------------------------------------------------------------------


def test_the_proposing_partys_admin_withdraws(two_parties):
    proposal = propose_rename(two_parties)
    for user in (two_parties.a.editor, two_parties.b.admin):
        with pytest.raises(services.ConsentError) as refused:
            services.withdraw(member(two_parties.partnership.id, user), fresh(proposal))
        db.session.rollback()
        assert refused.value.status == 403
    services.withdraw(member(two_parties.partnership.id, two_parties.a.admin), fresh(proposal))
    db.session.commit()
    assert fresh(proposal).status == "withdrawn" and "Withdrawn by Ada Admin (Alpha Ltd)" in fresh(proposal).outcome
    assert len(events("proposal.withdrawn")) == 1
    refused = _refused(two_parties, two_parties.b.admin, proposal)
    assert refused.status == 409 and "already withdrawn" in refused.message
    with pytest.raises(services.ConsentError) as again:
        services.withdraw(member(two_parties.partnership.id, two_parties.a.admin), fresh(proposal))
    assert again.value.status == 409
    db.session.rollback()
    assert _name(two_parties) == "Alpha–Beta Alliance"


def test_another_admin_of_the_proposing_party_may_withdraw(two_parties):
    proposal = propose_rename(two_parties)
    colleague = member(two_parties.partnership.id, two_parties.a.editor)
    colleague.role = "admin"
    db.session.commit()
    services.withdraw(member(two_parties.partnership.id, two_parties.a.editor), fresh(proposal))
    db.session.commit()
    assert fresh(proposal).status == "withdrawn"


# -- expiry ------------------------------------------------------------------------------------


def test_an_answer_after_expiry_is_refused_and_the_proposal_stays_expired(two_parties):
    proposal = propose_rename(two_parties)
    later = proposal.expires_at + timedelta(seconds=1)
    refused = _refused(two_parties, two_parties.b.admin, proposal, at=later)
    assert refused.status == 409 and "expired before every party answered" in refused.message
    proposal = fresh(proposal)
    assert proposal.status == "expired" and not proposal.responses  # the ending is kept, the answer is not
    assert _name(two_parties) == "Alpha–Beta Alliance"
    assert len(events("proposal.expired")) == 1
    assert two_parties.a.admin.id in notified("proposal_outcome")


def test_the_expiry_job_expires_overdue_proposals_only(two_parties):
    overdue = propose_rename(two_parties)
    overdue.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert services.expire_overdue() == 1
    db.session.commit()
    assert fresh(overdue).status == "expired" and fresh(overdue).outcome.startswith("Nobody decided")
    assert services.expire_overdue() == 0


def test_the_periodic_job_expires_proposals(two_parties):
    proposal = propose_rename(two_parties)
    db.session.execute(sa.update(Proposal).where(Proposal.id == proposal.id)
                       .values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    run_periodic("expire_proposals")
    assert fresh(proposal).status == "expired"
    assert len(events("proposal.expired")) == 1
    run_periodic("expire_proposals")
    assert len(events("proposal.expired")) == 1
    assert _name(two_parties) == "Alpha–Beta Alliance"


def test_an_open_proposal_within_its_time_is_left_alone(two_parties):
    proposal = propose_rename(two_parties)
    assert services.expire_overdue(proposal.expires_at - timedelta(seconds=1)) == 0
    assert _answer(two_parties, two_parties.b.admin, proposal,
                   at=proposal.expires_at - timedelta(seconds=1)).status == "agreed"


def test_withdrawing_after_expiry_finds_it_expired(two_parties):
    proposal = propose_rename(two_parties)
    with pytest.raises(services.ConsentError) as refused:
        services.withdraw(member(two_parties.partnership.id, two_parties.a.admin), fresh(proposal),
                          at=proposal.expires_at)
    assert refused.value.ended
    db.session.commit()
    assert fresh(proposal).status == "expired"


# -- lapsing -----------------------------------------------------------------------------------


def test_a_party_joining_lapses_open_proposals(two_parties):
    proposal = propose_rename(two_parties)
    add_third_party(two_parties)
    proposal = fresh(proposal)
    assert proposal.status == "lapsed"
    assert proposal.outcome == "Delta Co joined the partnership, so every party must be asked again."
    refused = _refused(two_parties, two_parties.b.admin, proposal)
    assert refused.status == 409 and "already lapsed" in refused.message
    assert _name(two_parties) == "Alpha–Beta Alliance"
    assert len(events("proposal.lapsed")) == 1


def test_parties_changed_unnoticed_lapse_it_at_the_next_answer(two_parties):
    """A party leaving may not lapse proposals itself; the answer notices the parties changed."""
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    third_party = db.session.get(type(third.party), third.party.id)
    third_party.left_at = utcnow()
    db.session.commit()
    refused = _refused(two_parties, two_parties.b.admin, proposal)
    assert refused.status == 409 and refused.ended and "parties changed" in refused.message
    proposal = fresh(proposal)
    assert proposal.status == "lapsed" and not proposal.responses
    assert _name(two_parties) == "Alpha–Beta Alliance"


def test_a_kind_whose_check_fails_lapses_and_changes_nothing(two_parties, checked_kind):
    membership = member(two_parties.partnership.id, two_parties.a.admin)
    proposal = services.propose(membership, checked_kind.key,
                                {"purpose": "Checked purpose.", "only_if_name": "Alpha–Beta Alliance"},
                                summary="Set the purpose")
    db.session.commit()
    partnership = db.session.get(Partnership, two_parties.partnership.id)
    partnership.name = "Moved On"
    db.session.commit()
    result = _answer(two_parties, two_parties.b.admin, proposal)
    assert result.status == "lapsed"
    assert result.outcome == "It no longer applies: the name is no longer the one it was proposed for."
    db.session.expire_all()
    assert db.session.get(Partnership, two_parties.partnership.id).purpose == "Grow together."
    assert len(events("proposal.lapsed")) == 1 and not events("proposal.applied")


def test_a_kind_lapsing_while_applying_rolls_back_its_partial_change(two_parties, checked_kind):
    membership = member(two_parties.partnership.id, two_parties.a.admin)
    proposal = services.propose(membership, checked_kind.key, {"purpose": "Half made.", "lapse_on_apply": True},
                                summary="Set the purpose")
    db.session.commit()
    assert _answer(two_parties, two_parties.b.admin, proposal).status == "lapsed"
    db.session.expire_all()
    assert db.session.get(Partnership, two_parties.partnership.id).purpose == "Grow together."


def test_a_profile_proposal_lapses_when_a_field_moved_on(two_parties):
    proposal = propose_rename(two_parties)
    partnership = db.session.get(Partnership, two_parties.partnership.id)
    partnership.name = "Changed Elsewhere"
    db.session.commit()
    result = _answer(two_parties, two_parties.b.admin, proposal)
    assert result.status == "lapsed" and "the name changed since it was proposed" in result.outcome
    assert _name(two_parties) == "Changed Elsewhere"


# -- kinds a signatory answers -----------------------------------------------------------------


def test_a_signatory_kind_is_answered_by_a_signatory_not_by_an_admin(two_parties, signatory_kind):
    pid = two_parties.partnership.id
    member(pid, two_parties.b.admin).is_signatory = False
    member(pid, two_parties.b.editor).is_signatory = True
    db.session.commit()
    proposal = services.propose(member(pid, two_parties.a.admin), signatory_kind.key, {"purpose": "Signed purpose."},
                                summary="Set the purpose")
    db.session.commit()
    assert proposal.answered_by == "signatory"
    assert set(notified("proposal_waiting")) == {two_parties.b.editor.id}
    refused = _refused(two_parties, two_parties.b.admin, proposal)
    assert refused.status == 403 and "Only a signatory of Beta GmbH" in refused.message
    assert _answer(two_parties, two_parties.b.editor, proposal).status == "agreed"
    db.session.expire_all()
    assert db.session.get(Partnership, pid).purpose == "Signed purpose."


def test_an_editor_signatory_may_not_propose(two_parties, signatory_kind):
    pid = two_parties.partnership.id
    member(pid, two_parties.a.editor).is_signatory = True
    db.session.commit()
    with pytest.raises(services.ConsentError) as refused:
        services.propose(member(pid, two_parties.a.editor), signatory_kind.key, {"purpose": "x"}, summary="x")
    assert refused.value.status == 403


def test_open_proposals_are_one_per_target(two_parties, signatory_kind):
    pid = two_parties.partnership.id
    services.propose(member(pid, two_parties.a.admin), signatory_kind.key, {"purpose": "x", "target": "one"},
                     summary="One")
    services.propose(member(pid, two_parties.a.admin), signatory_kind.key, {"purpose": "y", "target": "two"},
                     summary="Two")
    with pytest.raises(services.ConsentError):
        services.propose(member(pid, two_parties.b.admin), signatory_kind.key, {"purpose": "z", "target": "one"},
                         summary="One again")


# -- notifications, audit, reminders -----------------------------------------------------------


def test_the_asked_partys_admins_are_notified_and_everyone_hears_the_outcome(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    waiting = notified("proposal_waiting")
    assert set(waiting) == {two_parties.b.admin.id, third.admin.id}  # admins of the asked parties only
    [note] = waiting[two_parties.b.admin.id]
    assert note.title == "Alpha Ltd asks for your party's agreement: Change the partnership's name"
    assert note.link == f"/partnerships/{two_parties.partnership.id}/proposals/{proposal.id}"
    _answer(two_parties, third.admin, proposal)
    assert not notified("proposal_outcome")  # not decided yet
    _answer(two_parties, two_parties.b.admin, proposal)
    outcome = notified("proposal_outcome")
    # Every admin and the proposer hear it, except whoever decided it.
    assert set(outcome) == {two_parties.a.admin.id, third.admin.id}
    assert outcome[two_parties.a.admin.id][0].title == "Agreed: Change the partnership's name"


def test_a_decline_tells_the_proposer(two_parties):
    proposal = propose_rename(two_parties)
    _answer(two_parties, two_parties.b.admin, proposal, "decline", "Not this year.")
    [note] = notified("proposal_outcome")[two_parties.a.admin.id]
    assert note.title == "Declined: Change the partnership's name" and "Not this year." in note.body


def test_the_audit_trail_tells_the_whole_story(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    _answer(two_parties, third.admin, proposal)
    _answer(two_parties, two_parties.b.admin, proposal)
    story = [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(sa.or_(AuditEvent.action.startswith("proposal."),
                                           AuditEvent.action == "partnership.updated"))
        .order_by(AuditEvent.id))]
    assert story == ["proposal.made", "proposal.agreed", "proposal.agreed", "partnership.updated", "proposal.applied"]
    assert {e.party_id for e in events("proposal.agreed")} == {third.party.id, two_parties.b.party.id}


def test_reminders_go_three_days_before_expiry_once(two_parties):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    _answer(two_parties, third.admin, proposal)
    send_due(proposal.expires_at - timedelta(days=4))
    assert not notified("proposal_waiting", key_prefix="proposal_reminder")
    send_due(proposal.expires_at - timedelta(days=2, hours=23))
    send_due(proposal.expires_at - timedelta(days=1))
    reminders = notified("proposal_waiting", key_prefix="proposal_reminder")
    assert set(reminders) == {two_parties.b.admin.id}  # Delta answered; Beta has not
    [reminder] = reminders[two_parties.b.admin.id]
    assert reminder.title.startswith("Beta GmbH's answer is still needed by")


def test_no_reminder_for_a_decided_or_expired_proposal(two_parties):
    proposal = propose_rename(two_parties)
    send_due(proposal.expires_at + timedelta(minutes=1))
    _answer(two_parties, two_parties.b.admin, proposal, "decline", "No.")
    send_due(proposal.expires_at - timedelta(days=1))
    assert not notified("proposal_waiting", key_prefix="proposal_reminder")


# -- reading -----------------------------------------------------------------------------------


def test_lists_and_waiting(two_parties):
    proposal = propose_rename(two_parties)
    pid, b_party = two_parties.partnership.id, two_parties.b.party.id
    assert [p.id for p in services.waiting_on_party(pid, b_party)] == [proposal.id]
    assert services.waiting_on_party(pid, two_parties.a.party.id) == []
    assert [p.id for p in services.open_proposals(pid)] == [proposal.id]
    _answer(two_parties, two_parties.b.admin, proposal)
    assert services.open_proposals(pid) == [] and services.waiting_on_party(pid, b_party) == []
    assert [p.id for p in services.decided_proposals(pid)] == [proposal.id]
