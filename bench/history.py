"""Item 3 (and the history half of item 5): pages of sections with 10, 1,000 and 10,000 revisions.

Three copies of the demo database, every section topped up to 10, 1,000 and 10,000
revisions by one INSERT ... SELECT per section (alternating its last two contents, so
the diff page has a difference to show). The section, history and diff pages are then
timed through the test client, alternating between the three sizes, with their query counts.
"""

import os

import sqlalchemy as sa

from bench.common import Row, alternating_medians, demo_database, demo_partnership_id, log, make_app, signed_in_client

SIZES = (10, 1_000, 10_000)
SECTION = "risk_assessment"
PAGES = {
    "section page": "/partnerships/{pid}/plan/{key}",
    "history page": "/partnerships/{pid}/plan/{key}/history",
    "diff page": "/partnerships/{pid}/plan/{key}/compare",
}


def grow(app, partnership_id: int, size: int) -> None:
    """Give every section of the partnership `size` revisions, inserted in bulk."""
    from app.extensions import db
    from app.plan_sections.models import PlanSection, SectionRevision

    with app.app_context():
        sections = db.session.scalars(sa.select(PlanSection).where(PlanSection.partnership_id == partnership_id))
        for section in sections:
            missing = size - section.revision_count
            if missing <= 0 or section.current_revision_id is None:
                continue
            current = section.current_revision_id
            previous = db.session.scalar(
                sa.select(SectionRevision.id).where(SectionRevision.section_id == section.id,
                                                    SectionRevision.number < section.revision_count)
                .order_by(SectionRevision.number.desc()).limit(1)
            ) or current
            db.session.execute(sa.text(
                "INSERT INTO section_revision (section_id, number, content, content_hash, narrative_html, author_id,"
                " author_party_id, created_at, note, kind)"
                " SELECT r.section_id, :start + g, r.content, r.content_hash, r.narrative_html, r.author_id,"
                " r.author_party_id, r.created_at, 'Benchmark revision', 'edit'"
                " FROM generate_series(1, :missing) AS g"
                " JOIN section_revision r ON r.id = CASE WHEN (:missing - g) % 2 = 0 THEN :current ELSE :previous END"
            ), {"start": section.revision_count, "missing": missing, "current": current, "previous": previous})
            newest = db.session.scalar(sa.select(SectionRevision.id).where(
                SectionRevision.section_id == section.id, SectionRevision.number == size))
            db.session.execute(sa.update(PlanSection).where(PlanSection.id == section.id)
                               .values(current_revision_id=newest, revision_count=size))
        db.session.commit()
        db.session.execute(sa.text("ANALYZE section_revision, plan_section"))
        db.session.commit()


def page_figures(client, path: str) -> int:
    from app.extensions import db
    from tests.support.queries import count_queries

    with client.application.app_context():
        engine = db.engine
    with count_queries(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


def run() -> list:
    repeat = int(os.environ.get("BENCH_PAGE_REPEAT", "15"))
    rows = []
    with demo_database("h10") as url10, demo_database("h1k") as url1k, demo_database("h10k") as url10k:
        clients, paths = [], {}
        for size, url in zip(SIZES, (url10, url1k, url10k), strict=True):
            app = make_app(url)
            pid = demo_partnership_id(app)
            log(f"history: {size:,} revisions per section")
            grow(app, pid, size)
            clients.append(signed_in_client(app))
            paths[size] = {label: p.format(pid=pid, key=SECTION) for label, p in PAGES.items()}
        for label in PAGES:
            calls, counts = [], []
            for size, client in zip(SIZES, clients, strict=True):
                path = paths[size][label]
                counts.append(page_figures(client, path))
                calls.append(lambda client=client, path=path: client.get(path))
            times = alternating_medians(calls, repeat, warmup=3)
            same = "same" if len(set(counts)) == 1 else "**differ**"
            note = (f"1,000: {times[1] * 1000:.1f} ms; queries 10/1k/10k: "
                    f"{'/'.join(str(c) for c in counts)} ({same})")
            rows.append(Row("3 history", f"{label}, 10,000 vs 10 revisions", times[2] * 1000, times[0] * 1000,
                            "ms", 1.1, note))
    return rows
