"""Several instances behind one load balancer: two gunicorn processes on different ports
share one PostgreSQL database and one Redis, and a user cannot tell them apart.

Sessions are signed cookies checked against the shared database, and the sign-in limits
count in Redis, so both hold across instances. Presence (who is editing a section) lives in
Redis too: a heartbeat sent to one instance is seen through the other.

Needs PostgreSQL (postgres_only) and Redis: REDIS_URL when set and reachable, otherwise a
private redis-server started for the test when one is installed; skipped without Redis
unless REQUIRE_REDIS=1.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases
from tests.support.factories import PASSWORD, make_organisation_user, make_two_parties
from tests.support.http import Browser
from tests.support.mail import free_port
from tests.support.services import redis_client as redis_client_for

pytestmark = pytest.mark.postgres_only

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _wait_until_up(url: str, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path) as handle:
                pytest.fail(f"gunicorn exited early:\n{handle.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not come up within 30 s")


@pytest.fixture
def two_instances(tmp_path, redis_url):
    """Two gunicorn instances sharing a new PostgreSQL database and Redis:
    (url1, url2, a Redis client, the instances' key prefix, the TwoParties partnership in it)."""
    redis_client = redis_client_for(redis_url)
    url = databases.create_postgres_database("instances")
    prefix = f"jointly-test-{uuid.uuid4().hex[:8]}"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path / "setup")})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        make_organisation_user(email="sam@example.com")
        world = make_two_parties()
        db.session.commit()
        world = {"partnership_id": world.partnership.id, "a": world.a.editor.email, "b": world.b.editor.email}
        db.engine.dispose()
    processes, urls = [], []
    try:
        for n in (1, 2):
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "SECRET_KEY": "shared-secret-for-both-instances",
                "REDIS_URL": redis_url,
                "RATELIMIT_KEY_PREFIX": prefix,
                "SIGNIN_LIMIT_PER_ACCOUNT": "3 per minute",
                "SIGNIN_LIMIT_PER_IP": "100 per minute",
                "JOINTLY_INSTANCE_PATH": str(tmp_path / f"instance{n}"),
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            }
            log_path = str(tmp_path / f"gunicorn{n}.log")
            log = open(log_path, "w")  # noqa: SIM115 - the process writes to it until the end
            command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                       "--threads", "2", "--access-logfile", "-", "wsgi:app"]
            processes.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log), log))
            urls.append(f"http://127.0.0.1:{port}")
            _wait_until_up(urls[-1], processes[-1][0], log_path)
        yield urls[0], urls[1], redis_client, prefix, world
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        databases.drop_postgres_database(url)


def test_a_session_started_on_one_instance_works_on_the_other(two_instances):
    one, two, _redis_client, _prefix, _world = two_instances
    browser = Browser(one)
    assert browser.submit("/signin", {"email": "sam@example.com", "password": PASSWORD}).location == "/home"
    # Cookies do not depend on the port: the same cookie goes to the second instance.
    assert browser.request("GET", two + "/account").status == 200
    # Signing out on the second instance ends the session on the first too, even for a
    # copy of the cookie taken before.
    copy = Browser(one)
    for cookie in browser.cookies:
        copy.cookies.set_cookie(cookie)
    browser.submit(two + "/signout", {}, page=two + "/home")
    assert copy.request("GET", one + "/account").status == 302


def test_failed_sign_ins_count_across_instances(two_instances):
    one, two, redis_client, prefix, _world = two_instances
    wrong = {"email": "sam@example.com", "password": "not the password!"}
    assert Browser(one).submit("/signin", wrong).status == 422
    assert Browser(two).submit("/signin", wrong).status == 422
    assert Browser(one).submit("/signin", wrong).status == 422
    blocked = Browser(two).submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    assert blocked.status == 429 and "Too many" in blocked.text
    assert list(redis_client.scan_iter(f"*{prefix}*"))  # the counts live in Redis


def test_presence_sent_to_one_instance_is_seen_through_the_other(two_instances):
    one, two, redis_client, prefix, world = two_instances
    section = f"/partnerships/{world['partnership_id']}/plan/risk_assessment"
    eve, ed = Browser(one), Browser(two)
    for browser, base, email in ((eve, one, world["a"]), (ed, two, world["b"])):
        assert browser.submit(base + "/signin", {"email": email, "password": PASSWORD}).location == "/home"
    # Eve's editor heartbeats go to the first instance...
    beat = eve.submit(one + section + "/presence", {"mode": "editing"}, page=one + section)
    assert beat.status == 200
    # ...and Ed, served by the second, sees her.
    seen = json.loads(ed.get(two + section + "/presence").text)["people"]
    assert [(p["name"], p["party"], p["mode"]) for p in seen] == [("Eve Editor", "Alpha Ltd", "editing")]
    assert "Eve Editor, Alpha Ltd — editing" in ed.get(two + section).text  # and the page shows it
    # The other way round, reading through the first instance.
    assert ed.submit(two + section + "/presence", {"mode": "viewing"}, page=two + section).status == 200
    seen = json.loads(eve.get(one + section + "/presence").text)["people"]
    assert [(p["name"], p["mode"]) for p in seen] == [("Ed Editor", "viewing")]
    assert list(redis_client.scan_iter(f"{prefix}:presence:*"))  # kept in Redis, not in either process
