"""Co-editing pages cost a fixed number of queries, however long the history, feed or conversation."""

import sqlalchemy as sa

from app.coediting import comments
from app.extensions import db
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.writing import content_hash
from app.types import utcnow
from tests.support.queries import count_queries


def grow_history(plan, key: str, total: int) -> None:
    """Bring a section to `total` revisions (alternating parties), inserted in bulk: reading
    them is what is measured here, saving them is tested elsewhere."""
    section = plan.section(key)
    current = section.current_revision
    start = section.revision_count
    rows = []
    for number in range(start + 1, total + 1):
        author = plan.people.a.editor if number % 2 else plan.people.b.editor
        content = dict(current.content, narrative=f"Version {number}")
        rows.append({
            "section_id": section.id, "number": number, "content": content, "content_hash": content_hash(content),
            "narrative_html": f"<p>Version {number}</p>", "author_id": author.id,
            "author_party_id": plan.member(author).party_id, "created_at": utcnow(), "note": f"Take {number}",
            "kind": "edit", "base_revision_id": None,
        })
    if rows:
        db.session.execute(sa.insert(SectionRevision), rows)
        newest = db.session.scalar(sa.select(SectionRevision.id).where(
            SectionRevision.section_id == section.id, SectionRevision.number == total))
        db.session.execute(sa.update(PlanSection).where(PlanSection.id == section.id)
                           .values(revision_count=total, current_revision_id=newest))
    db.session.commit()
    db.session.expire_all()


def cost(client, path: str) -> int:
    with count_queries(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def test_history_costs_the_same_for_10_and_1000_revisions(plan, risk_base, client_as):
    client = client_as(plan.people.b.viewer)
    base = f"/partnerships/{plan.partnership.id}/plan/risk_assessment"
    pages = {
        "first page": "/history",
        "older page": "/history?before=6",
        "newer page": "/history?after=3",
        "one party": f"/history?party={plan.people.b.party.id}",
        "revision": "/revisions/5",
        "compare": "/compare?from=4&to=current",
    }
    grow_history(plan, "risk_assessment", 10)
    small = {name: cost(client, base + path) for name, path in pages.items()}
    grow_history(plan, "risk_assessment", 1000)
    large = {name: cost(client, base + path) for name, path in pages.items()}
    assert large == small
    # The gate (2), the bell, the header's parties, the section, one page of revisions.
    assert small["first page"] <= 7, small
    print(f"\nhistory page queries at 10 and 1,000 revisions: {small['first page']} and {large['first page']}")


def test_the_activity_feed_costs_the_same_however_long(plan, risk_base, client_as):
    client = client_as(plan.people.a.viewer)
    url = f"/partnerships/{plan.partnership.id}/activity"
    small = cost(client, url)
    grow_history(plan, "risk_assessment", 300)
    section = plan.section("risk_assessment")
    for n in range(40):
        comments.start_thread(plan.member(plan.people.b.editor), section, f"Comment {n}")
    db.session.commit()
    assert cost(client, url) == small
    assert cost(client, url + "?before=" + "2020-01-01T00:00:00%2B00:00~3~1") == small


def test_comments_and_counts_cost_the_same_however_many(plan, risk_base, client_as):
    client = client_as(plan.people.a.viewer)
    base = f"/partnerships/{plan.partnership.id}/plan"
    section = plan.section("risk_assessment")
    comments.start_thread(plan.member(plan.people.b.editor), section, "One")
    db.session.commit()
    small = {path: cost(client, base + path) for path in ("", "/risk_assessment", "/risk_assessment/comments")}
    for n in range(25):
        thread = comments.start_thread(plan.member(plan.people.b.editor), section, f"Thread {n}")
        comments.reply(plan.member(plan.people.a.editor), thread, f"Reply {n}")
        comments.start_thread(plan.member(plan.people.a.editor), plan.section("business_case"), f"Other {n}")
    db.session.commit()
    large = {path: cost(client, base + path) for path in ("", "/risk_assessment", "/risk_assessment/comments")}
    assert large == small
