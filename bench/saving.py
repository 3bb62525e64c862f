"""Item 4: saving a revision with the compare-and-swap, against a bare insert + pointer update.

On a PostgreSQL copy of the demo:
- one writer: `save_edit` (validation, the compare-and-swap, Markdown, audit event,
  notifications) then commit, against one transaction that inserts the same revision
  row and moves the section's pointer (SQLAlchemy Core on the same engine);
- 16 concurrent writers on 16 different partnerships (one each), each in a process of its
  own as gunicorn's workers are (threads of one process would measure Python's global
  interpreter lock, not the app): nothing they write is shared but the database, so Jointly
  should scale like the bare transaction does (each partnership has its own audit chain: no
  global lock). The CPU time each save costs its process is reported beside it, with the
  rate the machine's cores could give at that cost: the ceiling any number of writers meets;
- 16 concurrent writers (threads, one session each), each rewriting its own paragraph
  of the risk section's narrative from the revision it last read. Jointly's saves merge
  or keep a conflict; a lost update is a writer whose last saved paragraph is missing
  from the final text. The bare baseline does the same blind read-modify-write without
  the compare-and-swap, which shows what the compare-and-swap is for.
"""

import copy
import multiprocessing
import os
import threading
import time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from bench.common import Figure, Row, demo_database, demo_partnership_id, log, make_app, median_seconds

SECTION = "risk_assessment"
WRITERS = 16
EDITORS = ("alex.morgan@northwind.example", "priya.shah@northwind.example",
           "dana.reyes@contoso.example", "luis.ortega@contoso.example")


def _membership(partnership_id: int, email: str):
    from app.accounts.models import User
    from app.extensions import db
    from app.partnerships.models import Membership

    # As a request has it: the user signed in, the membership from the gate with its partnership.
    return db.session.scalar(sa.select(Membership).join(User, Membership.user_id == User.id)
                             .where(Membership.partnership_id == partnership_id, User.email == email)
                             .options(joinedload(Membership.user), joinedload(Membership.partnership)))


def _paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def jointly_save(app, partnership_id: int, email: str, edit) -> str:
    """One save as the editor's request makes it: the membership (the gate's), the plan's section
    rows and the context the form is read against (the edit view's), then save_edit with that
    context, and commit."""
    from app.coediting.saving import save_edit
    from app.extensions import db
    from app.plan_sections import reading
    from app.plan_sections.registry import get_section_type

    with app.app_context():
        membership = _membership(partnership_id, email)
        rows = reading.ensure_sections(partnership_id)
        section_type = get_section_type(SECTION)
        keys = [SECTION, *reading.referenced_sections(section_type)]
        ctx = reading.load_context(partnership_id, {
            key: reading.content_of(rows.get(key), get_section_type(key)) for key in keys
        })
        section = rows[SECTION]
        content = copy.deepcopy(reading.content_of(section, section_type))
        base = section.current_revision_id
        edit(content)
        outcome = save_edit(membership, section, content, base, "Benchmark save", ctx=ctx)
        db.session.commit()
        return outcome.status


def _partnerships(app, first: int) -> list[int]:
    """The demo partnership and 15 more of the same admin, each with its risk section written as
    `_prepare` writes the demo's (one paragraph per writer)."""
    from datetime import date

    from app.extensions import db
    from app.partnerships.services import create_partnership

    ids = [first]
    with app.app_context():
        membership = _membership(first, EDITORS[0])
        for n in range(1, WRITERS):
            partnership = create_partnership(
                membership.user, name=f"Benchmark alliance {n}", type="joint_venture",
                purpose="A partnership for the save benchmark.", start_date=date(2025, 1, 1),
            )
            db.session.commit()
            ids.append(partnership.id)
    for partnership_id in ids[1:]:
        def narrative(content):
            content["narrative"] = "\n\n".join(f"Paragraph {i}: as agreed." for i in range(WRITERS))
        jointly_save(app, partnership_id, EDITORS[0], narrative)
    return ids


def _section_id(app, partnership_id: int) -> int:
    from app.plan_sections import reading

    with app.app_context():
        return reading.section_for(partnership_id, SECTION).id


def bare_save(engine, section_id: int, author: tuple[int, int], edit) -> None:
    """Read the current content, edit it, insert the revision and move the pointer: one transaction."""
    from app.plan_sections.writing import content_hash

    with engine.begin() as conn:
        current_id, count = conn.execute(sa.text(
            "SELECT current_revision_id, revision_count FROM plan_section WHERE id = :id"), {"id": section_id}).one()
        content = conn.execute(sa.text("SELECT content FROM section_revision WHERE id = :id"),
                               {"id": current_id}).scalar_one()
        edit(content)
        revision_id = conn.execute(sa.text(
            "INSERT INTO section_revision (section_id, number, content, content_hash, narrative_html, author_id,"
            " author_party_id, created_at, note, kind, base_revision_id) VALUES (:section, :number,"
            " CAST(:content AS json), :hash, '', :author, :party, now(), 'Benchmark save', 'edit', :base)"
            " RETURNING id"
        ), {"section": section_id, "number": count + 1, "content": _json(content), "hash": content_hash(content),
            "author": author[0], "party": author[1], "base": current_id}).scalar_one()
        conn.execute(sa.text("UPDATE plan_section SET current_revision_id = :rev, revision_count = :n WHERE id = :id"),
                     {"rev": revision_id, "n": count + 1, "id": section_id})


def _json(content: dict) -> str:
    import json

    return json.dumps(content)


def _prepare(app, partnership_id: int) -> tuple[int, tuple[int, int]]:
    """One paragraph per writer in the narrative; the section id and an author (user, party)."""
    def narrative(content):
        content["narrative"] = "\n\n".join(f"Paragraph {i}: as agreed." for i in range(WRITERS))

    jointly_save(app, partnership_id, EDITORS[0], narrative)
    from app.plan_sections import reading

    with app.app_context():
        membership = _membership(partnership_id, EDITORS[0])
        return reading.section_for(partnership_id, SECTION).id, (membership.user_id, membership.party_id)


def _writers(work, rounds: int) -> tuple[float, dict, list]:
    """Run `work(writer, round)` in 16 threads; seconds, {writer: last saved round}, errors."""
    last, errors, barrier = {}, [], threading.Barrier(WRITERS)

    def writer(index: int):
        barrier.wait()
        for round_number in range(rounds):
            try:
                if work(index, round_number) in ("saved", "merged", None):
                    last[index] = round_number
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(error).__name__}: {error}"[:200])

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, last, errors


def _spread_writer(url: str, partnership_id: int, section_id: int, author: tuple[int, int], index: int,
                   rounds: int, bare: bool, barrier, results) -> None:
    """One of the writers on their own partnership, in a process of its own: an app (and its
    engine) of its own, one save to warm up, then `rounds` saves once every writer is ready.
    Puts (started, ended, CPU seconds of the process for the rounds, saves, first error)."""
    from app.extensions import db
    from bench.common import make_app

    app = make_app(url)
    with app.app_context():
        engine = db.engine

    def save(round_number: int):
        if bare:
            bare_save(engine, section_id, author, _rewrite(index, round_number))
        else:
            jointly_save(app, partnership_id, EDITORS[0], _rewrite(index, round_number))

    save(-1)
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    saves, error = 0, None
    for round_number in range(rounds):
        try:
            save(round_number)
            saves += 1
        except Exception as failure:  # noqa: BLE001 - counted and reported
            error = error or f"{type(failure).__name__}: {failure}"[:200]
    results.put((started, time.perf_counter(), time.process_time() - cpu, saves, error))


def _spread(url: str, partnerships: list[int], sections: list[tuple[int, tuple[int, int]]], rounds: int,
            *, bare: bool) -> tuple[float, float, int, list[str]]:
    """The 16 writers in 16 processes: (seconds from the first start to the last end, CPU seconds
    per save, saves, errors). perf_counter is the system's monotonic clock, the same in every process."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    processes = [
        context.Process(target=_spread_writer, args=(
            url, partnerships[i], sections[i][0], sections[i][1], i, rounds, bare, barrier, results))
        for i in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    saves = sum(outcome[3] for outcome in outcomes)
    seconds = max(outcome[1] for outcome in outcomes) - min(outcome[0] for outcome in outcomes)
    cpu_per_save = sum(outcome[2] for outcome in outcomes) / max(saves, 1)
    return seconds, cpu_per_save, saves, [outcome[4] for outcome in outcomes if outcome[4]]


def _lost(app, partnership_id: int, last: dict) -> int:
    from app.plan_sections import reading

    with app.app_context():
        paragraphs = _paragraphs(reading.current_content(partnership_id, SECTION)["narrative"])
    return sum(1 for index, round_number in last.items()
               if f"Paragraph {index}: writer {index}, round {round_number}." not in paragraphs)


def _rewrite(index: int, round_number: int):
    def edit(content):
        paragraphs = _paragraphs(content["narrative"])
        paragraphs[index] = f"Paragraph {index}: writer {index}, round {round_number}."
        content["narrative"] = "\n\n".join(paragraphs)
    return edit


def run() -> list:
    repeat = int(os.environ.get("BENCH_SAVE_REPEAT", "30"))
    rounds = int(os.environ.get("BENCH_WRITER_ROUNDS", "10"))
    rows = []
    with demo_database("save") as url:
        app = make_app(url)
        pid = demo_partnership_id(app)
        section_id, author = _prepare(app, pid)
        from app.extensions import db

        with app.app_context():
            engine = db.engine
        counter = iter(range(10**9))

        def one_jointly():
            number = next(counter)
            jointly_save(app, pid, EDITORS[0], _rewrite(number % WRITERS, 1000 + number))

        def one_bare():
            number = next(counter)
            bare_save(engine, section_id, author, _rewrite(number % WRITERS, 1000 + number))

        log("save: one writer")
        bare = median_seconds(one_bare, repeat, warmup=3)
        ours = median_seconds(one_jointly, repeat, warmup=3)
        bare_again = median_seconds(one_bare, repeat, warmup=1)
        from tests.support.queries import count_queries

        with count_queries(engine) as ours_statements:
            one_jointly()
        with count_queries(engine) as bare_statements:
            one_bare()
        rows.append(Row("4 save", "save a revision, one writer", ours * 1000, min(bare, bare_again) * 1000, "ms", 2.5,
                        f"load + save_edit + commit vs read + INSERT + pointer UPDATE: {len(ours_statements)} vs "
                        f"{len(bare_statements)} statements"))

        log(f"save: {WRITERS} writers on {WRITERS} partnerships × {rounds} saves")
        partnerships = _partnerships(app, pid)
        sections = [(_section_id(app, p), author) for p in partnerships]
        seconds, cpu, saves, spread_errors = _spread(url, partnerships, sections, rounds, bare=False)
        bare_seconds, bare_cpu, bare_saves, _bare_errors = _spread(url, partnerships, sections, rounds, bare=True)
        cores = os.cpu_count() or 1
        rows.append(Row("4 save", f"{WRITERS} writers on {WRITERS} partnerships (a process each): saves/s",
                        saves / seconds, bare_saves / bare_seconds, "saves/s", 0.5,
                        f"{len(spread_errors)} errors; one audit chain per partnership, so none waits for another",
                        higher_is_better=True))
        rows.append(Row("4 save", "CPU time of the writer's process per save, 16 writers", cpu * 1000, bare_cpu * 1000,
                        "ms", None,
                        f"{cores} cores give at most {cores / cpu:.0f} saves/s at that cost"
                        f" ({cores / bare_cpu:.0f} bare), before the database's own CPU"))

        log(f"save: {WRITERS} concurrent writers × {rounds} saves")
        statuses = []

        def concurrent_save(index, round_number):
            status = jointly_save(app, pid, EDITORS[index % len(EDITORS)], _rewrite(index, round_number))
            statuses.append(status)
            return status

        seconds, last, errors = _writers(concurrent_save, rounds)
        lost = _lost(app, pid, last)
        bare_seconds, bare_last, bare_errors = _writers(
            lambda i, r: bare_save(engine, section_id, author, _rewrite(i, r)), rounds)
        bare_lost = _lost(app, pid, bare_last)
        total = WRITERS * rounds
        rows.append(Row("4 save", f"{WRITERS} concurrent writers: saves/s", total / seconds, total / bare_seconds,
                        "saves/s", None, f"bare read-modify-write loses {bare_lost} of {WRITERS} writers' edits",
                        higher_is_better=True))
        saved = sum(1 for status in statuses if status in ("saved", "merged"))
        note = (f"{saved} saved or merged, {statuses.count('conflict')} kept as conflicts, {len(errors)} errors"
                + (f": {errors[0]}" if errors else ""))
        rows.append(Figure("4 save", f"{WRITERS} concurrent writers: lost updates", lost, "", 0, note))
    return rows
