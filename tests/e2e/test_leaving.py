"""Journey: Beta's admin takes Beta out of the partnership in the browser; Beta's people lose
access at once, Alpha is told and still reads what Beta did; a viewer never sees "New partnership"."""

from playwright.sync_api import expect

from app.extensions import db
from tests.support.browser import sign_in
from tests.support.factories import make_two_parties


def test_a_party_leaves_and_the_others_keep_its_record(live_server, new_page):
    with live_server.app.app_context():
        people = make_two_parties()
        db.session.commit()
        base = f"{live_server.url}/partnerships/{people.partnership.id}"
        bob, val, ada, vic = (people.b.admin.email, people.b.viewer.email, people.a.admin.email,
                              people.a.viewer.email)

    viewer = new_page()
    sign_in(viewer, live_server.url, vic)
    expect(viewer.get_by_role("heading", name="Alpha Ltd's partnerships")).to_be_visible()
    expect(viewer.get_by_role("link", name="New partnership")).to_have_count(0)

    beta_viewer = new_page()
    sign_in(beta_viewer, live_server.url, val)
    beta_viewer.goto(base)
    expect(beta_viewer.get_by_role("heading", name="Alpha–Beta Alliance")).to_be_visible()

    admin = new_page()
    sign_in(admin, live_server.url, bob)
    admin.goto(base + "/members")
    admin.get_by_role("link", name="Leave for Beta GmbH…").click()
    expect(admin.get_by_role("heading", name="Take Beta GmbH out of Alpha–Beta Alliance")).to_be_visible()
    expect(admin.get_by_text("Everyone of Beta GmbH loses access to this partnership at once")).to_be_visible()
    admin.get_by_role("button", name="Leave the partnership for Beta GmbH").click()
    expect(admin.get_by_text("Say why your party leaves: the other parties read it.").first).to_be_visible()
    admin.get_by_label("Why your party leaves").fill("Our contract with Alpha ends this quarter.")
    admin.get_by_label("I understand").check()
    admin.get_by_role("button", name="Leave the partnership for Beta GmbH").click()
    expect(admin.get_by_text("Beta GmbH has left Alpha–Beta Alliance.")).to_be_visible()
    assert admin.goto(base).status == 404

    assert beta_viewer.goto(base).status == 404  # at once, in a session that was already open

    alpha = new_page()
    sign_in(alpha, live_server.url, ada)
    alpha.goto(live_server.url + "/notifications")
    expect(alpha.get_by_text("Beta GmbH left Alpha–Beta Alliance")).to_be_visible()
    alpha.goto(base + "/members")
    former = alpha.get_by_role("region", name="Parties that left")
    expect(former).to_contain_text("Beta GmbH left on")
    expect(former).to_contain_text("Our contract with Alpha ends this quarter.")
    alpha.goto(base + "/audit")
    expect(alpha.get_by_text("took Beta GmbH out of the partnership").first).to_be_visible()
