"""App-wide walks over every URL rule: CSRF on every write, no GET changes anything,
signed-out visitors are sent to sign in, and ids of another organisation are not found.

Like the membership-gate walk, these enumerate `app.url_map`: a new route is covered
without editing this file (a new URL argument needs a filler in tests/support/routes.py).
"""

from collections import defaultdict

import pytest

from tests.support.routes import (
    ENDPOINT_FILLERS,
    WRITE_METHODS,
    Tally,
    build_world,
    call,
    difference,
    routes,
    snapshot,
)

# Pages anyone may open without signing in.
PUBLIC_ENDPOINTS = {
    "static",
    "core.index",
    "core.healthz",
    "accounts.sign_up",
    "accounts.sign_in",
    "accounts.two_factor_sign_in",
    "accounts.forgot_password",
    "accounts.reset_password",
    "invitations.show",
    "invitations.accept",  # sends a signed-out visitor to sign in, then back to the invitation
    "invitations.sign_up",
    "my_work.calendar_feed",  # the secret address is the credential (calendar apps have no session)
}

TALLY = Tally()
WALKED: dict[str, set] = defaultdict(set)  # walk → the (endpoint, method) pairs it requested
READS = {"GET", "HEAD", "OPTIONS"}
NAMED_OBJECT_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}


def _walked(role: str, endpoint: str, method: str) -> None:
    TALLY[role] += 1
    WALKED[role].add((endpoint, method))


@pytest.fixture
def world(app):
    return build_world(app)


def _all(app, world, methods=None, only=None):
    return routes(
        app,
        world.fillers(world.ab.partnership),
        endpoint_fillers=ENDPOINT_FILLERS(world),
        methods=methods,
        only=only,
    )


def test_every_write_without_a_csrf_token_is_refused_and_changes_nothing(app, world, client_as):
    admin = client_as(world.ab.a.admin)
    anonymous = app.test_client()
    writes = _all(app, world, methods=WRITE_METHODS)
    assert len(writes) >= 25
    for role, client in (("CSRF: admin", admin), ("CSRF: signed out", anonymous)):
        client.get("/signin")  # a session exists, so only the missing token can be the problem
        before = snapshot()
        for endpoint, method, path in writes:
            response = call(client, method, path, csrf=False, data={"email": "x@example.com", "name": "x"})
            _walked(role, endpoint, method)
            assert response.status_code == 400, f"{role}: {method} {path} ({endpoint}) answered {response.status_code}"
            assert "Your form expired" in response.get_data(as_text=True)
        assert difference(before, snapshot()) == {}, role


def test_no_get_changes_anything(app, world, client_as):
    clients = {
        "GET: org and partnership admin": client_as(world.ab.a.admin),
        "GET: viewer": client_as(world.ab.a.viewer),
        "GET: signed out": app.test_client(),
    }
    reads = _all(app, world, methods=READS)
    for role, client in clients.items():
        client.get("/signin")
        before = snapshot()
        for endpoint, method, path in reads:
            response = call(client, method, path)
            _walked(role, endpoint, method)
            assert response.status_code < 500, f"{role}: {method} {path} ({endpoint}) answered {response.status_code}"
        assert difference(before, snapshot()) == {}, role


def test_signed_out_visitors_are_sent_to_sign_in_from_every_private_route(app, world):
    """Every method but OPTIONS, which Flask answers from the route alone (the allowed
    methods) and Flask-Login deliberately lets through."""
    anonymous = app.test_client()
    private = _all(
        app, world, only=lambda rule: rule.endpoint not in PUBLIC_ENDPOINTS, methods=WRITE_METHODS | {"GET", "HEAD"}
    )
    for endpoint, method, path in private:
        response = call(anonymous, method, path)
        _walked("signed out, private routes", endpoint, method)
        assert response.status_code == 302, f"{method} {path} ({endpoint}) answered {response.status_code}"
        assert response.headers["Location"].startswith("/signin?next="), endpoint


def test_the_calendar_feed_opens_signed_out_with_its_token_and_only_with_it(app, world):
    anonymous = app.test_client()
    feeds = _all(app, world, only=lambda rule: rule.endpoint == "my_work.calendar_feed", methods={"GET", "HEAD"})
    for endpoint, method, path in feeds:
        response = call(anonymous, method, path)
        _walked("signed out, calendar feed", endpoint, method)
        assert response.status_code == 200 and response.content_type.startswith("text/calendar"), method
        wrong = path.replace(world.tokens["calendar"], world.tokens["invitation"])
        assert call(anonymous, method, wrong).status_code == 404, method


def test_ids_of_another_organisation_are_not_found(app, world, client_as):
    """Routes outside partnerships that name an object (people of an organisation…), as
    another organisation's admin: 404, exactly as for ids that do not exist."""
    other_admin = client_as(world.c_admin)
    named = _all(
        app,
        world,
        only=lambda rule: rule.arguments and not rule.arguments & {"partnership_id", "token", "filename"},
        methods=NAMED_OBJECT_METHODS,
    )
    before = snapshot()
    for endpoint, method, path in named:
        response = call(other_admin, method, path)
        _walked("other organisation's admin", endpoint, method)
        assert response.status_code == 404, f"{method} {path} ({endpoint}) answered {response.status_code}"
    assert difference(before, snapshot()) == {}


def test_the_walks_covered_every_route(app, capsys):
    """Each walk requested every rule and method of the app it is meant to cover, read from the
    url_map here rather than from the walks' own list (which could lose a rule unnoticed)."""
    if not TALLY:
        pytest.skip("run the whole module: this test reports the walks above")
    rules = list(app.url_map.iter_rules())

    def pairs(methods, keep=lambda rule: True):
        return {(rule.endpoint, method) for rule in rules if keep(rule) for method in rule.methods & methods}

    assert WALKED["CSRF: admin"] == WALKED["CSRF: signed out"] == pairs(WRITE_METHODS)
    for role in ("GET: org and partnership admin", "GET: viewer", "GET: signed out"):
        assert WALKED[role] == pairs(READS), role
    assert WALKED["signed out, private routes"] == pairs(
        WRITE_METHODS | {"GET", "HEAD"}, lambda rule: rule.endpoint not in PUBLIC_ENDPOINTS)
    assert WALKED["signed out, calendar feed"] == pairs(
        {"GET", "HEAD"}, lambda rule: rule.endpoint == "my_work.calendar_feed")
    assert WALKED["other organisation's admin"] == pairs(
        NAMED_OBJECT_METHODS,
        lambda rule: rule.arguments and not rule.arguments & {"partnership_id", "token", "filename"})
    with capsys.disabled():
        print("\n" + TALLY.report())
