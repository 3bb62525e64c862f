"""Journey: the portfolio dashboard, and the bell telling a colleague about an invitation."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.notifications import services as notifications
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.types import utcnow
from tests.support.factories import PASSWORD, join, make_colleague, make_organisation_user


def _portfolio(app):
    """Fay runs three of Fabrikam's partnerships; her colleague Gus has an account but none."""
    with app.app_context():
        fay = make_organisation_user("Fabrikam Foods", email="fay@fabrikam.example.com", name="Fay Field")
        make_colleague(fay.organisation, email="gus@fabrikam.example.com", name="Gus Green")
        partner = make_organisation_user("Wingtip Toys", email="will@wingtip.example.com", name="Will Wing")
        today = utcnow().date()
        for name, type_, status, years in (
            ("Fabrikam–Wingtip Cold Chain", "outsourcing", "active", 4),
            ("Fabrikam–Wingtip Pilot", "research_collaboration", "forming", 0.5),
            ("Fabrikam Packaging Supply", "key_supplier", "active", 2),
        ):
            partnership = partnerships.create_partnership(
                fay, name=name, type=type_, purpose="Work together.",
                start_date=today - timedelta(days=int(years * 365)),
            )
            if status != "forming":
                partnerships.update_partnership(load_membership(partnership.id, fay), status=status)
            join(partnership, partner, "admin")
        db.session.commit()
        cold_chain = next(p for p, _ in partnerships.partnerships_of(fay) if p.name.endswith("Cold Chain"))
        notifications.notify(
            [fay], "section_changed_by_other_party", partnership=cold_chain,
            title="Wingtip Toys changed “Risk assessment”", link=f"/partnerships/{cold_chain.id}", actor=partner,
            topic="risks",
        )
        db.session.commit()
        return cold_chain.id


def sign_in(page, base, email):
    page.goto(base + "/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/home")


def test_the_portfolio_and_the_bell(live_server, new_page):
    base = live_server.url
    cold_chain_id = _portfolio(live_server.app)

    fay = new_page()
    sign_in(fay, base, "fay@fabrikam.example.com")
    expect(fay.get_by_role("heading", name="Fabrikam Foods's partnerships")).to_be_visible()
    totals = fay.get_by_role("region", name="Portfolio totals")
    expect(totals).to_contain_text("3")
    expect(totals).to_contain_text("average time running")
    rows = fay.locator("table.portfolio-table tbody tr")
    expect(rows).to_have_count(3)

    # Filter without any script: choose a status and press Show.
    fay.get_by_label("Status").select_option("active")
    fay.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(2)
    expect(fay.get_by_text("Showing 2 of 3")).to_be_visible()

    # Sort by clicking a column heading; the heading says how it is sorted.
    fay.get_by_label("Sort by").select_option(label="Running for")
    fay.get_by_label("Order").select_option("desc")
    fay.get_by_role("button", name="Show").click()
    expect(rows.first).to_contain_text("Cold Chain")
    fay.get_by_label("Order").select_option("asc")
    fay.get_by_role("button", name="Show").click()
    expect(rows.first).to_contain_text("Packaging Supply")
    fay.get_by_role("link", name=re.compile("^Partnership ;")).click()
    expect(fay.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")

    # The bell: one unread change by the other party; opening it goes to the partnership.
    bell = fay.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(fay.get_by_role("heading", name="Notifications")).to_be_visible()
    fay.get_by_role("button", name="Wingtip Toys changed “Risk assessment”").click()
    expect(fay).to_have_url(f"{base}/partnerships/{cold_chain_id}")
    expect(fay.get_by_role("link", name="Notifications, none unread")).to_be_visible()

    # Fay invites her colleague Gus, who already has an account.
    fay.goto(f"{base}/partnerships/{cold_chain_id}/invitations/new")
    fay.get_by_label("Their email address").fill("gus@fabrikam.example.com")
    fay.get_by_role("button", name="Send invitation").click()
    expect(fay.get_by_text("Invitation sent to gus@fabrikam.example.com")).to_be_visible()
    assert live_server.smtp.arrived.wait(10)
    assert len(live_server.smtp.to("gus@fabrikam.example.com")) == 1  # the invitation email, once

    gus = new_page(viewport={"width": 390, "height": 844})  # on his phone
    sign_in(gus, base, "gus@fabrikam.example.com")
    expect(gus.get_by_role("heading", name="No partnerships yet")).to_be_visible()
    gus.get_by_role("link", name="Notifications, 1 unread").click()
    item = gus.locator(".notification--unread")
    expect(item).to_contain_text("Fay Field invited you to Fabrikam–Wingtip Cold Chain")
    expect(item).to_contain_text("open the link in the invitation email")
    item.get_by_role("button", name="Mark as read").click()
    expect(gus.locator(".notification--unread")).to_have_count(0)
    expect(gus.get_by_role("link", name="Notifications, none unread")).to_be_visible()
    expect(gus.get_by_text("You are all caught up.")).to_be_visible()
