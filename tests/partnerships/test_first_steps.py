"""A new partnership's home page lists its first steps with progress, until all are done."""

from app.extensions import db
from tests.support.factories import make_organisation_user, make_partnership


def test_a_new_partnership_shows_its_first_steps_instead_of_an_empty_plan(app, client_as):
    founder = make_organisation_user("Alpha Ltd")
    partnership = make_partnership(founder)
    db.session.commit()
    page = client_as(founder).get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "First steps" in page
    assert "<strong>0 of 4</strong> done" in page
    assert "Only your organisation is in it yet" in page and "0 of 10 sections written" in page
    assert f'href="/partnerships/{partnership.id}/invitations/new"' in page
    assert "Nobody has written a section yet" in page and "% complete" not in page


def test_steps_done_are_marked_and_a_viewer_gets_no_links(two_parties, client_as):
    partnership = two_parties.partnership
    viewer_page = client_as(two_parties.a.viewer).get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "<strong>1 of 4</strong> done" in viewer_page
    assert "first-steps__step--done" in viewer_page
    assert "/invitations/new" not in viewer_page and "/edit" not in viewer_page
    admin_page = client_as(two_parties.a.admin).get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert f"/partnerships/{partnership.id}/plan/business_case/edit#kind-measures" in admin_page


def test_a_partnership_past_its_first_steps_does_not_list_them(demo):
    from app.demo.workspace import DEMO_PASSWORD, PEOPLE

    client = demo.test_client()
    client.sign_in(PEOPLE[0][2], DEMO_PASSWORD)
    assert "First steps" not in client.get("/partnerships/1").get_data(as_text=True)
