import re

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Membership, Partnership
from tests.support.factories import make_organisation_user


def test_create_a_partnership_through_the_form(client):
    user = make_organisation_user("Alpha Ltd", email="ada@alpha.example.com")
    db.session.commit()
    client.sign_in(user.email, "correct horse battery staple")
    form = client.get("/partnerships/new").get_data(as_text=True)
    assert 'name="start_date"' in form
    response = client.submit(
        "/partnerships/new",
        {"name": "Alpha–Beta", "type": "joint_venture", "purpose": "Build a plant together.",
         "start_date": "2026-02-01", "review_cadence_months": "3"},
    )
    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    assert response.headers["Location"] == f"/partnerships/{partnership.id}"
    page = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "Alpha–Beta" in page and "Joint venture" in page and "Build a plant together." in page
    assert "Waiting for a partner" in page
    assert "Alpha–Beta" in client.get("/home").get_data(as_text=True)


def test_partnership_form_errors_keep_input(client):
    user = make_organisation_user()
    db.session.commit()
    client.sign_in(user.email, "correct horse battery staple")
    page = client.submit(
        "/partnerships/new",
        {"name": "Kept name", "type": "other", "purpose": "", "start_date": "not a date", "review_cadence_months": "3"},
    ).get_data(as_text=True)
    assert 'value="Kept name"' in page
    assert re.search(r'id="purpose-error"', page) and re.search(r'id="start_date-error"', page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0


def test_home_page_lists_parties_age_and_role(two_parties, client_as):
    page = client_as(two_parties.b.viewer).get(f"/partnerships/{two_parties.partnership.id}").get_data(as_text=True)
    for text in ("Alpha Ltd", "Beta GmbH", "Ada Admin", "Bob Admin", "Val Viewer", "Strategic alliance", "Quarterly"):
        assert text in page
    assert "Running for" in page
    assert "Edit details" not in page  # viewers cannot edit
    assert f'href="/partnerships/{two_parties.partnership.id}/settings"' not in page


def test_viewers_and_editors_cannot_reach_admin_pages(two_parties, client_as):
    p = two_parties.partnership.id
    for user in (two_parties.a.viewer, two_parties.a.editor):
        client = client_as(user)
        assert client.get(f"/partnerships/{p}/settings").status_code == 403
        assert client.get(f"/partnerships/{p}/invitations/new").status_code == 403


def test_settings_changes_are_proposed_and_made_when_the_other_party_agrees(two_parties, client_as):
    p = two_parties.partnership.id
    response = client_as(two_parties.b.admin).submit(
        f"/partnerships/{p}/settings",
        {"name": "Renamed", "type": "other", "status": "active", "purpose": "New purpose.",
         "start_date": "2025-01-15", "review_cadence_months": "6", "section_review_cadence_months": "3",
         "proposal_ttl_days": "14", "balance_band_points": "20",
         "reason": "We agreed this at the steering group."},
    )
    assert response.status_code == 302 and "/proposals/" in response.headers["Location"]
    viewer_page = client_as(two_parties.a.viewer).get(f"/partnerships/{p}").get_data(as_text=True)
    assert "Renamed" not in viewer_page  # nothing changes until the other party agrees
    proposal_url = response.headers["Location"]
    page = client_as(two_parties.a.admin).get(proposal_url).get_data(as_text=True)
    assert "Half-yearly" in page and "New purpose." in page and "We agreed this at the steering group." in page
    assert client_as(two_parties.a.admin).submit(proposal_url + "/agree", {}).status_code == 302
    page = client_as(two_parties.a.viewer).get(f"/partnerships/{p}").get_data(as_text=True)
    assert "Renamed" in page and "Half-yearly" in page and "New purpose." in page


def test_members_page_lets_an_admin_change_roles_of_their_party(two_parties, client_as):
    p = two_parties.partnership.id
    viewer = db.session.scalar(sa.select(Membership).where(Membership.user_id == two_parties.a.viewer.id))
    client = client_as(two_parties.a.admin)
    page = client.get(f"/partnerships/{p}/members").get_data(as_text=True)
    assert f'/members/{viewer.id}"' in page
    other_party = db.session.scalar(sa.select(Membership).where(Membership.user_id == two_parties.b.viewer.id))
    assert f'/members/{other_party.id}"' not in page  # no controls for the other party's members
    response = client.submit(
        f"/partnerships/{p}/members/{viewer.id}", {f"m{viewer.id}-role": "editor", f"m{viewer.id}-is_signatory": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(viewer)
    assert viewer.role == "editor" and viewer.is_signatory


def test_changing_the_other_partys_member_is_refused(two_parties, client_as):
    p = two_parties.partnership.id
    target = db.session.scalar(sa.select(Membership).where(Membership.user_id == two_parties.b.viewer.id))
    client = client_as(two_parties.a.admin)
    client.submit(f"/partnerships/{p}/members/{target.id}", {f"m{target.id}-role": "admin"})
    db.session.refresh(target)
    assert target.role == "viewer"


def test_last_admin_sees_why_they_cannot_leave(two_parties, client_as):
    p = two_parties.partnership.id
    client = client_as(two_parties.a.admin)
    response = client.submit(f"/partnerships/{p}/leave", follow_redirects=True)
    assert "last admin" in response.get_data(as_text=True)


def test_member_can_leave_and_then_gets_404(two_parties, client_as):
    p = two_parties.partnership.id
    client = client_as(two_parties.b.editor)
    response = client.submit(f"/partnerships/{p}/leave")
    assert response.headers["Location"] == "/home"
    assert client.get(f"/partnerships/{p}").status_code == 404


def test_membership_ids_from_another_partnership_are_404(two_parties, client_as):
    foreign = db.session.scalar(
        sa.select(Membership).where(Membership.partnership_id == two_parties.outsider_partnership.id)
    )
    client = client_as(two_parties.a.admin)
    response = client.submit(f"/partnerships/{two_parties.partnership.id}/members/{foreign.id}/remove")
    assert response.status_code == 404
