"""Who may start a partnership: an organisation setting its admins choose (admins only by default)."""

import html

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.models import Membership, Partnership
from app.rules import RuleViolation
from tests.support.factories import make_partnership

NEW = {"name": "Side venture", "type": "joint_venture", "purpose": "Try something.",
       "start_date": "2026-02-01", "review_cadence_months": "3"}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Partnership))


def test_by_default_only_organisation_admins_start_partnerships(two_parties, client_as):
    before = _count()
    for person in (two_parties.a.editor, two_parties.a.viewer):
        client = client_as(person)
        refused = client.get("/partnerships/new")
        assert refused.status_code == 403
        text = html.unescape(refused.get_data(as_text=True))
        assert "Only Alpha Ltd's organisation admins can start a partnership" in text
        assert client.submit("/partnerships/new", NEW).status_code == 403
        home = client.get("/home").get_data(as_text=True)
        assert 'href="/partnerships/new"' not in home
        with pytest.raises(RuleViolation):
            make_partnership(person)
        db.session.rollback()
    assert _count() == before
    # The viewer never became an admin of anything by trying.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.user_id == two_parties.a.viewer.id, Membership.role == "admin")) == 0
    admin = client_as(two_parties.a.admin)
    assert 'href="/partnerships/new"' in admin.get("/home").get_data(as_text=True)
    assert admin.get("/partnerships/new").status_code == 200


def test_organisation_admins_can_let_any_member_start_one(two_parties, client_as):
    admin = client_as(two_parties.a.admin)
    page = admin.get("/organisation").get_data(as_text=True)
    assert "Who may start a new partnership" in page and "Organisation admins only" in page
    admin.submit("/organisation", {"name": "Alpha Ltd", "partnership_starters": "members"})
    organisation = two_parties.a.admin.organisation
    db.session.refresh(organisation)
    assert organisation.partnership_starters == "members"
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated")).all()[-1]
    assert event.details["partnership_starters"] == ["admins", "members"]

    viewer = client_as(two_parties.a.viewer)
    assert 'href="/partnerships/new"' in viewer.get("/home").get_data(as_text=True)
    response = viewer.submit("/partnerships/new", NEW)
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Partnership).where(Partnership.name == "Side venture"))
    own = db.session.scalar(sa.select(Membership).where(Membership.partnership_id == created.id))
    assert own.user_id == two_parties.a.viewer.id and own.role == "admin"
    # Beta's setting is its own: its viewer still may not.
    assert client_as(two_parties.b.viewer).get("/partnerships/new").status_code == 403


def test_only_organisation_admins_change_the_setting_and_only_to_a_listed_choice(two_parties, client_as):
    editor = client_as(two_parties.a.editor)
    assert editor.submit("/organisation", {"name": "Alpha Ltd", "partnership_starters": "members"}).status_code == 403
    admin = client_as(two_parties.a.admin)
    response = admin.submit("/organisation", {"name": "Alpha Ltd", "partnership_starters": "everyone"})
    assert response.status_code == 422
    assert 'id="partnership_starters-error"' in response.get_data(as_text=True)
    # A form without the choice (an older page) leaves it as it was.
    admin.submit("/organisation", {"name": "Alpha Ltd", "partnership_starters": "members"})
    admin.submit("/organisation", {"name": "Alpha Ltd"})
    db.session.refresh(two_parties.a.admin.organisation)
    assert two_parties.a.admin.organisation.partnership_starters == "members"


def test_a_deactivated_member_may_not_start_one(two_parties):
    two_parties.a.admin.organisation.partnership_starters = "members"
    two_parties.a.editor.active = False
    assert not partnerships.may_start_partnership(two_parties.a.editor)
    assert partnerships.may_start_partnership(two_parties.a.viewer)
