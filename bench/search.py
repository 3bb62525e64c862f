"""The search item: finding things in the scale item's workspace, and what indexing adds to a save.

A copy of the demo database is grown by the scale item's generator (bench/scale.py, its
BENCH_SCALE_* sizes; audit events are left at one a partnership, search reads none), and the
demo's Alex Morgan, a member of the demo's four partnerships, joins two generated ones (a
hundred revisions each at the default sizes) as a third party's editor. Every partnership is
then indexed by `rebuild()` and committed, as `flask ermp search-reindex` does. The same rows,
the index's with them, are copied into a SQLite database migrated by Alembic, whose triggers put
each entry into its FTS5 table as it is inserted, as they do for `rebuild()`'s (the generator is
PostgreSQL's SQL).

On each engine:
- BENCH_SEARCHES calls of `search()` by that member, as the search page makes them: common words,
  a phrase, a word left out, and words with "include older revisions"; p50 and p99;
- BENCH_SEARCH_SAVES saves of a section revision as the editor's request makes it (bench/saving.py)
  with the index's session listener, against as many with the listener removed, alternately: on
  the demo's risk register (eleven risks), then (a third as many) on the same register grown to
  500 risks, as the PDF item's large plan has it (every save writes every item's entry again).
"""

import os
import statistics
import time

import sqlalchemy as sa

from bench import scale
from bench.common import DEMO_EMAIL, WORK_DIR, Figure, Row, alternating_medians, demo_database, log, make_app
from bench.plans import LARGE
from bench.saving import SECTION, jointly_save

# What a member types: words found throughout a plan, a phrase, a word left out, and words with
# older revisions included; each query is asked in turn, BENCH_SEARCHES in all.
QUERIES = (
    ("words", "cost", False),
    ("words", "alliance manager", False),
    ("words", "carrier performance", False),
    ("phrase", '"control tower"', False),
    ("exclusion", "review -quarter", False),
    ("older", "forecast", True),
    ("older", "open-book cost", True),
)
JOINED = 2  # generated partnerships the member joins, beside the demo's four
P50_LIMIT_MS = 50


def _join(app, count: int) -> None:
    """The member's organisation becomes a third party of the first `count` generated
    partnerships, and the member an editor there."""
    from app.extensions import db

    with app.app_context():
        db.session.execute(sa.text(
            """WITH chosen AS (SELECT id FROM partnership WHERE name LIKE 'Scale Partnership %'
                               ORDER BY id LIMIT :count),
                    member AS (SELECT id, organisation_id FROM user_account WHERE email = :email),
                    joined AS (INSERT INTO party (partnership_id, organisation_id, joined_at)
                               SELECT chosen.id, member.organisation_id, now() FROM chosen CROSS JOIN member
                               RETURNING id, partnership_id)
               INSERT INTO membership (partnership_id, party_id, user_id, role, is_signatory, created_at)
               SELECT joined.partnership_id, joined.id, member.id, 'editor', false, now()
               FROM joined CROSS JOIN member"""), {"count": count, "email": DEMO_EMAIL})
        db.session.commit()


def _index(app) -> tuple[float, int, int]:
    """Index every partnership as `flask ermp search-reindex` does: (seconds, partnerships, entries)."""
    from app.extensions import db
    from app.partnerships.models import Partnership
    from app.search.indexing import rebuild

    started = time.perf_counter()
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Partnership.id).order_by(Partnership.id)))
        entries = 0
        for partnership_id in ids:
            entries += rebuild(partnership_id)
            db.session.commit()
        db.session.execute(sa.text("ANALYZE search_entry"))
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - started, len(ids), entries


def _copy_to_sqlite(source_app, path: str) -> tuple[object, float]:
    """A SQLite database migrated by Alembic, holding the source's rows (the index's too: the
    migration's triggers enter each into the FTS5 table); the app on it and the seconds it took."""
    from flask_migrate import upgrade

    from app.extensions import db

    started = time.perf_counter()
    target_app = make_app(f"sqlite:///{path}")
    with target_app.app_context():
        upgrade()
        target = db.engine
        tables = db.metadata.sorted_tables
    with source_app.app_context():
        source = db.engine
    with source.connect() as reading, target.connect() as writing:
        # Sections and revisions point at each other, so the keys are checked once, at the end
        # (deferred, SQLite would look for each new revision's referrers without an index).
        writing.exec_driver_sql("PRAGMA foreign_keys = OFF")
        writing.commit()
        for table in reversed(tables):
            writing.execute(table.delete())
        for table in tables:
            result = reading.execution_options(yield_per=5000).execute(table.select())
            for batch in result.partitions():
                writing.execute(table.insert(), [dict(row._mapping) for row in batch])
        writing.commit()
        broken = writing.exec_driver_sql("PRAGMA foreign_key_check").all()
        writing.exec_driver_sql("ANALYZE")
        writing.exec_driver_sql("PRAGMA foreign_keys = ON")
        writing.commit()
    assert not broken, f"the copy breaks {len(broken)} foreign keys, e.g. {broken[0]}"
    return target_app, time.perf_counter() - started


def _member(app) -> tuple[int, int, int, int]:
    """The member's id, their partnerships, the entries those hold, and the index's entries."""
    from app.accounts.models import User
    from app.extensions import db
    from app.search.finding import member_partnerships
    from app.search.models import SearchEntry

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL))
        mine = list(db.session.scalars(member_partnerships(user_id)))
        visible = db.session.scalar(sa.select(sa.func.count()).where(SearchEntry.partnership_id.in_(mine)))
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
        db.session.remove()
    return user_id, len(mine), visible, entries


def _searches(app, user_id: int, count: int) -> tuple[list[float], dict[str, list[float]], dict[str, int]]:
    """`count` searches, each kind in turn, each in a transaction of its own (as a request has):
    every time, the times by kind, and what each query found (the total)."""
    from app.extensions import db
    from app.search.finding import Filters, search

    times, by_kind, found = [], {}, {}
    with app.app_context():
        for _kind, text, older in QUERIES:  # a warm-up
            search(user_id, text, Filters(older=older))
            db.session.remove()
        for number in range(count):
            kind, text, older = QUERIES[number % len(QUERIES)]
            started = time.perf_counter()
            results = search(user_id, text, Filters(older=older))
            seconds = time.perf_counter() - started
            db.session.remove()
            times.append(seconds)
            by_kind.setdefault(kind, []).append(seconds)
            found[text] = results.total
    return times, by_kind, found


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _listening(on: bool) -> None:
    """The index's session listener in place, or taken out (saves then write no index rows)."""
    from flask_sqlalchemy.session import Session

    from app.search.indexing import _index_flush

    if on and not sa.event.contains(Session, "after_flush", _index_flush):
        sa.event.listen(Session, "after_flush", _index_flush)
    elif not on and sa.event.contains(Session, "after_flush", _index_flush):
        sa.event.remove(Session, "after_flush", _index_flush)


def _saves(app, partnership_id: int, repeat: int) -> tuple[float, float, int]:
    """Median seconds of a save with the listener and without it, timed alternately, and the
    section's current entries (the section and its items)."""
    from app.extensions import db
    from app.search.models import SearchEntry

    counter = iter(range(10**9))

    def edit(content):
        # The narrative's last paragraph is the benchmark's: replaced by each save, so the text
        # (and so the index's work) stays the same size.
        paragraphs = [p for p in (content.get("narrative") or "").split("\n\n") if not p.startswith("Benchmark note")]
        content["narrative"] = "\n\n".join([*paragraphs, f"Benchmark note {next(counter)}: the plan as agreed."])

    def save(listening: bool):
        _listening(listening)
        try:
            status = jointly_save(app, partnership_id, DEMO_EMAIL, edit)
        finally:
            _listening(True)
        assert status == "saved", status

    save(True)
    with app.app_context():
        current = db.session.scalar(sa.select(sa.func.count()).where(
            SearchEntry.partnership_id == partnership_id, SearchEntry.section_key == SECTION,
            SearchEntry.kind.in_(("section", "item"))))
    with_index, without = alternating_medians([lambda: save(True), lambda: save(False)], repeat, warmup=2)
    return with_index, without, current


def _grow_register(content) -> None:
    """The risk register grown to the large plan's size, each risk one of the demo's renamed."""
    risks = content["items"]["risks"]
    grown = []
    for index in range(LARGE["risks"]):
        risk = {key: value for key, value in risks[index % len(risks)].items() if key != "id"}
        risk["title"] = f"{risk['title']} ({index + 1})"[:200]
        grown.append(risk)
    content["items"]["risks"] = grown


def _engine_rows(engine: str, app, size_note: str, searches: int, saves: int) -> list:
    from app.extensions import db

    user_id, mine, visible, entries = _member(app)
    times, by_kind, found = _searches(app, user_id, searches)
    missing = [text for text, total in found.items() if not total]
    assert not missing, f"{engine}: nothing found for {missing}"
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT id FROM partnership ORDER BY id LIMIT 1"))
    with_index, without, written = _saves(app, pid, saves)
    assert jointly_save(app, pid, DEMO_EMAIL, _grow_register) == "saved"
    large = _saves(app, pid, max(5, saves // 3))
    kinds = ", ".join(f"{kind} {statistics.median(values) * 1000:.1f}" for kind, values in by_kind.items())
    scope = (f"{searches} searches by a member of {mine} partnerships ({visible:,} of {entries:,} entries); "
             f"{size_note}")
    label = "PostgreSQL" if engine == "postgresql" else "SQLite"
    return [
        Figure("search", f"{label}: search p50", _percentile(times, 0.5) * 1000, "ms",
               P50_LIMIT_MS if engine == "postgresql" else None, f"{scope}; p50 by kind (ms): {kinds}"),
        Figure("search", f"{label}: search p99", _percentile(times, 0.99) * 1000, "ms", None,
               f"slowest {max(times) * 1000:.0f} ms; found per query: "
               + ", ".join(f"{text} {total:,}" for text, total in found.items())),
        Row("search", f"{label}: save a revision of the demo's risk register, listener on vs off",
            with_index * 1000, without * 1000, "ms", 1.2,
            f"one paragraph of the narrative changed; of the section's {written} entries (the section and its "
            f"risks) a save writes again the section's, and the old paragraph under the revision it replaced; "
            f"median of {saves} each, alternately"),
        Row("search", f"{label}: save a revision of a {LARGE['risks']}-risk register, listener on vs off",
            large[0] * 1000, large[1] * 1000, "ms", 1.2,
            f"the same edit; {large[2]:,} entries, of which a save writes the same two; the rest is finding "
            f"which of the {LARGE['risks']} risks the revision changed; median of {max(5, saves // 3)} "
            f"each, alternately"),
    ]


def run() -> list:
    searches = int(os.environ.get("BENCH_SEARCHES", "200"))
    saves = int(os.environ.get("BENCH_SEARCH_SAVES", "60"))
    size = {**scale.sizes(), "events": scale.sizes()["partnerships"]}
    size_note = f"{size['partnerships']:,} partnerships, {size['users']:,} users, {size['revisions']:,} revisions"
    rows = []
    path = os.path.join(WORK_DIR, "search.sqlite3")
    with demo_database("search") as url:
        app = make_app(url)
        log(f"search: generating {size_note}")
        seconds = scale.grow(app, size)
        _join(app, JOINED)
        log(f"search: generated in {seconds:.0f} s; indexing every partnership")
        seconds, partnerships, entries = _index(app)
        log(f"search: indexed {partnerships:,} partnerships ({entries:,} entries) in {seconds:.0f} s; "
            "copying to SQLite")
        sqlite_app, copied = _copy_to_sqlite(app, path)
        log(f"search: copied in {copied:.0f} s")
        try:
            rows += _engine_rows("postgresql", app, size_note, searches, saves)
            rows.append(Figure("search", "PostgreSQL: index every partnership (rebuild, a commit each)", seconds,
                               "s", None, f"{partnerships:,} partnerships, {entries:,} entries; the SQLite copy "
                               f"(its FTS5 table filled by the triggers) took {copied:.0f} s"))
            rows += _engine_rows("sqlite", sqlite_app, size_note, searches, saves)
        finally:
            from app.extensions import db

            for one in (app, sqlite_app):
                with one.app_context():
                    db.session.remove()
                    db.engine.dispose()
            if os.path.exists(path):
                os.remove(path)
    return rows
