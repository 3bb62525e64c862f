"""An organisation admin manages its people: deactivation ends every session at once."""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.extensions import db
from app.organisations import services
from app.rules import RuleViolation
from tests.support.factories import PASSWORD, enable_two_factor, make_colleague, make_organisation_user


@pytest.fixture
def org(app):
    admin = make_organisation_user("Fabrikam", email="fay@fabrikam.example.com", name="Fay Field")
    cole = make_colleague(admin.organisation, email="cole@fabrikam.example.com", name="Cole Colleague")
    other = make_organisation_user("Gamma", email="olga@gamma.example.com")
    db.session.commit()
    return admin, cole, other


def test_the_page_lists_the_organisations_people_only_for_its_admins(org, client_as):
    admin, cole, other = org
    page = client_as(admin).get("/organisation").get_data(as_text=True)
    assert "Cole Colleague" in page and "cole@fabrikam.example.com" in page and "olga@" not in page
    assert client_as(cole).get("/organisation").status_code == 403
    assert 'href="/organisation"' not in client_as(cole).get("/home").get_data(as_text=True)


def test_deactivating_someone_ends_every_session_of_theirs_and_stops_sign_in(org, app, client_as):
    admin, cole, _ = org
    laptop, phone = client_as(cole), client_as(cole)
    response = client_as(admin).submit(f"/organisation/people/{cole.id}/deactivate")
    assert response.status_code == 302
    assert laptop.get("/home").status_code == 302 and phone.get("/home").status_code == 302
    refused = app.test_client().submit("/signin", {"email": cole.email, "password": PASSWORD})
    assert refused.status_code == 422
    db.session.refresh(cole)
    assert not cole.active
    client_as(admin).submit(f"/organisation/people/{cole.id}/reactivate")
    assert app.test_client().submit("/signin", {"email": cole.email, "password": PASSWORD}).status_code == 302
    user_events = sa.select(AuditEvent.action).where(AuditEvent.action.like("organisation.user_%"))
    actions = db.session.scalars(user_events.order_by(AuditEvent.seq)).all()
    assert actions == ["organisation.user_deactivated", "organisation.user_reactivated"]


def test_admins_cannot_deactivate_themselves_or_the_last_admin(org):
    admin, cole, _ = org
    with pytest.raises(RuleViolation, match="your own"):
        services.deactivate(admin, admin)
    services.set_org_admin(admin, cole, True)
    services.deactivate(cole, admin)  # two admins: one may go
    db.session.flush()
    with pytest.raises(RuleViolation, match="last admin"):
        services.set_org_admin(cole, cole, False)


def test_people_of_other_organisations_are_not_found(org, client_as):
    admin, _cole, other = org
    client = client_as(admin)
    for action in ("deactivate", "reactivate", "make-admin", "remove-admin", "reset-two-factor"):
        assert client.submit(f"/organisation/people/{other.id}/{action}").status_code == 404
        assert client.submit(f"/organisation/people/999999/{action}").status_code == 404
    db.session.refresh(other)
    assert other.active
    with pytest.raises(RuleViolation):
        services.deactivate(admin, other)


def test_non_admins_cannot_act(org, client_as):
    admin, cole, _ = org
    assert client_as(cole).submit(f"/organisation/people/{admin.id}/deactivate").status_code == 403
    with pytest.raises(RuleViolation):
        services.deactivate(cole, admin)


def test_resetting_two_factor_lets_someone_set_it_up_again(org, client_as):
    admin, cole, _ = org
    enable_two_factor(cole)
    client_as(admin).submit(f"/organisation/people/{cole.id}/reset-two-factor")
    db.session.refresh(cole)
    assert not cole.two_factor_enabled
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.two_factor_reset"))


def test_renaming_the_organisation(org, client_as):
    admin, *_ = org
    client_as(admin).submit("/organisation", {"name": "Fabrikam Foods"})
    db.session.refresh(admin)
    assert admin.organisation.name == "Fabrikam Foods"
    page = client_as(admin).submit("/organisation", {"name": "  "}).get_data(as_text=True)
    assert "Enter the organisation" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.active.is_(True))) == 3
