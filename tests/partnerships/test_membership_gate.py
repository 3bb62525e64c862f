"""Every URL naming a partnership goes through the membership gate, for every method.

The walk enumerates the app's URL map, so a new route that escapes the gate fails here
without anyone editing this file. Ids come from two partnerships, A–B and C–D
(tests/support/routes.py: a new kind of URL argument needs one filler value there).
The module's tests run on one worker, in order (pytest-xdist --dist=loadfile, set in
pyproject.toml), so the last one can check and print the tally of routes × roles walked.
"""

import pytest

from app.extensions import db
from tests.support.routes import WRITE_METHODS, Tally, build_world, call, difference, routes, snapshot

# Self-service writes a viewer may make.
# Leaving is every member's right; asking for the DRAFT PDF is reading the plan (within limits).
VIEWER_ALLOWED_WRITES = {"partnerships.leave", "plan_versions.request_draft_pdf"}

TALLY = Tally()
EXPECTED = Tally()


def _partnership_routes(app, fillers, methods=None):
    found = routes(app, fillers, only=lambda rule: "partnership_id" in rule.arguments, methods=methods)
    assert len(found) >= (7 if methods else 20)
    return found


def _expect(role: str, planned: list) -> list:
    EXPECTED[role] = len(planned)
    return planned


@pytest.fixture
def world(app):
    return build_world(app)


def test_members_of_another_partnership_get_404_for_every_url_and_change_nothing(app, world, client_as):
    """C's admin walks A–B's URLs and A's admin walks C–D's: both only ever see 404."""
    walks = [
        ("outsider C on A–B", client_as(world.c_admin), world.ab.partnership),
        ("outsider A on C–D", client_as(world.ab.a.admin), world.cd),
    ]
    before = snapshot()
    for role, client, partnership in walks:
        for endpoint, method, path in _expect(role, _partnership_routes(app, world.fillers(partnership))):
            response = call(client, method, path)
            TALLY[role] += 1
            assert response.status_code == 404, f"{role}: {method} {path} ({endpoint}) answered {response.status_code}"
    assert difference(before, snapshot()) == {}


def test_search_finds_nothing_of_a_partnership_one_is_not_in(app, world, client_as):
    """The one page that reads every partnership's text: C and D search for words only A–B's plan,
    comments and actions hold (and name A–B in the filter), and find nothing of it."""
    from app.coediting import comments
    from app.partnerships.access import load_membership
    from app.plan_sections import reading, writing
    from app.review_cycle.models import ReviewCycle
    from tests.support.review_cycle import add_action

    ab = world.ab
    editor = load_membership(ab.partnership.id, ab.a.editor)
    section = reading.section_for(ab.partnership.id, "risk_assessment")
    content = reading.current_content(ab.partnership.id, "risk_assessment")
    content["narrative"] = "GATEMARKERNARRATIVE of the alliance"
    writing.save_section(editor, section, content, section.current_revision_id)
    comments.start_thread(editor, section, "GATEMARKERCOMMENT please look")
    db.session.commit()
    add_action(db.session.get(ReviewCycle, world.cycles[ab.partnership.id]), ab.a.admin, title="GATEMARKERACTION")
    markers = ["GATEMARKERNARRATIVE", "GATEMARKERCOMMENT", "GATEMARKERACTION"]
    member = client_as(ab.b.viewer)
    assert all("search-hit" in member.get("/search", query_string={"q": m}).text for m in markers)
    for outsider in (world.c_admin, world.d_admin):
        client = client_as(outsider)
        for marker in markers:
            page = client.get("/search", query_string={"q": marker, "older": "y"}).text
            assert "search-hit" not in page and "Nothing found" in page, (outsider.email, marker)
        named = client.get("/search", query_string={"q": markers[0], "partnership": ab.partnership.id}).text
        assert 'id="partnership-error"' in named and "search-hit" not in named
        assert ab.partnership.name not in named


def test_ids_from_the_other_partnership_are_not_found_inside_ones_own(app, world, client_as):
    """A–B's admin, on A–B's URLs, with C–D's membership and invitation ids: 404, never a change.

    (OPTIONS is left out here: Flask answers it from the route alone, without loading
    the object, so it reveals only which methods the route accepts.)"""
    mixed = {**world.fillers(world.cd), "partnership_id": world.ab.partnership.id}
    client = client_as(world.ab.a.admin)
    # Only arguments that are ids of rows: a section key (and an item kind's key) names the same
    # section in every plan, and a revision number the same place in each section's history.
    not_ids = {"partnership_id", "section_key", "kind_key", "number"}
    with_other_ids = {rule.endpoint for rule in app.url_map.iter_rules() if len(rule.arguments - not_ids) > 0}
    planned = [r for r in _partnership_routes(app, mixed) if r[0] in with_other_ids and r[1] != "OPTIONS"]
    before = snapshot()
    for endpoint, method, path in _expect("admin with C–D ids", planned):
        response = call(client, method, path)
        TALLY["admin with C–D ids"] += 1
        assert response.status_code == 404, f"{method} {path} ({endpoint}) answered {response.status_code}"
    assert difference(before, snapshot()) == {}


def test_unknown_partnerships_look_the_same_as_foreign_ones(app, world, client_as):
    fillers = {**world.fillers(world.ab.partnership), "partnership_id": 999_999}
    client = client_as(world.ab.a.admin)
    for endpoint, method, path in _expect("admin, unknown id", _partnership_routes(app, fillers)):
        TALLY["admin, unknown id"] += 1
        assert call(client, method, path).status_code == 404, f"{method} {endpoint}"


def test_signed_out_users_are_sent_to_sign_in_and_back(app, world):
    anonymous = app.test_client()
    for endpoint, method, path in _expect("signed out", _partnership_routes(app, world.fillers(world.ab.partnership))):
        response = call(anonymous, method, path)
        TALLY["signed out"] += 1
        assert response.status_code == 302, f"{method} {path} ({endpoint}) answered {response.status_code}"
        assert response.headers["Location"].startswith("/signin?next="), endpoint


def test_viewers_cannot_write_anywhere(app, world, client_as):
    for role, viewer in (("viewer A", world.ab.a.viewer), ("viewer B", world.ab.b.viewer)):
        client = client_as(viewer)
        client.csrf_token()  # settle the session before the snapshot
        planned = [
            r
            for r in _partnership_routes(app, world.fillers(world.ab.partnership), methods=WRITE_METHODS)
            if r[0] not in VIEWER_ALLOWED_WRITES
        ]
        before = snapshot()
        for endpoint, method, path in _expect(role, planned):
            response = call(client, method, path)
            TALLY[role] += 1
            answered = response.status_code
            assert answered in (403, 404), f"{role}: {method} {path} ({endpoint}) answered {answered}"
        assert difference(before, snapshot()) == {}, role
        db.session.expire_all()


def test_the_walk_covered_every_partnership_route_for_every_role(capsys):
    if not EXPECTED:
        pytest.skip("run the whole module: this test reports the walk above")
    assert TALLY == EXPECTED
    assert len(TALLY) == 7 and sum(TALLY.values()) >= 100
    with capsys.disabled():
        print("\n" + TALLY.report())
