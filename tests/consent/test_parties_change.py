"""When the parties change, open proposals lapse: they no longer ask every party taking part."""

from app.consent.models import Proposal
from app.extensions import db
from app.partnerships import leaving
from tests.support.consent import add_third_party, member, propose_rename


def test_a_party_leaving_lapses_the_open_proposals_and_changes_nothing(two_parties):
    carrier = add_third_party(two_parties)
    proposal = propose_rename(two_parties)
    leaving.leave_for_party(member(two_parties.partnership.id, carrier.admin), "We are done here.")
    db.session.commit()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == "lapsed" and "Delta Co left the partnership" in proposal.outcome
    assert two_parties.partnership.name != "Renamed Alliance"


def test_a_party_joining_lapses_the_open_proposals(two_parties, app):
    from app.invitations import services as invitations
    from tests.support.consent import admitted
    from tests.support.mail import file_outbox, first_link

    admitted(member(two_parties.partnership.id, two_parties.a.admin), email="cara@carrier.example.com",
             role="admin", organisation_name="Carrier SA")
    db.session.commit()
    proposal = propose_rename(two_parties)
    [message] = [m for m in file_outbox(app) if "cara@carrier.example.com" in str(m["To"])]
    invitation = invitations.find_by_token(first_link(message).rsplit("/", 1)[1])
    invitations.sign_up_and_accept(invitation, full_name="Cara", password="a long enough password 1",
                                   time_zone="UTC", organisation_name="Carrier SA")
    db.session.commit()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == "lapsed" and "Carrier SA joined the partnership" in proposal.outcome
