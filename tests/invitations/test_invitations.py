from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Organisation, User
from app.extensions import db
from app.invitations import services
from app.partnerships.access import load_membership
from app.partnerships.models import Invitation, Party
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.consent import admitted, agree_for_every_party
from tests.support.factories import PASSWORD, make_organisation_user
from tests.support.mail import SMTPServer, file_outbox, first_link, html_of, text_of


def _admin(two_parties, side="a"):
    return load_membership(two_parties.partnership.id, getattr(two_parties, side).admin)


def _token(message) -> str:
    return first_link(message).rsplit("/", 1)[1]


def _to(app, address: str) -> list:
    """The messages sent to one address (proposals also mail the other parties' admins)."""
    return [m for m in file_outbox(app) if address in str(m["To"])]


def test_inviting_a_colleague_emails_a_single_use_link_and_stores_only_its_hash(two_parties, app):
    invitation = services.invite(_admin(two_parties), email="Nina@Alpha.example.com", role="editor", message="Welcome!")
    db.session.commit()
    [message] = file_outbox(app)
    assert message["To"] == "nina@alpha.example.com"
    assert "Alpha–Beta Alliance" in message["Subject"]
    token = _token(message)
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert "Welcome!" in text_of(message) and "Welcome!" in html_of(message)
    assert services.find_by_token(token) == invitation


def test_a_new_colleague_signs_up_into_the_inviting_organisation(two_parties, app):
    services.invite(_admin(two_parties), email="nina@alpha.example.com", role="viewer", is_signatory=True)
    db.session.commit()
    invitation = services.find_by_token(_token(file_outbox(app)[0]))
    user = services.sign_up_and_accept(invitation, full_name="Nina New", password=PASSWORD, time_zone="UTC")
    db.session.commit()
    assert user.organisation_id == two_parties.a.admin.organisation_id
    membership = load_membership(two_parties.partnership.id, user)
    assert membership.party_id == two_parties.a.party.id
    assert (membership.role, membership.is_signatory) == ("viewer", True)
    assert invitation.status == "accepted"
    with pytest.raises(RuleViolation):  # single use
        services.sign_up_and_accept(invitation, full_name="Again", password=PASSWORD, time_zone="UTC")


def test_a_new_party_is_created_when_the_invited_organisation_signs_up(two_parties, app):
    b_admin = _admin(two_parties, "b")
    proposal = services.propose_new_party(b_admin, email="cara@carrier.example.com", role="admin",
                                          organisation_name="Carrier SA")
    db.session.commit()
    assert _to(app, "cara@carrier.example.com") == []  # nothing is sent until the other party agrees
    agree_for_every_party(proposal)
    db.session.commit()
    invitation = services.find_by_token(_token(_to(app, "cara@carrier.example.com")[0]))
    user = services.sign_up_and_accept(
        invitation, full_name="Cara", password=PASSWORD, time_zone="Europe/Madrid", organisation_name="Carrier S.A."
    )
    db.session.commit()
    assert user.organisation.name == "Carrier S.A." and user.is_org_admin
    parties = db.session.scalars(sa.select(Party).where(Party.partnership_id == two_parties.partnership.id)).all()
    assert len(parties) == 3
    assert load_membership(two_parties.partnership.id, user).role == "admin"


def test_an_existing_account_accepts_into_a_new_party(two_parties, app):
    existing = make_organisation_user("Carrier SA", email="cara@carrier.example.com")
    db.session.commit()
    admitted(_admin(two_parties), email="cara@carrier.example.com", role="editor", organisation_name="Carrier")
    db.session.commit()
    invitation = services.find_by_token(_token(_to(app, "cara@carrier.example.com")[0]))
    membership = services.accept(invitation, existing)
    db.session.commit()
    assert membership.party.organisation_id == existing.organisation_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 4  # no new organisation


def test_an_admission_agreed_into_the_open_cycle_adds_the_new_party_to_it(two_parties, app):
    from app.review_cycle.cycles import parties_of_cycle
    from tests.support.review_cycle import open_cycle

    cycle = open_cycle(two_parties.partnership, two_parties.a.admin, "2026-Q4")
    existing = make_organisation_user("Carrier SA", email="cara@carrier.example.com")
    db.session.commit()
    admitted(_admin(two_parties), email="cara@carrier.example.com", role="editor", organisation_name="Carrier",
             include_in_current_cycle=True)
    db.session.commit()
    invitation = services.find_by_token(_token(_to(app, "cara@carrier.example.com")[0]))
    services.accept(invitation, existing)
    db.session.commit()
    assert "Carrier SA" in [p.name for p in parties_of_cycle(cycle)]


def test_acceptance_problems_are_explained(two_parties, app):
    services.invite(_admin(two_parties), email="nina@alpha.example.com", role="viewer")
    db.session.commit()
    invitation = services.find_by_token(_token(file_outbox(app)[0]))
    assert "sent to nina@alpha.example.com" in services.acceptance_problem(invitation, two_parties.outsider)
    same_email_other_org = make_organisation_user("Elsewhere", email="nina2@alpha.example.com")
    invitation.email = same_email_other_org.email
    assert "colleagues at Alpha Ltd" in services.acceptance_problem(invitation, same_email_other_org)
    with pytest.raises(RuleViolation):
        services.accept(invitation, same_email_other_org)


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"email": "eve@alpha.example.com"}, "email", "already a member"),
        ({"email": "olga@gamma.example.com"}, "email", "another organisation"),
        ({"email": "not an email"}, "email", ""),
        ({"email": "x@y.example.com", "role": "owner"}, "role", ""),
    ],
)
def test_invalid_invitations_are_refused_beside_the_field(two_parties, kwargs, field, text):
    args = {"role": "viewer", **kwargs}
    with pytest.raises(RuleViolation) as error:
        services.invite(_admin(two_parties), **args)
    assert error.value.field == field and text in error.value.message


def test_a_new_party_needs_the_organisations_name(two_parties):
    with pytest.raises(RuleViolation) as error:
        services.propose_new_party(_admin(two_parties), email="ed.new@beta.example.com", role="viewer",
                                   organisation_name=" ")
    assert error.value.field == "organisation_name" and "Name the organisation" in error.value.message


def test_a_new_party_cannot_be_invited_without_a_proposal(two_parties):
    with pytest.raises(RuleViolation) as error:
        services.invite(_admin(two_parties), email="cara@carrier.example.com", role="viewer", new_party=True,
                        organisation_name="Carrier")
    assert "every party agrees" in error.value.message


def test_a_party_already_in_the_partnership_cannot_be_invited_as_a_new_party(two_parties):
    with pytest.raises(RuleViolation) as error:
        services.propose_new_party(_admin(two_parties), email="ed@beta.example.com", role="viewer",
                                   organisation_name="Beta")
    assert "already a member" in error.value.message
    newcomer = make_organisation_user("Beta GmbH duplicate", email="zoe@beta2.example.com")
    newcomer.organisation_id = two_parties.b.admin.organisation_id
    db.session.flush()
    with pytest.raises(RuleViolation) as error:
        services.propose_new_party(_admin(two_parties), email="zoe@beta2.example.com", role="viewer",
                                   organisation_name="B")
    assert "Ask an admin of Beta GmbH" in error.value.message


def test_only_one_pending_invitation_per_address(two_parties):
    services.invite(_admin(two_parties), email="nina@alpha.example.com", role="viewer")
    with pytest.raises(RuleViolation) as error:
        services.propose_new_party(_admin(two_parties, "b"), email="nina@alpha.example.com", role="viewer",
                                   organisation_name="N")
    assert "pending invitation" in error.value.message


def test_resend_replaces_the_link_and_revoke_ends_it(two_parties, app):
    admin = _admin(two_parties)
    invitation = services.invite(admin, email="nina@alpha.example.com", role="viewer")
    db.session.commit()
    first = _token(file_outbox(app)[0])
    services.resend(admin, invitation)
    db.session.commit()
    second = _token(file_outbox(app)[1])
    assert first != second and invitation.sent_count == 2
    assert services.find_by_token(first) is None
    assert services.find_by_token(second) == invitation
    with pytest.raises(RuleViolation):  # only the inviting party's admins manage it
        services.revoke(_admin(two_parties, "b"), invitation)
    services.revoke(admin, invitation)
    db.session.commit()
    assert services.find_by_token(second).status == "revoked"


def test_expired_invitations_cannot_be_used(two_parties, app):
    invitation = services.invite(_admin(two_parties), email="nina@alpha.example.com", role="viewer")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert invitation.status == "expired"
    with pytest.raises(RuleViolation):
        services.sign_up_and_accept(invitation, full_name="Late", password=PASSWORD, time_zone="UTC")


def test_invitation_journey_through_the_pages(two_parties, app, client_as):
    p = two_parties.partnership.id
    admin_client = client_as(two_parties.a.admin)
    response = admin_client.submit(
        f"/partnerships/{p}/invitations/new",
        {
            "invite_as": "new_party",
            "email": "cara@carrier.example.com",
            "organisation_name": "Carrier SA",
            "role": "admin",
            "is_signatory": "y",
        },
    )
    assert "/proposals/" in response.headers["Location"]
    assert _to(app, "cara@carrier.example.com") == []  # the invitation waits for the other party's agreement
    proposal_page = response.headers["Location"]
    assert "Carrier SA" in admin_client.get(f"/partnerships/{p}/members").get_data(as_text=True)
    other_admin = client_as(two_parties.b.admin)
    page = other_admin.get(proposal_page).get_data(as_text=True)
    assert "cara@carrier.example.com" in page and "the commercial agreement" in page
    assert other_admin.submit(proposal_page + "/agree", {}).status_code == 302
    members_page = admin_client.get(f"/partnerships/{p}/members").get_data(as_text=True)
    assert "cara@carrier.example.com" in members_page and "Pending" in members_page

    link = first_link(_to(app, "cara@carrier.example.com")[0]).replace("http://localhost", "")
    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "Join Alpha–Beta Alliance" in page and 'value="Carrier SA"' in page
    bad = newcomer.submit(
        link + "/signup",
        {"full_name": "Cara", "organisation_name": "Carrier SA", "password": "short", "time_zone": "UTC"},
    )
    assert 'value="Cara"' in bad.get_data(as_text=True) and "at least 12" in bad.get_data(as_text=True)
    done = newcomer.submit(
        link + "/signup",
        {"full_name": "Cara", "organisation_name": "Carrier SA", "password": PASSWORD, "time_zone": "UTC"},
    )
    assert done.headers["Location"] == f"/partnerships/{p}"
    assert "Carrier SA" in newcomer.get(f"/partnerships/{p}").get_data(as_text=True)
    assert newcomer.get(link).status_code == 404  # used


def test_existing_account_is_asked_to_sign_in_then_accepts(two_parties, app, client_as):
    user = make_organisation_user("Carrier SA", email="cara@carrier.example.com")
    db.session.commit()
    admitted(_admin(two_parties), email=user.email, role="viewer", organisation_name="Carrier SA")
    db.session.commit()
    link = first_link(_to(app, user.email)[0]).replace("http://localhost", "")
    anonymous = app.test_client()
    assert "Sign in to accept" in anonymous.get(link).get_data(as_text=True)
    client = client_as(user)
    assert "Accept and join" in client.get(link).get_data(as_text=True)
    response = client.submit(link + "/accept")
    assert response.headers["Location"] == f"/partnerships/{two_parties.partnership.id}"


def test_wrong_account_is_told_to_switch(two_parties, app, client_as):
    services.invite(_admin(two_parties), email="nina@alpha.example.com", role="viewer")
    db.session.commit()
    link = first_link(file_outbox(app)[0]).replace("http://localhost", "")
    client = client_as(two_parties.outsider)
    page = client.get(link).get_data(as_text=True)
    assert "but you are signed in as olga@gamma.example.com" in page
    client.submit(link + "/accept")
    assert load_membership(two_parties.partnership.id, two_parties.outsider) is None


def test_unknown_tokens_get_a_helpful_404(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 404
    assert "does not work" in response.get_data(as_text=True)


def test_invitations_go_out_over_real_smtp(two_parties, make_app):
    with SMTPServer() as smtp:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with app.app_context():
            admin = db.session.scalar(sa.select(User).where(User.email == "ada@alpha.example.com"))
            services.invite(
                load_membership(two_parties.partnership.id, admin), email="nina@alpha.example.com", role="viewer"
            )
            db.session.commit()
        assert smtp.arrived.wait(10)
        [message] = smtp.to("nina@alpha.example.com")
        assert message.is_multipart()
        assert "/invitations/" in text_of(message) and "/invitations/" in html_of(message)
        assert message["From"].startswith("Jointly")
        invitation_count = None
        with app.app_context():
            invitation_count = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
        assert invitation_count == 1


def test_the_admission_proposal_says_what_the_new_party_would_see(two_parties, client_as):
    from app.invitations.visibility import admission_visibility
    from tests.support.review_cycle import open_cycle

    proposal = services.propose_new_party(_admin(two_parties), email="cara@carrier.example.com", role="admin",
                                          organisation_name="Carrier SA")
    db.session.commit()
    page = client_as(two_parties.b.admin).get(
        f"/partnerships/{two_parties.partnership.id}/proposals/{proposal.id}").get_data(as_text=True)
    assert "Once they accept, Carrier SA sees" in page and "The whole working plan" in page
    seen = admission_visibility(proposal)
    assert [line.split(" ", 2)[:2] for line in seen.lines] == [
        ["The", "whole"], ["Every", "plan"], ["The", "scores,"], ["The", "activity"], ["The", "6"], ["Proposals", "to"]]
    assert seen.cycle_note.startswith("they take part from the next cycle")
    cycle = open_cycle(two_parties.partnership, two_parties.a.admin, "2026-Q4")
    proposal.payload = {**proposal.payload, "include_in_current_cycle": True}
    assert admission_visibility(proposal).cycle_note.startswith(f"the open {cycle.period} review includes them")
    # A maturity assessment is named as one, beside the quarterly review, open or revealed.
    from app.review_cycle.maturity import start_assessment
    from tests.support.review_cycle import submit

    maturity = start_assessment(load_membership(two_parties.partnership.id, two_parties.a.admin), "2026")
    db.session.commit()
    assert admission_visibility(proposal).cycle_note.startswith(
        f"the open {cycle.period} review and the open 2026 maturity assessment include them if still in Review")
    proposal.payload = {**proposal.payload, "include_in_current_cycle": False}
    assert admission_visibility(proposal).cycle_note.startswith(
        f"the open {cycle.period} review and the open 2026 maturity assessment go on with the parties they opened")
    for admin in (two_parties.a.admin, two_parties.b.admin):
        submit(maturity, admin, 3)
    line = next(line for line in admission_visibility(proposal).lines if line.startswith("The scores"))
    assert line.startswith("The scores, comments and actuals of 0 review cycles and 1 maturity assessment whose")
