"""The My work page, the header's count, and where sign-in lands."""

import re
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.plan_sections.models import PlanSection, SectionRevision
from app.types import utcnow
from tests.support import review_cycle
from tests.support.consent import propose_rename
from tests.support.factories import PASSWORD, join, make_partnership
from tests.support.my_work import mention
from tests.support.queries import count_queries


def waiting_review(partnership, admin):
    review_cycle.add_measures(partnership, admin)
    return review_cycle.open_cycle(partnership, admin)


def test_sign_in_lands_on_my_work_when_something_waits(app, two_parties):
    w = two_parties
    waiting_review(w.partnership, w.a.admin)
    client = app.test_client()
    assert client.sign_in(w.b.editor.email, PASSWORD).headers["Location"] == "/my-work"


def test_sign_in_lands_on_the_portfolio_when_nothing_waits(app, two_parties):
    client = app.test_client()
    assert client.sign_in(two_parties.b.viewer.email, PASSWORD).headers["Location"] == "/home"


def test_an_explicit_next_still_wins(app, two_parties):
    w = two_parties
    waiting_review(w.partnership, w.a.admin)
    client = app.test_client()
    target = f"/partnerships/{w.partnership.id}/plan"
    response = client.submit(f"/signin?next={target}", {"email": w.b.editor.email, "password": PASSWORD})
    assert response.headers["Location"] == target


def test_the_page_lists_each_item_with_its_link_due_date_and_counts(two_parties, client_as):
    w = two_parties
    cycle = waiting_review(w.partnership, w.a.admin)
    proposal = propose_rename(w)
    html = client_as(w.b.admin).get("/my-work").get_data(as_text=True)
    assert "2 things waiting for you" in html
    assert f'href="/partnerships/{w.partnership.id}/proposals/{proposal.id}"' in html
    assert f'href="/partnerships/{w.partnership.id}/reviews/{cycle.id}/assessment"' in html
    assert f'datetime="{cycle.review_due_on.isoformat()}"' in html
    assert 'href="#work-proposal"' in html and 'href="#work-assessment"' in html
    assert "Alpha–Beta Alliance" in html
    # The header links to it, with the count shown at once on this page.
    assert re.search(r'href="/my-work" aria-current="page" aria-label="My work, 2 waiting"', html)
    assert re.search(r'My work<span class="nav-count" aria-hidden="true" data-count-number>2</span>', html)


def test_nothing_waiting_says_so_and_offers_the_portfolio(two_parties, client_as):
    html = client_as(two_parties.b.viewer).get("/my-work").get_data(as_text=True)
    assert "Nothing is waiting for you" in html and 'href="/home"' in html


def test_the_header_count(two_parties, client_as):
    w = two_parties
    client = client_as(w.b.admin)
    assert client.get("/my-work/count").get_json() == {"count": 0}
    propose_rename(w)
    response = client.get("/my-work/count")
    assert response.get_json() == {"count": 1}
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'data-my-work-count="/my-work/count"' in client.get("/home").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/my-work", "/my-work/count"):
        assert client.get(path).headers["Location"].startswith("/signin?next=")


def _workload(partnership, admin_a, editor_b):
    """For Beta's admin: a review waiting, a proposal, two stale sections (the business case its
    measures are in and the risk assessment) and a mention."""
    waiting_review(partnership, admin_a)
    propose_rename(SimpleNamespace(partnership=partnership, a=SimpleNamespace(admin=admin_a)))
    section = reading.section_for(partnership.id, "risk_assessment")
    writing.save_section(load_membership(partnership.id, admin_a), section,
                               {"narrative": "Few risks.", "items": {"risks": []}}, None)
    db.session.commit()
    mention(partnership, admin_a, f"@{editor_b.full_name} have a look")
    db.session.execute(
        sa.update(SectionRevision).where(SectionRevision.section_id.in_(
            sa.select(PlanSection.id).where(PlanSection.partnership_id == partnership.id)
        )).values(created_at=utcnow() - timedelta(days=200))
    )
    db.session.commit()


def test_the_page_costs_the_same_for_a_small_and_a_large_workspace(two_parties, client_as):
    w = two_parties
    _workload(w.partnership, w.a.admin, w.b.admin)
    client = client_as(w.b.admin)

    def cost() -> tuple[int, int]:
        with count_queries() as statements:
            response = client.get("/my-work")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True).count('<li class="work-item')

    small, small_items = cost()
    for n in range(4):
        partnership = make_partnership(w.a.admin, name=f"Alliance {n}")
        join(partnership, w.b.admin, "admin", is_signatory=True)
        db.session.commit()
        _workload(partnership, w.a.admin, w.b.admin)
    large, large_items = cost()
    assert small_items == 5 and large_items == 25
    assert large == small, (small, large)
    assert large <= 14
