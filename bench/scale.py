"""The scale item: one member's pages in a workspace of 1,000 partnerships against the demo's.

Two copies of the demo database: one left demo-sized, one grown by a few set-based
statements (INSERT ... SELECT over generate_series, no ORM) to BENCH_SCALE_PARTNERSHIPS
partnerships (two parties each, ten plan sections), BENCH_SCALE_USERS users (members of
the partnership their organisation leads), BENCH_SCALE_REVISIONS section revisions (spread
evenly over the sections, contents copied from the demo's section of the same key),
BENCH_SCALE_AUDIT_EVENTS audit events (one chain per generated partnership) and ten
notifications per generated user. The demo's own member (Alex Morgan) then asks for home,
the plan, a section, its history, the audit trail and notifications on both copies, timed
alternately through the test client, with their query counts.

Validity: users, partnerships, parties, memberships, sections and revisions are rows the
app accepts (copied password hash, canonical content and its hash, gapless numbers,
current revision pointers and counts kept in step). Audit events, though, get a bulk
hash chain (SHA-256 over the chain and sequence, each prev_hash the previous event's
hash), not the keyed digest the app writes, so the generated chains would not pass
`flask audit verify`. That is allowed here only because the audit trail's verification
is not what this item measures: the measured member's partnership and the instance chain
keep the demo's own, verifiable events, and no generated chain is ever shown or verified (a
generated user opens their own home, notifications, plan, section and history pages, to prove
those rows are ones the app serves, but not their audit trail).
"""

import os
import time

import sqlalchemy as sa

from bench.common import (
    DEMO_EMAIL,
    Row,
    alternating_medians,
    demo_database,
    demo_partnership_id,
    log,
    make_app,
    signed_in_client,
)
from bench.history import page_figures

SECTION = "risk_assessment"
PAGES = {
    "home": "/home",
    "plan": "/partnerships/{pid}/plan",
    "section": "/partnerships/{pid}/plan/{key}",
    "history": "/partnerships/{pid}/plan/{key}/history",
    "audit trail": "/partnerships/{pid}/audit",
    "notifications": "/notifications",
}
NOTIFICATIONS_PER_USER = 10


def sizes() -> dict:
    """The generated workspace's size, from the environment (the issue's figures by default)."""
    return {
        "partnerships": int(os.environ.get("BENCH_SCALE_PARTNERSHIPS", "1000")),
        "users": int(os.environ.get("BENCH_SCALE_USERS", "10000")),
        "revisions": int(os.environ.get("BENCH_SCALE_REVISIONS", "100000")),
        "events": int(os.environ.get("BENCH_SCALE_AUDIT_EVENTS", "1000000")),
    }


STATEMENTS = [
    # One organisation per partnership: partnership i is led by organisation i, and
    # organisation i + 1 is its other party.
    """CREATE TEMP TABLE scale_org AS
       WITH made AS (
         INSERT INTO organisation (name, created_at, require_two_factor, partnership_starters)
         SELECT 'Scale Organisation ' || g, now(), false, 'admins' FROM generate_series(1, :partnerships) AS g
         RETURNING id)
       SELECT id, row_number() OVER (ORDER BY id) AS n FROM made""",
    """INSERT INTO user_account (organisation_id, email, full_name, password_hash, time_zone, is_org_admin, active,
                                 session_token, created_at)
       SELECT o.id, 'scale-user-' || g || '@bench.example', 'Scale User ' || g, d.password_hash, 'Europe/London',
              g <= :partnerships, true, md5('scale-session-' || g), now()
       FROM generate_series(1, :users) AS g
       JOIN scale_org o ON o.n = (g - 1) % :partnerships + 1
       CROSS JOIN (SELECT password_hash FROM user_account WHERE email = :demo_email) AS d""",
    """CREATE TEMP TABLE scale_partnership AS
       WITH made AS (
         INSERT INTO partnership (name, type, purpose, start_date, status, review_cadence_months,
                                  section_review_cadence_months, maturity_cadence_months, proposal_ttl_days,
                                  agreed_sections, created_at, created_by_id)
         SELECT 'Scale Partnership ' || g,
                (ARRAY['strategic_alliance', 'joint_venture', 'key_supplier', 'outsourcing'])[g % 4 + 1],
                'A generated partnership: a joint plan between two parties.', DATE '2024-01-01' + g % 700,
                'active', 3, 3, 12, 14, false, now(), u.id
         FROM generate_series(1, :partnerships) AS g
         JOIN scale_org o ON o.n = g
         JOIN user_account u ON u.email = 'scale-user-' || g || '@bench.example'
         RETURNING id)
       SELECT id, row_number() OVER (ORDER BY id) AS n FROM made""",
    """INSERT INTO party (partnership_id, organisation_id, joined_at)
       SELECT p.id, o.id, now() FROM scale_partnership p
       JOIN scale_org o ON o.n = p.n OR o.n = p.n % :partnerships + 1""",
    # Each user is a member of the partnership their organisation leads (its first user its admin).
    """INSERT INTO membership (partnership_id, party_id, user_id, role, is_signatory, created_at)
       SELECT p.id, pa.id, u.id, CASE WHEN u.is_org_admin THEN 'admin' ELSE 'editor' END, u.is_org_admin, now()
       FROM user_account u
       JOIN scale_org o ON o.id = u.organisation_id
       JOIN scale_partnership p ON p.n = o.n
       JOIN party pa ON pa.partnership_id = p.id AND pa.organisation_id = o.id""",
    """INSERT INTO plan_section (partnership_id, section_key, revision_count, created_at)
       SELECT p.id, k.section_key, 0, now() FROM scale_partnership p
       CROSS JOIN (SELECT DISTINCT section_key FROM plan_section WHERE partnership_id = :demo) AS k""",
    # Revisions spread evenly over the generated sections, written by the lead organisation's admin.
    """INSERT INTO section_revision (section_id, number, content, content_hash, narrative_html, author_id,
                                     author_party_id, created_at, note, kind)
       SELECT s.id, g, d.content, d.content_hash, d.narrative_html, m.user_id, m.party_id,
              now() - make_interval(mins => :per_section - g), 'Generated revision', 'edit'
       FROM plan_section s
       JOIN scale_partnership p ON p.id = s.partnership_id
       JOIN membership m ON m.partnership_id = p.id AND m.role = 'admin'
       JOIN plan_section ds ON ds.partnership_id = :demo AND ds.section_key = s.section_key
       JOIN section_revision d ON d.id = ds.current_revision_id
       CROSS JOIN generate_series(1, :per_section) AS g""",
    """UPDATE plan_section s SET revision_count = r.n, current_revision_id = r.id
       FROM (SELECT DISTINCT ON (section_id) section_id, id, number AS n FROM section_revision
             WHERE section_id IN (SELECT s2.id FROM plan_section s2
                                  JOIN scale_partnership p ON p.id = s2.partnership_id)
             ORDER BY section_id, number DESC) AS r
       WHERE s.id = r.section_id""",
    """CREATE TEMP TABLE scale_chain AS
       WITH made AS (
         INSERT INTO audit_chain (partnership_id, last_seq, last_hash)
         SELECT id, :per_chain, encode(sha256(convert_to(id || ':' || :per_chain, 'UTF8')), 'hex')
         FROM scale_partnership RETURNING id, partnership_id)
       SELECT * FROM made""",
    """INSERT INTO audit_event (chain_id, seq, occurred_at, actor_id, organisation_id, partnership_id, party_id,
                                action, object_type, object_id, ip, details, key_id, prev_hash, hash)
       SELECT c.id, g, now() - make_interval(mins => :per_chain - g), m.user_id, pa.organisation_id,
              c.partnership_id, m.party_id, 'plan.section_saved', 'plan_section', 'risk_assessment', '192.0.2.1',
              '{}'::json, 'bench',
              CASE WHEN g = 1 THEN repeat('0', 64)
                   ELSE encode(sha256(convert_to(c.partnership_id || ':' || (g - 1), 'UTF8')), 'hex') END,
              encode(sha256(convert_to(c.partnership_id || ':' || g, 'UTF8')), 'hex')
       FROM scale_chain c
       JOIN membership m ON m.partnership_id = c.partnership_id AND m.role = 'admin'
       JOIN party pa ON pa.id = m.party_id
       CROSS JOIN generate_series(1, :per_chain) AS g""",
    """INSERT INTO notification (recipient_id, partnership_id, kind, title, body, link, actor_id, details, delivery,
                                 created_at, updated_at, read_at)
       SELECT m.user_id, m.partnership_id, 'section_changed_by_other_party', 'A plan section was changed',
              'Generated notification.', '/partnerships/' || m.partnership_id || '/plan', NULL, '{}'::json,
              'in_app', now() - make_interval(hours => g), now() - make_interval(hours => g),
              CASE WHEN g > 3 THEN now() END
       FROM membership m
       JOIN scale_partnership p ON p.id = m.partnership_id
       CROSS JOIN generate_series(1, :notifications) AS g""",
]


def grow(app, size: dict) -> float:
    """Grow the database to `size` in bulk; the seconds it took."""
    from app.extensions import db

    started = time.perf_counter()
    per_section = max(1, size["revisions"] // (size["partnerships"] * 10))
    per_chain = max(1, size["events"] // size["partnerships"])
    with app.app_context():
        params = {**size, "per_section": per_section, "per_chain": per_chain, "demo_email": DEMO_EMAIL,
                  "demo": demo_partnership_id(app), "notifications": NOTIFICATIONS_PER_USER}
        for statement in STATEMENTS:
            db.session.execute(sa.text(statement), params)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - started


def counted(app) -> str:
    from app.extensions import db

    tables = ("partnership", "user_account", "section_revision", "audit_event", "notification")
    with app.app_context():
        return ", ".join(f"{table} {db.session.scalar(sa.text(f'SELECT count(*) FROM {table}')):,}"  # noqa: S608
                         for table in tables)


def check_generated(app) -> None:
    """A generated user signs in and opens their partnership's pages: the rows are ones the app serves."""
    from app.extensions import db

    client = signed_in_client(app, "scale-user-1@bench.example")
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT id FROM partnership WHERE name = 'Scale Partnership 1'"))
    for path in ("/home", "/notifications", *(p.format(pid=pid, key=SECTION) for p in list(PAGES.values())[1:4])):
        page_figures(client, path)


def run() -> list:
    repeat = int(os.environ.get("BENCH_PAGE_REPEAT", "15"))
    size = sizes()
    rows = []
    with demo_database("sdemo") as demo_url, demo_database("sbig") as big_url:
        demo_app, big_app = make_app(demo_url), make_app(big_url)
        log(f"scale: generating {', '.join(f'{v:,} {k}' for k, v in size.items())}")
        seconds = grow(big_app, size)
        log(f"scale: generated in {seconds:.1f} s ({counted(big_app)})")
        check_generated(big_app)
        clients = [signed_in_client(demo_app), signed_in_client(big_app)]
        pids = [demo_partnership_id(demo_app), demo_partnership_id(big_app)]
        for label, path in PAGES.items():
            paths = [path.format(pid=pid, key=SECTION) for pid in pids]
            counts = [page_figures(client, p) for client, p in zip(clients, paths, strict=True)]
            times = alternating_medians([lambda c=c, p=p: c.get(p) for c, p in zip(clients, paths, strict=True)],
                                        repeat, warmup=3)
            same = "same" if counts[0] == counts[1] else "**differ**"
            rows.append(Row("scale", f"{label} page, scaled vs demo workspace", times[1] * 1000, times[0] * 1000,
                            "ms", 1.2, f"queries demo/scaled: {counts[0]}/{counts[1]} ({same}); "
                            f"{size['partnerships']:,} partnerships, generated in {seconds:.0f} s"))
    return rows
