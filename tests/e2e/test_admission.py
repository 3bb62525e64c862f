"""Joint consent in the browser, with three organisations: Alpha proposes to admit Carrier SA,
Beta declines and nothing changes; Alpha proposes again, Beta agrees, Carrier is invited,
accepts and sees the plan. Throughout, the signed v1.0 stays signed by its two parties, its PDF
verifies green, the closed 2026-Q3 report PDF stays byte-identical, the open cycle waits for no
one new, and the next cycle includes Carrier."""

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import User
from app.extensions import db
from app.partnerships.access import load_membership
from app.partnerships.models import Partnership, Party
from app.plan_versions import pdfs
from app.review_cycle import improvement, report
from app.review_cycle.models import ReviewCycle
from tests.support import review_cycle
from tests.support.browser import sign_in
from tests.support.factories import make_organisation_user, make_two_parties
from tests.support.mail import first_link
from tests.support.plans import Versions

CARA = "cara@carrier.example.com"


def _close(cycle, a, b) -> None:
    """Both parties' admins submit and agree through every stage until the cycle closes."""
    review_cycle.submit(cycle, a, 4, comment="Steady.")
    review_cycle.submit(cycle, b, 3, comment="Could be better.")
    for _ in range(6):
        db.session.refresh(cycle)
        if cycle.stage == "closed":
            return
        if cycle.stage == "adapt":
            improvement.add_adaptation(load_membership(cycle.partnership_id, b), cycle, "Meet weekly.", "Delays.",
                                "communications")
            db.session.commit()
        if cycle.stage == "improve":
            review_cycle.add_action(cycle, a)
        review_cycle.agree_all(cycle, [a, b])
    raise AssertionError(f"the cycle did not close: {cycle.stage}")


def _setup(live_server):
    with live_server.app.app_context():
        people = make_two_parties()
        versions = Versions(people)
        versions.write_everything()
        db.session.commit()
        version = versions.issue()
        versions.sign(version, people.a.admin)
        versions.sign(version, people.b.admin)
        pdfs.build_now(version.id)
        signed_pdf = pdfs.document_state(version).latest.data
        review_cycle.add_measures(people.partnership, people.a.admin)
        closed = review_cycle.open_cycle(people.partnership, people.a.admin, "2026-Q3")
        _close(closed, people.a.admin, people.b.admin)
        stored = report.stored_report(closed.id)
        if stored is None:  # rendered by a worker at close; in tests, render it now
            report.build_report_document(closed.id)
            db.session.commit()
            stored = report.stored_report(closed.id)
        current = review_cycle.open_cycle(people.partnership, people.a.admin, "2026-Q4")
        make_organisation_user("Carrier SA", email=CARA, name="Cara Carrier")
        db.session.commit()
        return {
            "p": people.partnership.id, "ada": people.a.admin.email, "bob": people.b.admin.email,
            "version": version.id, "pdf": signed_pdf, "closed": closed.id, "report_sha": stored.sha256,
            "current": current.id,
        }


def _propose_carrier(page, base: str, p: int, reason: str) -> None:
    page.goto(f"{base}/partnerships/{p}/members")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label(re.compile("Someone from another organisation")).check()
    page.get_by_label("Their email address").fill(CARA)
    page.get_by_label("Their organisation").fill("Carrier SA")
    page.get_by_label(re.compile("Why bring them in")).fill(reason)
    page.get_by_role("button", name="Send invitation or proposal").click()
    expect(page.get_by_role("heading", name=re.compile("Admit Carrier SA as a new party"))).to_be_visible()
    expect(page.locator(".flash--success")).to_contain_text("invited when every other party agrees")


def _answer_from_home(page, base: str, p: int, button: str, reason: str = "") -> None:
    page.goto(f"{base}/partnerships/{p}")
    panel = page.locator(".overview__panel--proposals")
    expect(panel).to_contain_text("Waiting for your agreement")
    panel.get_by_role("link", name=re.compile("Admit Carrier SA")).click()
    expect(page.locator(".proposal")).to_contain_text("Once they accept, Carrier SA sees")
    if reason:
        page.get_by_label("Your reason").fill(reason)
    page.get_by_role("button", name=button, exact=True).click()


def _history_unchanged(live_server, page, ids) -> None:
    base, p = live_server.url, ids["p"]
    page.goto(f"{base}/partnerships/{p}/versions/{ids['version']}")
    expect(page.locator(".badge--version-signed")).to_have_text("Signed baseline")
    expect(page.locator(".signatures")).to_contain_text("Alpha Ltd")
    expect(page.locator(".signatures")).to_contain_text("Beta GmbH")
    expect(page.locator("main")).not_to_contain_text("2 of 3")
    pdf = page.request.get(f"{base}/partnerships/{p}/reviews/{ids['closed']}/report.pdf")
    assert pdf.ok and hashlib.sha256(pdf.body()).hexdigest() == ids["report_sha"]
    page.goto(f"{base}/partnerships/{p}/reviews/{ids['current']}")
    waiting_for = page.locator(".stage-now .party-status")
    expect(waiting_for).to_contain_text("Alpha Ltd")  # the cycle's own parties, and no one else
    expect(waiting_for).to_contain_text("Beta GmbH")
    expect(waiting_for).not_to_contain_text("Carrier SA")


def _verify_green(page, base: str, pdf: bytes, tmp_path) -> None:
    path = tmp_path / "v1.0.pdf"
    path.write_bytes(pdf)
    page.goto(f"{base}/verify")
    page.get_by_label("File to verify").set_input_files(str(path))
    page.get_by_role("button", name="Verify", exact=True).click()
    result = page.locator(".verify-result")
    expect(result).to_contain_text("Intact, signed by every party of v1.0")
    expect(result).to_contain_text("Alpha Ltd and Beta GmbH")
    expect(result).not_to_contain_text("not a plan version every party signed")


def _in_a_thread(function, *args):
    """PDF signing runs its own event loop, which Playwright's (running in this thread) forbids."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def test_a_third_party_is_admitted_only_with_every_partys_agreement_and_history_stays(live_server, new_page, tmp_path):
    ids = _in_a_thread(_setup, live_server)
    base, p = live_server.url, ids["p"]
    ada, bob, cara = new_page(), new_page(), new_page()
    sign_in(ada, base, ids["ada"])
    sign_in(bob, base, ids["bob"])
    sign_in(cara, base, CARA)

    _propose_carrier(ada, base, p, "Carrier SA runs the line haul; they should own the transport risks.")
    _answer_from_home(bob, base, p, "Decline", "Not before the contract with Carrier is signed.")
    expect(bob.locator(".flash--success")).to_contain_text("You declined")
    expect(bob.locator(".badge--proposal-declined")).to_be_visible()
    assert not [m for m in live_server.smtp.messages if CARA in str(m["To"])]  # nothing was sent
    assert cara.goto(f"{base}/partnerships/{p}").status == 404
    _history_unchanged(live_server, ada, ids)

    _propose_carrier(ada, base, p, "The contract with Carrier is signed now.")
    _answer_from_home(bob, base, p, "Agree")
    expect(bob.locator(".flash--success")).to_contain_text("Every party has agreed")
    [invitation] = [m for m in live_server.smtp.messages if CARA in str(m["To"])]
    cara.goto(first_link(invitation))
    cara.get_by_role("button", name="Accept and join").click()
    expect(cara).to_have_url(f"{base}/partnerships/{p}")
    expect(cara.locator("main")).to_contain_text("Carrier SA")
    cara.goto(f"{base}/partnerships/{p}/plan")
    expect(cara.locator("main")).to_contain_text("Risk")

    _history_unchanged(live_server, cara, ids)
    _verify_green(cara, base, ids["pdf"], tmp_path)

    _in_a_thread(_next_cycle_includes_carrier, live_server, ids)


def _next_cycle_includes_carrier(live_server, ids) -> None:
    with live_server.app.app_context():
        current = db.session.get(ReviewCycle, ids["current"])
        assert "Carrier SA" not in [party["name"] for party in current.parties]
        a = db.session.scalar(sa.select(User).where(User.email == ids["ada"]))
        b = db.session.scalar(sa.select(User).where(User.email == ids["bob"]))
        _close(current, a, b)
        following = review_cycle.open_cycle(db.session.get(Partnership, ids["p"]), a, "2027-Q1")
        carrier = db.session.scalar(sa.select(Party).where(Party.partnership_id == ids["p"]).order_by(Party.id.desc()))
        assert carrier.name == "Carrier SA"
        assert carrier.id in [party["party_id"] for party in following.parties]

