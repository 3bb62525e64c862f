"""Fields a form does not offer are ignored: posting ids, roles, statuses or flags the
form leaves out changes nothing (views pass named form fields to services, never the
request's data).

For a new form, add a test here that posts its real fields plus HOSTILE_EXTRAS and
checks the object it changes kept everything the form does not offer.
"""

import sqlalchemy as sa

from app.accounts.models import Organisation, User
from app.consent.models import Proposal
from app.extensions import db
from app.partnerships.models import Invitation, Membership, Partnership
from tests.support.factories import PASSWORD
from tests.support.routes import build_world


def hostile_extras(world) -> dict:
    """Fields attackers add: ids of the other partnership's objects, roles, flags, states."""
    other = world.cd
    d_party = other.parties[-1]
    return {
        "id": "999",
        "organisation_id": str(d_party.organisation_id),
        "party_id": str(d_party.id),
        "partnership_id": str(other.id),
        "user_id": str(world.d_admin.id),
        "created_by_id": str(world.d_admin.id),
        "invited_by_id": str(world.d_admin.id),
        "invited_by_party_id": str(d_party.id),
        "accepted_by_id": str(world.d_admin.id),
        "role": "admin",
        "is_org_admin": "y",
        "is_signatory": "y",
        "active": "y",
        "status": "ended",
        "signed_at": "2020-01-01T00:00:00",
        "accepted_at": "2020-01-01T00:00:00",
        "revoked_at": "2020-01-01T00:00:00",
        "expires_at": "2099-01-01T00:00:00",
        "token_hash": "0" * 64,
        "session_token": "attacker-chosen",
        "password_hash": "plain",
        "totp_enabled_at": "2020-01-01T00:00:00",
        "totp_secret": "JBSWY3DPEHPK3PXP",
        "require_two_factor": "y",
        "email": "attacker@evil.example.com",
    }


def _extras_without(world, *offered):
    return {k: v for k, v in hostile_extras(world).items() if k not in offered}


def test_sign_up(app, client):
    world = build_world(app)
    data = {
        **_extras_without(world, "email"),
        "organisation_name": "Fabrikam",
        "full_name": "Fay Field",
        "email": "fay@fabrikam.example.com",
        "password": "a long enough password",
        "time_zone": "UTC",
    }
    assert client.submit("/signup", data).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "fay@fabrikam.example.com"))
    assert user.organisation.name == "Fabrikam" and user.organisation_id != world.d_admin.organisation_id
    assert user.session_token != "attacker-chosen" and user.password_hash != "plain"
    assert user.totp_secret is None and user.totp_enabled_at is None
    assert not user.organisation.require_two_factor


def test_account_settings(app, client_as):
    world = build_world(app)
    editor = world.ab.a.editor
    client = client_as(editor)
    data = {
        **{f"profile-{k}": v for k, v in _extras_without(world, "email").items()},
        **_extras_without(world, "email"),
        "profile-full_name": "Eve Edited",
        "profile-email": editor.email,
        "profile-time_zone": "UTC",
    }
    assert client.submit("/account", data, csrf_field="profile-csrf_token").status_code == 302
    db.session.refresh(editor)
    assert editor.full_name == "Eve Edited"
    assert editor.organisation_id == world.ab.a.admin.organisation_id
    assert not editor.is_org_admin and editor.session_token != "attacker-chosen" and editor.totp_secret is None


def test_partnership_create_and_settings(app, client_as):
    world = build_world(app)
    client = client_as(world.ab.a.admin)
    data = {
        **_extras_without(world, "status"),
        "status": "ended",
        "name": "Brand new",
        "type": "joint_venture",
        "purpose": "Something.",
        "start_date": "2025-02-01",
        "review_cadence_months": "3",
    }
    assert client.submit("/partnerships/new", data).status_code == 302
    created = db.session.scalar(sa.select(Partnership).where(Partnership.name == "Brand new"))
    assert created.status == "forming"  # the create form offers no status
    assert created.created_by_id == world.ab.a.admin.id
    assert [p.organisation_id for p in created.parties] == [world.ab.a.admin.organisation_id]
    assert db.session.scalar(sa.select(Membership).where(Membership.partnership_id == created.id)).role == "admin"

    p = world.ab.partnership
    from app.consent import services as consent
    from app.partnerships.access import load_membership
    from tests.support.consent import agree_for_every_party

    consent.withdraw(load_membership(p.id, world.ab.a.admin), db.session.get(Proposal, world.proposals[p.id]))
    db.session.commit()
    data = {**data, "name": "Renamed", "status": "active", "section_review_cadence_months": "3",
            "proposal_ttl_days": "14", "balance_band_points": "20"}
    response = client.submit(f"/partnerships/{p.id}/settings", data)
    assert response.status_code == 302
    proposal = db.session.get(Proposal, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert set(proposal.payload["changes"]) == {"name", "status", "type", "purpose", "start_date"}
    agree_for_every_party(proposal)
    db.session.commit()
    db.session.refresh(p)
    db.session.refresh(world.cd)
    assert p.name == "Renamed" and p.status == "active" and p.id != 999
    assert len(p.parties) == 2 and world.cd.name == "Gamma–Delta Venture" and world.cd.status == "forming"


def test_invitation(app, client_as):
    world = build_world(app)
    p = world.ab.partnership
    client = client_as(world.ab.a.admin)
    data = {
        **_extras_without(world, "email", "role", "is_signatory"),
        "invite_as": "colleague",
        "email": "nora@alpha.example.com",
        "role": "viewer",
    }
    assert client.submit(f"/partnerships/{p.id}/invitations/new", data).status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "nora@alpha.example.com"))
    assert invitation.partnership_id == p.id and invitation.party_id == world.ab.a.party.id
    assert invitation.invited_by_id == world.ab.a.admin.id and invitation.invited_by_party_id == world.ab.a.party.id
    assert invitation.accepted_at is None and invitation.revoked_at is None and invitation.token_hash != "0" * 64
    assert invitation.role == "viewer" and not invitation.is_signatory and invitation.expires_at.year < 2099


def test_invited_sign_up(app, client):
    world = build_world(app)
    token = world.tokens["invitation"]  # invites new@alpha.example.com as a viewer of A's party
    data = {
        **_extras_without(world, "organisation_name"),
        "full_name": "Nia New",
        "password": "a long enough password",
        "time_zone": "UTC",
        "organisation_name": "Fake Org",
    }
    assert client.submit(f"/invitations/{token}/signup", data).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.full_name == "Nia New"))
    assert user.email == "new@alpha.example.com"
    assert user.organisation_id == world.ab.a.admin.organisation_id and not user.is_org_admin
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert membership.role == "viewer" and not membership.is_signatory
    assert membership.partnership_id == world.ab.partnership.id and membership.party_id == world.ab.a.party.id


def test_member_role_change(app, client_as):
    world = build_world(app)
    p = world.ab.partnership
    target = db.session.scalar(sa.select(Membership).where(Membership.user_id == world.ab.a.viewer.id))
    client = client_as(world.ab.a.admin)
    data = {f"m{target.id}-{k}": v for k, v in _extras_without(world, "role", "is_signatory").items()}
    data.update({**_extras_without(world, "role", "is_signatory"), f"m{target.id}-role": "editor"})
    assert client.submit(f"/partnerships/{p.id}/members/{target.id}", data).status_code == 302
    db.session.refresh(target)
    assert target.role == "editor" and target.user_id == world.ab.a.viewer.id
    assert target.party_id == world.ab.a.party.id and target.partnership_id == p.id


def test_organisation_settings(app, client_as):
    world = build_world(app)
    client = client_as(world.ab.a.admin)
    data = {**_extras_without(world, "require_two_factor"), "name": "Alpha Renamed"}
    assert client.submit("/organisation", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, world.ab.a.admin.organisation_id).name == "Alpha Renamed"
    assert db.session.get(Organisation, world.d_admin.organisation_id).name == "Delta plc"
    assert not db.session.get(Organisation, world.ab.a.admin.organisation_id).require_two_factor


def test_sign_in_cannot_choose_the_session(app, client):
    world = build_world(app)
    data = {**hostile_extras(world), "email": world.ab.a.editor.email, "password": PASSWORD, "_user_id": "1:x"}
    assert client.submit("/signin", data).status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(f"{world.ab.a.editor.id}:")
