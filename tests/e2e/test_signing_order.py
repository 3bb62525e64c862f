"""Signing in turn, in the browser: Alpha's admin issues v1.0 with a deadline and Beta (the
supplier) to sign first; Alpha cannot sign before Beta has; Beta signs, Alpha is told it is its
turn, and signs."""

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.types import utcnow
from tests.support.browser import LiveServer, sign_in
from tests.support.factories import PASSWORD, make_two_parties
from tests.support.mail import SMTPServer
from tests.support.plans import Versions

SHOTS = os.environ.get("JOINTLY_SCREENSHOTS")


@pytest.fixture
def live_server(make_app):
    """The app with its jobs queued for a worker rather than run in the request: this journey is
    about turns, and rendering the PDF after each issue and signature only slows its pages."""
    with SMTPServer() as smtp:
        server = LiveServer(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, JOBS_IMMEDIATE=False), smtp)
        server.start()
        yield server
        server.stop()


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"signing-order-{name}.png"), full_page=True)


def sign(page, name: str) -> None:
    page.get_by_role("link", name="Read and sign").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type your full name").fill(name)
    page.get_by_label("I confirm the statement above").check()
    page.get_by_role("button", name="Sign v1.0").click()


def test_the_supplier_signs_first_then_the_other_party(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        Versions(people).write_everything()
        db.session.commit()
        versions_url = f"{live_server.url}/partnerships/{people.partnership.id}/versions"
        ada, bob = people.a.admin, people.b.admin
        ada_email, bob_email, ada_name, bob_name = ada.email, bob.email, ada.full_name, bob.full_name
        beta_id = people.b.party.id
    sign_by = utcnow().date() + timedelta(days=10)

    a = new_page()
    sign_in(a, live_server.url, ada_email)
    a.goto(versions_url)
    a.get_by_role("link", name="Issue a version").click()
    a.get_by_label("Major step → v1.0").check()
    a.get_by_label("What changed").fill("The first plan, signed by the supplier first.")
    a.get_by_label("Sign by").fill(sign_by.isoformat())
    a.get_by_label("Beta GmbH, then Alpha Ltd").check()
    shot(a, "issue")
    a.get_by_role("button", name="Issue for signature").click()
    expect(a.locator(".flash--success")).to_contain_text("Beta GmbH's signatories are asked to sign it first")
    facts = a.locator(".version-facts")
    expect(facts).to_contain_text(f"{sign_by:%-d %B %Y}")
    expect(facts).to_contain_text("Beta GmbH, then Alpha Ltd")
    signatures = a.locator(".signatures")
    expect(signatures).to_contain_text("Its turn to sign")
    expect(signatures).to_contain_text("Waiting for its turn")
    expect(signatures).to_contain_text("Pending: Bob Admin")
    expect(a.get_by_role("link", name="Read and sign")).to_have_count(0)
    expect(signatures).to_contain_text("not Alpha Ltd's turn to sign v1.0 yet")
    shot(a, "version")
    version_url = a.url
    a.goto(version_url + "/sign")
    expect(a.locator("#out-of-turn")).to_contain_text("waits for Beta GmbH first")
    expect(a.get_by_label("Your password")).to_have_count(0)

    a.goto(version_url)
    a.get_by_role("button", name="Nudge Beta GmbH's signatories").click()
    expect(a.locator(".flash--success")).to_contain_text("Beta GmbH's signatories are reminded")
    a.get_by_role("button", name="Nudge Beta GmbH's signatories").click()
    expect(a.locator(f"#nudge-error-{beta_id}")).to_contain_text("one nudge a day is enough")
    shot(a, "nudge-too-soon")

    b = new_page()
    sign_in(b, live_server.url, bob_email)
    b.goto(version_url)
    sign(b, bob_name)
    expect(b.locator(".flash--success")).to_contain_text("You signed v1.0 for Beta GmbH")

    a.goto(f"{live_server.url}/notifications")
    expect(a.get_by_text(re.compile("It is Alpha Ltd's turn to sign plan v1.0"))).to_be_visible()
    a.goto(version_url)
    sign(a, ada_name)
    expect(a.locator(".flash--success")).to_contain_text("it is now the plan's signed baseline")
    expect(a.locator(".badge--version-signed")).to_have_text("Signed baseline")
    shot(a, "signed")
