"""Presence: who has a section open, in the database store and the Redis store alike, shown as
“Dana Reyes, Contoso — editing for 3 min”; heartbeats never keep a forgotten tab signed in."""

import json
import os
import time
import uuid
from datetime import timedelta

import pytest

from app.coediting import presence
from app.coediting.presence import TTL_SECONDS, DatabasePresence, RedisPresence, people_present
from app.extensions import db
from app.types import utcnow


def _redis_client():
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is not reachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    return client


@pytest.fixture(params=["database", "redis"])
def store(request, app):
    if request.param == "database":
        yield DatabasePresence()
        return
    client = _redis_client()
    prefix = f"jointly-test-{uuid.uuid4().hex[:8]}"
    yield RedisPresence(client, prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _ids(two_parties):
    """Real partnership and user ids (the database store checks its foreign keys)."""
    p = two_parties
    return (p.partnership.id, p.outsider_partnership.id, p.a.editor.id, p.b.editor.id, p.a.viewer.id, p.outsider.id)


def test_a_heartbeat_makes_someone_present_until_it_expires(store, two_parties):
    ab, other, eve, ed, vic, olga = _ids(two_parties)
    now = utcnow()
    store.touch(ab, "risk_assessment", eve, "editing", now)
    store.touch(ab, "risk_assessment", ed, "viewing", now)
    store.touch(ab, "business_case", vic, "editing", now)  # another section
    store.touch(other, "risk_assessment", olga, "editing", now)  # another partnership
    found = {(p.user_id, p.mode) for p in store.present(ab, "risk_assessment", now)}
    assert found == {(eve, "editing"), (ed, "viewing")}
    later = now + timedelta(seconds=TTL_SECONDS + 1)
    assert store.present(ab, "risk_assessment", later) == []


def test_an_unbroken_run_keeps_its_start_and_a_lapsed_one_starts_again(store, two_parties):
    ab, _other, eve, *_rest = _ids(two_parties)
    start = utcnow().replace(microsecond=0)
    for seconds in range(0, 181, 15):
        store.touch(ab, "risk_assessment", eve, "editing", start + timedelta(seconds=seconds))
    [entry] = store.present(ab, "risk_assessment", start + timedelta(seconds=180))
    assert abs((entry.since - start).total_seconds()) < 1 and entry.seen_at > entry.since
    back = start + timedelta(seconds=180 + TTL_SECONDS + 30)  # the tab slept, then came back
    store.touch(ab, "risk_assessment", eve, "editing", back)
    [entry] = store.present(ab, "risk_assessment", back)
    assert abs((entry.since - back).total_seconds()) < 1


def test_leaving_removes_someone_at_once(store, two_parties):
    ab, _other, eve, *_rest = _ids(two_parties)
    now = utcnow()
    store.touch(ab, "risk_assessment", eve, "editing", now)
    store.leave(ab, "risk_assessment", eve, "editing")
    assert store.present(ab, "risk_assessment", now) == []


def test_people_present_name_members_with_their_party_and_how_long(plan, monkeypatch):
    monkeypatch.setattr(presence, "store", lambda: DatabasePresence())
    now = utcnow()
    ed, vic = plan.member(plan.people.b.editor), plan.member(plan.people.a.viewer)
    ada = plan.member(plan.people.a.admin)
    for seconds_ago in range(185, 0, -15):  # a heartbeat every 15 seconds for over 3 minutes
        presence.heartbeat(ed, "risk_assessment", "editing", now=now - timedelta(seconds=seconds_ago))
    presence.heartbeat(ed, "risk_assessment", "viewing", now=now)  # a second tab only reading
    presence.heartbeat(vic, "risk_assessment", "viewing", now=now)
    presence.heartbeat(ada, "risk_assessment", "editing", now=now)
    db.session.commit()
    people = people_present(plan.partnership.id, "risk_assessment", exclude_user_id=ada.user_id, now=now)
    assert [p.sentence(now) for p in people] == [
        "Ed Editor, Beta GmbH — editing for 3 min",
        "Vic Viewer, Alpha Ltd — viewing",
    ]


def test_someone_removed_from_the_partnership_disappears_from_presence(plan):
    from app.partnerships import services as partnerships

    ed = plan.member(plan.people.b.editor)
    presence.heartbeat(ed, "risk_assessment", "editing")
    db.session.commit()
    assert people_present(plan.partnership.id, "risk_assessment")
    partnerships.remove_member(plan.member(plan.people.b.admin), ed)
    db.session.commit()
    assert people_present(plan.partnership.id, "risk_assessment") == []


def test_the_presence_endpoint_reads_with_get_and_records_with_post(plan, client_as):
    url = f"/partnerships/{plan.partnership.id}/plan/risk_assessment/presence"
    ed = client_as(plan.people.b.editor)
    response = ed.post(url, data={"mode": "editing"}, headers={"X-CSRFToken": ed.csrf_token()})
    assert response.status_code == 200 and response.get_json()["people"] == []
    assert "Set-Cookie" not in response.headers  # a background request leaves the cookie alone
    viewer = client_as(plan.people.a.viewer)
    before = viewer.get(url)
    data = before.get_json()
    assert data["heartbeat_seconds"] == 15
    assert data["people"] == [{"name": "Ed Editor", "party": "Beta GmbH", "mode": "editing", "minutes": 0,
                               "text": "Ed Editor, Beta GmbH — editing for less than a minute"}]
    assert before.headers["Cache-Control"] == "no-store"
    # Readers only read: a viewer's heartbeat is refused, and GET never records anyone.
    assert viewer.post(url, data={"mode": "viewing"}, headers={"X-CSRFToken": viewer.csrf_token()}).status_code == 403
    assert [p["name"] for p in client_as(plan.people.a.admin).get(url).get_json()["people"]] == ["Ed Editor"]
    assert ed.post(url, data={"mode": "dancing"}, headers={"X-CSRFToken": ed.csrf_token()}).status_code == 400
    assert ed.post(url, data={"mode": "editing"}).status_code == 400  # no CSRF token
    # Leaving (the page's beacon sends the token in the body).
    assert ed.post(url, data={"mode": "editing", "leave": "1", "csrf_token": ed.csrf_token()}).status_code == 200
    assert viewer.get(url).get_json()["people"] == []


def test_the_section_page_and_editor_show_who_is_there(plan, client_as):
    presence.heartbeat(plan.member(plan.people.b.editor), "risk_assessment", "editing")
    db.session.commit()
    base = f"/partnerships/{plan.partnership.id}/plan/risk_assessment"
    page = client_as(plan.people.a.viewer).get(base).get_data(as_text=True)
    assert "Ed Editor, Beta GmbH — editing for less than a minute" in page and 'data-heartbeat="no"' in page
    editor = client_as(plan.people.a.editor).get(base + "/edit").get_data(as_text=True)
    assert "Ed Editor, Beta GmbH — editing" in editor and 'data-mode="editing"' in editor
    assert "changes that do not overlap merge automatically" in editor


def test_heartbeats_do_not_keep_a_forgotten_tab_signed_in(plan, client_as, monkeypatch):
    """Idle limit 120 min: a tab left open keeps heartbeating, but only heartbeats saying the person
    typed or clicked count as activity, so the session still ends."""
    from app.accounts import session as sessions

    url = f"/partnerships/{plan.partnership.id}/plan/risk_assessment/presence"
    ed = client_as(plan.people.b.editor)
    token = ed.csrf_token()
    clock = [time.time()]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    for _ in range(8):  # 8 × 20 minutes of heartbeats nobody is behind
        clock[0] += 20 * 60
        response = ed.post(url, data={"mode": "editing", "active": "0"}, headers={"X-CSRFToken": token})
        if response.status_code != 200:
            break
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_a_heartbeat_after_typing_counts_as_activity(plan, client_as, monkeypatch):
    from app.accounts import session as sessions

    url = f"/partnerships/{plan.partnership.id}/plan/risk_assessment/presence"
    ed = client_as(plan.people.b.editor)
    token = ed.csrf_token()
    clock = [time.time()]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    for _ in range(8):  # the person types for 160 minutes without saving: still signed in
        clock[0] += 20 * 60
        response = ed.post(url, data={"mode": "editing", "active": "1"}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert json.loads(response.get_data(as_text=True))["heartbeat_seconds"] == 15
