"""Consent through the pages: the proposal page for every party, answering it, every way of
answering it wrongly (which changes nothing), the home panel, the Proposals tab and Settings."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.consent.models import Proposal, ProposalResponse
from app.extensions import db
from app.partnerships.models import Partnership
from app.types import utcnow
from tests.support.consent import add_third_party, fresh, propose_rename
from tests.support.forms import invalid_fields
from tests.support.queries import count_queries

SETTINGS = {"name": "Alpha–Beta Alliance", "type": "strategic_alliance", "status": "forming",
            "purpose": "Grow together.", "start_date": "2025-01-15", "review_cadence_months": "3",
            "section_review_cadence_months": "3", "proposal_ttl_days": "14",
            "balance_band_points": "20"}


def _url(proposal, action: str = "") -> str:
    return f"/partnerships/{proposal.partnership_id}/proposals/{proposal.id}" + (f"/{action}" if action else "")


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def _unchanged(world, proposal) -> None:
    db.session.expire_all()
    assert db.session.get(Partnership, world.partnership.id).name == "Alpha–Beta Alliance"
    assert fresh(proposal).status == "open"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProposalResponse)) == 0


# -- the proposal page -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["a.admin", "a.viewer", "b.admin", "b.editor", "b.viewer"])
def test_every_member_reads_what_will_change(two_parties, client_as, who):
    proposal = propose_rename(two_parties, review_cadence_months=6)
    side, role = who.split(".")
    page = _text(client_as(getattr(getattr(two_parties, side), role)).get(_url(proposal)))
    assert "Change the partnership's name and review cadence" in page
    assert "Alpha–Beta Alliance" in page and "Renamed Alliance" in page
    assert "Quarterly" in page and "Half-yearly" in page
    assert "Agreed at the steering group." in page  # the proposer's reason
    assert "Proposed by Ada Admin (Alpha Ltd)" in page
    assert "Beta GmbH</strong>: not answered yet" in page
    can_answer = who == "b.admin"
    assert ("Agree</button>" in page) is can_answer and ("Decline</button>" in page) is can_answer
    assert ("Withdraw this proposal" in page) is (who == "a.admin")
    if side == "b" and role != "admin":
        assert "An admin of Beta GmbH answers for it." in page


def test_agreeing_on_the_page_makes_the_change_and_says_who_answered(two_parties, client_as):
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    response = bob.submit(_url(proposal, "agree"), {"reason": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(proposal))
    page = _text(bob.get(_url(proposal)))
    assert "Every party has agreed, so the change is made" in page
    assert "Agreed and made" in page
    assert 'Beta GmbH</strong>: <span class="answer-list__answer--agree">agreed</span> (Bob Admin,' in page
    assert "Agree</button>" not in page
    db.session.expire_all()
    assert db.session.get(Partnership, two_parties.partnership.id).name == "Renamed Alliance"


def test_three_parties_the_page_says_who_is_still_waited_for(two_parties, client_as):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    response = client_as(third.admin).submit(_url(proposal, "agree"), {}, follow_redirects=True)
    page = _text(response)
    assert "You agreed for Delta Co. Still waiting for Beta GmbH." in page
    assert 'Delta Co</strong>: <span class="answer-list__answer--agree">agreed</span> (Cat Admin' in page
    assert "Beta GmbH</strong>: not answered yet" in page


def test_declining_on_the_page_keeps_the_reason_for_every_party(two_parties, client_as):
    proposal = propose_rename(two_parties)
    response = client_as(two_parties.b.admin).submit(_url(proposal, "decline"), {"reason": "We keep the name."},
                                                     follow_redirects=True)
    assert "You declined; nothing changes" in _text(response)
    page = _text(client_as(two_parties.a.viewer).get(_url(proposal)))
    assert "Declined</span>" in page and '<q class="answer-list__reason">We keep the name.</q>' in page
    db.session.expire_all()
    assert db.session.get(Partnership, two_parties.partnership.id).name == "Alpha–Beta Alliance"


def test_withdrawing_on_the_page(two_parties, client_as):
    proposal = propose_rename(two_parties)
    ada = client_as(two_parties.a.admin)
    response = ada.submit(_url(proposal, "withdraw"), {}, csrf_field="withdraw-csrf_token", follow_redirects=True)
    page = _text(response)
    assert "You withdrew the proposal; nothing changes." in page and "Withdrawn</span>" in page
    assert "Withdraw this proposal" not in page
    assert fresh(proposal).status == "withdrawn"


# -- bad input changes nothing -----------------------------------------------------------------


@pytest.mark.parametrize("action", ["", "agree", "decline", "withdraw"])
def test_another_partnerships_proposal_is_not_found(two_parties, client_as, action):
    proposal = propose_rename(two_parties)
    outsider = client_as(two_parties.outsider)
    foreign = f"/partnerships/{two_parties.outsider_partnership.id}/proposals/{proposal.id}" + (
        f"/{action}" if action else "")
    # The outsider, in their own partnership with another's proposal id, and at its real URL.
    for client, url in ((outsider, foreign), (outsider, _url(proposal, action))):
        response = client.submit(url, {"reason": "x"}) if action else client.get(url)
        assert response.status_code == 404, url
    _unchanged(two_parties, proposal)


def test_a_member_of_another_partnership_gets_404_for_its_proposal(two_parties, client_as):
    """Bob is an admin of Alpha–Beta; a proposal of the Gamma partnership is not found for him,
    through his own partnership's URL or through Gamma's."""
    from app.consent import services
    from tests.support.consent import member

    gamma = two_parties.outsider_partnership
    theirs = services.propose(member(gamma.id, two_parties.outsider), "profile",
                              {"changes": {"name": [gamma.name, "Gamma 2"]}}, summary="Rename")
    db.session.commit()
    bob = client_as(two_parties.b.admin)
    for url in (f"/partnerships/{two_parties.partnership.id}/proposals/{theirs.id}",
                f"/partnerships/{gamma.id}/proposals/{theirs.id}"):
        assert bob.get(url).status_code == 404, url
        assert bob.submit(url + "/agree", {}).status_code == 404, url
        assert bob.submit(url + "/withdraw", {}, csrf_field="withdraw-csrf_token").status_code == 404, url


@pytest.mark.parametrize("proposal_id", ["99999", "2147483648", "99999999999999999999"])
def test_a_huge_or_unknown_id_is_not_found(two_parties, client_as, proposal_id):
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    base = f"/partnerships/{two_parties.partnership.id}/proposals/{proposal_id}"
    assert bob.get(base).status_code == 404
    assert bob.submit(base + "/agree", {}).status_code == 404
    _unchanged(two_parties, proposal)


@pytest.mark.parametrize("who", ["b.editor", "b.viewer", "a.admin"])
def test_who_may_not_answer_gets_403(two_parties, client_as, who):
    proposal = propose_rename(two_parties)
    side, role = who.split(".")
    client = client_as(getattr(getattr(two_parties, side), role))
    for action in ("agree", "decline"):
        response = client.submit(_url(proposal, action), {"reason": "Because."})
        assert response.status_code == 403
    _unchanged(two_parties, proposal)


@pytest.mark.parametrize("who", ["a.editor", "b.admin"])
def test_who_may_not_withdraw_gets_403(two_parties, client_as, who):
    proposal = propose_rename(two_parties)
    side, role = who.split(".")
    response = client_as(getattr(getattr(two_parties, side), role)).submit(
        _url(proposal, "withdraw"), {}, csrf_field="withdraw-csrf_token")
    assert response.status_code == 403
    _unchanged(two_parties, proposal)


def test_answering_twice_is_409(two_parties, client_as):
    third = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    assert bob.submit(_url(proposal, "agree"), {}).status_code == 302
    response = bob.submit(_url(proposal, "decline"), {"reason": "Second thoughts."})
    assert response.status_code == 409 and "already answered for Beta GmbH" in _text(response)
    assert [r.answer for r in fresh(proposal).responses] == ["agree"]
    assert fresh(proposal).status == "open" and third


def test_answering_a_decided_proposal_is_409(two_parties, client_as):
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    assert bob.submit(_url(proposal, "agree"), {}).status_code == 302
    response = bob.submit(_url(proposal, "agree"), {})
    assert response.status_code == 409


def test_answering_after_expiry_is_409_and_the_proposal_shows_expired(two_parties, client_as):
    proposal = propose_rename(two_parties)
    db.session.execute(sa.update(Proposal).where(Proposal.id == proposal.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    bob = client_as(two_parties.b.admin)
    page = _text(bob.get(_url(proposal)))
    assert "expired before every party answered" in page and "Agree</button>" not in page
    response = bob.submit(_url(proposal, "agree"), {})
    assert response.status_code == 409 and "expired before every party answered" in _text(response)
    db.session.expire_all()
    assert db.session.get(Partnership, two_parties.partnership.id).name == "Alpha–Beta Alliance"
    assert fresh(proposal).status == "expired"  # what the answer found is kept
    assert not fresh(proposal).responses


def test_missing_csrf_is_400(two_parties, client_as):
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    assert bob.post(_url(proposal, "agree"), data={}).status_code == 400
    assert bob.post(_url(proposal, "decline"), data={"reason": "No."}).status_code == 400
    ada = client_as(two_parties.a.admin)
    assert ada.post(_url(proposal, "withdraw"), data={}).status_code == 400
    _unchanged(two_parties, proposal)


def test_a_decline_without_reason_is_422_with_the_message_at_the_field(two_parties, client_as):
    proposal = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    response = bob.submit(_url(proposal, "decline"), {"reason": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="reason-error">Give your reason for declining: the other parties read it.<', page)
    assert invalid_fields(page) == ["reason"]
    _unchanged(two_parties, proposal)


@pytest.mark.parametrize("reason, message", [
    ("x" * 2001, "Field cannot be longer than 2000 characters."),
    ("We\x07 decline", "Remove the invisible control characters"),
])
def test_a_bad_reason_is_422_and_what_was_typed_is_kept(two_parties, client_as, reason, message):
    proposal = propose_rename(two_parties)
    response = client_as(two_parties.b.admin).submit(_url(proposal, "decline"), {"reason": reason})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="reason-error">' in page and message in page
    if len(reason) > 100:
        assert reason in page  # what was typed is still in the field
    _unchanged(two_parties, proposal)


# -- the home panel and the Proposals tab ------------------------------------------------------


def test_the_home_page_shows_what_waits_for_your_agreement(two_parties, client_as):
    proposal = propose_rename(two_parties)
    pid = two_parties.partnership.id
    b_page = _text(client_as(two_parties.b.admin).get(f"/partnerships/{pid}"))
    assert "Waiting for your agreement" in b_page and "Change the partnership's name" in b_page
    assert _url(proposal) in b_page
    viewer_page = _text(client_as(two_parties.b.viewer).get(f"/partnerships/{pid}"))
    assert "Waiting for your agreement" in viewer_page and "an admin of your party answers" in viewer_page
    a_page = _text(client_as(two_parties.a.admin).get(f"/partnerships/{pid}"))
    assert "Waiting for your agreement" not in a_page
    assert "Proposed by your party" in a_page and "waiting for Beta GmbH" in a_page
    client_as(two_parties.b.admin).submit(_url(proposal, "agree"), {})
    assert "Waiting for your agreement" not in _text(client_as(two_parties.b.admin).get(f"/partnerships/{pid}"))


def test_the_proposals_tab_lists_open_and_decided(two_parties, client_as):
    first = propose_rename(two_parties)
    client_as(two_parties.b.admin).submit(_url(first, "decline"), {"reason": "No."})
    second = propose_rename(two_parties, name="Second Name")
    page = _text(client_as(two_parties.b.viewer).get(f"/partnerships/{two_parties.partnership.id}/proposals"))
    open_part, decided_part = page.split('id="decided-heading"')
    assert _url(second) in open_part and "Waiting for your party's answer" in open_part
    assert _url(first) in decided_part and "Declined</span>" in decided_part
    empty = _text(client_as(two_parties.outsider).get(
        f"/partnerships/{two_parties.outsider_partnership.id}/proposals"))
    assert "No proposal is waiting for an answer." in empty and "Nothing decided yet." in empty


def _add_proposals(world, proposers, count: int) -> None:
    """`count` proposals inserted directly (reading them is measured here, proposing is tested
    elsewhere): from each proposer in turn, every other one open, the rest declined, and the
    first asked party's agreement on each."""
    parties = [p.id for p in db.session.get(Partnership, world.partnership.id).parties]
    now = utcnow()
    for n in range(count):
        user, party_id = proposers[n % len(proposers)]
        asked = [p for p in parties if p != party_id]
        proposal = Proposal(
            partnership_id=world.partnership.id, kind="profile", summary=f"Proposal {n}", reason="",
            payload={"changes": {"name": ["Alpha–Beta Alliance", f"Name {n}"]}}, answered_by="admin",
            asked_party_ids=asked, proposed_by_id=user.id, proposed_by_party_id=party_id, created_at=now,
            expires_at=now + timedelta(days=14), status="open" if n % 2 else "declined",
            decided_at=None if n % 2 else now, outcome=None if n % 2 else "Declined.",
        )
        db.session.add(proposal)
        db.session.flush()
        responder = {world.a.party.id: world.a.admin, world.b.party.id: world.b.admin}.get(asked[0])
        db.session.add(ProposalResponse(proposal_id=proposal.id, party_id=asked[0],
                                        user_id=(responder or user).id, answer="agree", answered_at=now))
    db.session.commit()


@pytest.mark.parametrize("page", ["/proposals", ""])
def test_proposal_lists_cost_the_same_for_few_and_many_proposals(two_parties, client_as, page):
    third = add_third_party(two_parties)
    proposers = [(two_parties.a.admin, two_parties.a.party.id), (third.admin, third.party.id)]
    client = client_as(two_parties.b.admin)
    url = f"/partnerships/{two_parties.partnership.id}{page}"

    def cost() -> int:
        with count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200
        return statements

    _add_proposals(two_parties, proposers, 4)
    few = cost()
    _add_proposals(two_parties, proposers, 40)
    many = cost()
    assert len(many) == len(few), (few, many)


# -- the Settings page -------------------------------------------------------------------------


def _settings(world) -> str:
    return f"/partnerships/{world.partnership.id}/settings"


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Give the partnership a name."),
    ("proposal_ttl_days", "500", "Enter a number of days from 1 to 90."),
    ("proposal_ttl_days", "soon", "Enter a number of days from 1 to 90."),
    ("proposal_ttl_days", "", "Enter a number of days from 1 to 90."),
    ("balance_band_points", "70", "Enter a band from 5 to 50 points."),
    ("balance_band_points", "", "Enter a band from 5 to 50 points."),
    ("type", "conglomerate", "Not a valid choice."),
    ("start_date", "2025-13-45", "Not a valid date value."),
])
def test_settings_a_bad_value_is_422_with_its_message_at_the_field(two_parties, client_as, field, value, message):
    response = client_as(two_parties.a.admin).submit(_settings(two_parties), {**SETTINGS, "purpose": "Typed purpose.",
                                                                             field: value})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    error = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert error and error.group(1).strip() == message, error  # one message, the one that helps
    assert "Typed purpose." in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_settings_nothing_differs_nothing_is_proposed(two_parties, client_as):
    response = client_as(two_parties.a.admin).submit(_settings(two_parties), SETTINGS, follow_redirects=True)
    assert response.status_code == 200 and "Nothing was changed." in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_settings_a_second_proposal_while_one_is_open_is_refused(two_parties, client_as):
    first = propose_rename(two_parties)
    bob = client_as(two_parties.b.admin)
    page = _text(bob.get(_settings(two_parties)))
    assert "Alpha Ltd proposed a change on" in page and _url(first) in page
    response = bob.submit(_settings(two_parties), {**SETTINGS, "purpose": "Our own idea."})
    assert response.status_code == 409
    page = _text(response)
    assert ("Alpha Ltd already proposed this (Change the partnership's name); "
            "answer or withdraw that proposal first.") in page
    assert "Our own idea." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1


def test_settings_a_change_is_proposed_and_shown(two_parties, client_as):
    response = client_as(two_parties.a.admin).submit(
        _settings(two_parties), {**SETTINGS, "status": "active", "agreed_sections": "y", "reason": "Go live."},
        follow_redirects=True)
    page = _text(response)
    assert "Your change is proposed: it is made when every other party agrees." in page
    assert "Forming" in page and "Active" in page and "On: edits to signed sections" in page
    assert db.session.get(Partnership, two_parties.partnership.id).status == "forming"


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_settings_are_for_admins(two_parties, client_as, who):
    client = client_as(getattr(two_parties.b, who))
    assert client.get(_settings(two_parties)).status_code == 403
    assert client.submit(_settings(two_parties), {**SETTINGS, "name": "Mine"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0
