"""Every URL naming a partnership goes through the membership gate.

The test walks the app's URL map, so a new route that forgets the gate fails here
without anyone editing this file (a new kind of id argument needs a filler below).
"""

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Invitation, Membership

# Self-service writes a viewer may make.
VIEWER_ALLOWED_WRITES = {"partnerships.leave"}


def _fillers(two_parties, client_as):
    p = two_parties.partnership
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == two_parties.b.viewer.id))
    client_as(two_parties.a.admin).submit(
        f"/partnerships/{p.id}/invitations/new",
        {"invite_as": "colleague", "email": "new@alpha.example.com", "role": "viewer"},
    )
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.partnership_id == p.id))
    return {
        "partnership_id": p.id,
        "membership_id": membership.id,
        "invitation_id": invitation.id,
        "section_key": "risk_assessment",
    }


def _partnership_routes(app, fillers):
    routes = []
    for rule in app.url_map.iter_rules():
        if "partnership_id" not in rule.arguments:
            continue
        missing = rule.arguments - fillers.keys()
        assert not missing, f"{rule.rule}: add a filler value for {missing} in {__file__}"
        path = rule.build({name: fillers[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    assert len(routes) >= 10
    return routes


def _call(client, method, path):
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data={"csrf_token": client.csrf_token()})


def test_outsiders_get_404_for_every_partnership_url(app, two_parties, client_as):
    fillers = _fillers(two_parties, client_as)
    outsider = client_as(two_parties.outsider)
    for endpoint, method, path in _partnership_routes(app, fillers):
        response = _call(outsider, method, path)
        assert response.status_code == 404, f"{method} {path} ({endpoint}) answered {response.status_code}"


def test_unknown_partnerships_look_the_same_as_foreign_ones(app, two_parties, client_as):
    fillers = _fillers(two_parties, client_as)
    fillers["partnership_id"] = 999_999
    client = client_as(two_parties.a.admin)
    for endpoint, method, path in _partnership_routes(app, fillers):
        assert _call(client, method, path).status_code == 404, endpoint


def test_signed_out_users_are_sent_to_sign_in_and_back(app, two_parties, client_as):
    fillers = _fillers(two_parties, client_as)
    anonymous = app.test_client()
    for endpoint, method, path in _partnership_routes(app, fillers):
        response = _call(anonymous, method, path)
        assert response.status_code == 302, f"{method} {path} ({endpoint})"
        assert response.headers["Location"].startswith("/signin?next="), endpoint


def test_viewers_cannot_write_anywhere(app, two_parties, client_as):
    fillers = _fillers(two_parties, client_as)
    viewer = client_as(two_parties.a.viewer)
    for endpoint, method, path in _partnership_routes(app, fillers):
        if method == "GET" or endpoint in VIEWER_ALLOWED_WRITES:
            continue
        response = _call(viewer, method, path)
        assert response.status_code in (403, 404), f"{method} {path} ({endpoint}) answered {response.status_code}"
