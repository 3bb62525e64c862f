"""Deadlines, signing order and nudges through the test client."""

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.notifications.models import Notification
from app.plan_versions import services
from app.plan_versions.models import PlanVersion, SignatureNudge
from app.types import utcnow
from tests.support.factories import PASSWORD


def _url(versions, tail: str = "") -> str:
    return f"/partnerships/{versions.partnership.id}/versions{tail}"


def _issue(versions, **kwargs):
    version = services.issue_version(versions.member(versions.people.a.admin), step="major",
                                     summary="First agreed plan.", **kwargs)
    db.session.commit()
    return version


def test_issuing_with_a_deadline_and_an_order_shows_them_everywhere(versions, client_as):
    a, b = versions.people.a, versions.people.b
    client = client_as(a.admin)
    form = html.unescape(client.get(_url(versions, "/new")).get_data(as_text=True))
    assert 'name="sign_by"' in form and "Beta GmbH, then Alpha Ltd" in form
    sign_by = utcnow().date() + timedelta(days=14)
    response = client.submit(_url(versions, "/new"), {
        "step": "major", "summary": "First agreed plan.", "sign_by": sign_by.isoformat(),
        "signing_order": f"{b.party.id}-{a.party.id}"})
    assert response.status_code == 302
    version = db.session.scalar(sa.select(PlanVersion))
    assert (version.sign_by, version.signing_order) == (sign_by, [b.party.id, a.party.id])
    shown = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"{sign_by:%-d %B %Y}" in shown and "Beta GmbH, then Alpha Ltd" in shown
    assert "Its turn to sign" in shown and "Waiting for its turn" in shown
    listing = html.unescape(client.get(_url(versions)).get_data(as_text=True))
    assert f"{sign_by.day} {sign_by:%b %Y}" in listing and "Beta GmbH next" in listing
    portfolio = html.unescape(client.get("/home").get_data(as_text=True))
    assert f"v1.0 awaiting, sign by {sign_by.day} {sign_by:%b %Y}" in " ".join(
        re.sub(r"<[^>]+>", "", portfolio).split())


def test_a_past_deadline_is_refused_beside_the_field_keeping_what_was_typed(versions, client_as):
    client = client_as(versions.people.a.admin)
    yesterday = utcnow().date() - timedelta(days=1)
    response = client.submit(_url(versions, "/new"), {
        "step": "minor", "summary": "Typed with care.", "sign_by": yesterday.isoformat(), "signing_order": "any"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="sign_by-error"' in page and "Choose a day after today" in page
    assert "Typed with care." in page and yesterday.isoformat() in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def test_signing_out_of_turn_answers_409_with_the_reason(versions, client_as):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, signing_order=[b.party.id, a.party.id])
    client = client_as(a.admin)
    page = html.unescape(client.get(_url(versions, f"/{version.id}/sign")).get_data(as_text=True))
    assert "not Alpha Ltd's turn" in page and 'name="typed_name"' not in page
    response = client.submit(_url(versions, f"/{version.id}/sign"), {
        "password": PASSWORD, "typed_name": a.admin.full_name, "confirm": "y"})
    assert response.status_code == 409
    assert "not Alpha Ltd's turn" in html.unescape(response.get_data(as_text=True))
    db.session.refresh(version)
    assert version.signatures == []


def test_an_admin_nudges_and_a_second_nudge_the_same_day_is_429(versions, client_as):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=7))
    client = client_as(a.admin)
    page = html.unescape(client.get(_url(versions, f"/{version.id}")).get_data(as_text=True))
    assert "Nudge Beta GmbH's signatories" in page and "Pending: Bob Admin" in page
    response = client.submit(_url(versions, f"/{version.id}/nudge"), {"party_id": b.party.id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == "signature_nudge", Notification.recipient_id == b.admin.id)) == 1
    again = client.submit(_url(versions, f"/{version.id}/nudge"), {"party_id": b.party.id})
    text = html.unescape(again.get_data(as_text=True))
    assert again.status_code == 429
    assert f'id="nudge-error-{b.party.id}"' in text and "one nudge a day is enough" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignatureNudge)) == 1


def test_non_admins_cannot_nudge_and_outsiders_get_404(versions, client_as):
    b = versions.people.b
    version = _issue(versions)
    for user in (versions.people.a.editor, versions.people.b.viewer):
        client = client_as(user)
        assert "Nudge" not in client.get(_url(versions, f"/{version.id}")).get_data(as_text=True)
        assert client.submit(_url(versions, f"/{version.id}/nudge"), {"party_id": b.party.id}).status_code == 403
    outsider = client_as(versions.people.outsider)
    assert outsider.submit(_url(versions, f"/{version.id}/nudge"), {"party_id": b.party.id}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignatureNudge)) == 0


def test_nudging_a_party_not_in_turn_is_409(versions, client_as):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, signing_order=[b.party.id, a.party.id])
    response = client_as(b.admin).submit(_url(versions, f"/{version.id}/nudge"), {"party_id": a.party.id})
    assert response.status_code == 409
    assert "not Alpha Ltd's turn yet" in html.unescape(response.get_data(as_text=True))
