"""Issue journey: sign up, create a partnership, invite the partner, partner joins, outsiders see nothing."""

import re

from playwright.sync_api import expect

from tests.support.mail import first_link

PASSWORD = "a perfectly long passphrase"


def sign_up(page, base, organisation, name, email):
    page.goto(base + "/signup")
    page.get_by_label("Organisation").fill(organisation)
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(base + "/home")


def test_two_organisations_meet_in_a_partnership_and_outsiders_see_nothing(live_server, new_page):
    base = live_server.url
    fay = new_page()
    sign_up(fay, base, "Fabrikam Foods", "Fay Field", "fay@fabrikam.example.com")
    expect(fay.get_by_role("heading", name="No partnerships yet")).to_be_visible()

    fay.get_by_role("link", name="New partnership").first.click()
    fay.get_by_label("Partnership name").fill("Fabrikam–Wingtip Cold Chain")
    fay.get_by_label("Type").select_option("key_supplier")
    fay.get_by_label("Purpose").fill("Run Fabrikam's chilled distribution with Wingtip.")
    fay.get_by_role("button", name="Create partnership").click()
    expect(fay.get_by_role("heading", name="Fabrikam–Wingtip Cold Chain")).to_be_visible()
    partnership_url = fay.url
    assert re.search(r"/partnerships/\d+$", partnership_url)

    fay.get_by_role("link", name="Invite").first.click()
    fay.get_by_label("Someone from another organisation, as a new party").check()
    expect(fay.get_by_label("Their organisation")).to_be_visible()  # revealed by the page's script
    fay.get_by_label("Their email address").fill("will@wingtip.example.com")
    fay.get_by_label("Their organisation").fill("Wingtip Toys")
    fay.get_by_label("Role").select_option("admin")
    fay.get_by_label("Signatory: may sign plan versions for their party").check()
    fay.get_by_role("button", name="Send invitation").click()
    expect(fay.get_by_text("Invitation sent to will@wingtip.example.com")).to_be_visible()

    assert live_server.smtp.arrived.wait(10)
    [message] = live_server.smtp.to("will@wingtip.example.com")
    link = first_link(message)
    assert link.startswith(base + "/invitations/")

    will = new_page()
    will.goto(link)
    expect(will.get_by_role("heading", name="Join Fabrikam–Wingtip Cold Chain")).to_be_visible()
    will.get_by_label("Your full name").fill("Will Wing")
    expect(will.get_by_label("Your organisation")).to_have_value("Wingtip Toys")
    will.get_by_label("Choose a password").fill(PASSWORD)
    will.get_by_role("button", name="Create account and join").click()
    expect(will).to_have_url(partnership_url)
    expect(will.get_by_role("heading", name="Wingtip Toys")).to_be_visible()
    expect(will.get_by_text("Admin · signatory").last).to_be_visible()

    fay.goto(partnership_url)
    expect(fay.get_by_role("heading", name="Wingtip Toys")).to_be_visible()
    expect(fay.get_by_text("Will Wing")).to_be_visible()

    olga = new_page()
    sign_up(olga, base, "Gamma Inc", "Olga Outsider", "olga@gamma.example.com")
    for path in ("", "/members", "/settings", "/invitations/new"):
        response = olga.goto(partnership_url + path)
        assert response.status == 404, path
        expect(olga.get_by_role("heading", name="Page not found")).to_be_visible()
    olga.goto(base + "/home")
    expect(olga.get_by_text("Fabrikam–Wingtip Cold Chain")).to_have_count(0)
