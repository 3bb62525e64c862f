"""Many people saving one section at once on PostgreSQL: every save ends as exactly one revision
or one kept conflict, revision numbers stay gapless, and nobody's work is lost."""

import copy
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from app.coediting import saving
from app.coediting.models import EditConflict
from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections import reading, writing
from app.plan_sections.models import SectionRevision
from tests.support.plans import risks_content

pytestmark = pytest.mark.postgres_only

WRITERS = 12
ITEM_WRITERS = range(0, 9)  # each changes a different risk: their saves merge
NARRATIVE_WRITERS = range(9, 12)  # all rewrite the same paragraph: they overlap each other


def _attempt(base: dict, n: int) -> dict:
    content = copy.deepcopy(base)
    if n in ITEM_WRITERS:
        content["items"]["risks"][n]["mitigation"] = f"Mitigation agreed by writer {n}"
    else:
        paragraphs = content["narrative"].split("\n\n")
        paragraphs[1] = f"Backups are tested by writer {n}."
        content["narrative"] = "\n\n".join(paragraphs)
    return content


def test_concurrent_writers_from_one_base_all_end_as_one_revision_or_one_kept_conflict(app, plan, capsys, monkeypatch):
    users = [plan.people.a.editor, plan.people.b.editor, plan.people.a.admin, plan.people.b.admin]
    base = plan.save(users[0], "risk_assessment", risks_content(
        plan, *[f"Risk {n}" for n in range(WRITERS)],
        narrative="We watch the ports.\n\nWe test backups monthly.\n\nFloods are rare.",
    ))
    partnership_id, base_id, base_content = plan.partnership.id, base.id, base.content
    user_ids = [u.id for u in users]
    barrier = threading.Barrier(WRITERS)
    outcomes, errors, timings = {}, {}, {}
    rounds = Counter()
    real_save = writing.save_section

    def counted(*args, **kwargs):
        rounds[threading.current_thread().name] += 1
        return real_save(*args, **kwargs)

    def writer(n: int):
        with app.app_context():
            try:
                membership = db.session.scalar(sa.select(Membership).where(
                    Membership.partnership_id == partnership_id, Membership.user_id == user_ids[n % len(user_ids)]
                ))
                section = reading.section_for(partnership_id, "risk_assessment")
                content = _attempt(base_content, n)
                barrier.wait(10)
                started = time.perf_counter()
                outcome = saving.save_edit(membership, section, content, base_id, f"writer {n}")
                db.session.commit()
                timings[n] = time.perf_counter() - started
                outcomes[n] = (outcome.status, outcome.revision.number if outcome.revision else outcome.conflict.id)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                errors[n] = repr(error)

    monkeypatch.setattr(writing, "save_section", counted)
    threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}") for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()

    assert errors == {}
    assert sorted(outcomes) == list(range(WRITERS))  # every attempt ended
    db.session.expire_all()
    section = plan.section("risk_assessment")
    revisions = list(db.session.scalars(
        sa.select(SectionRevision).where(SectionRevision.section_id == section.id).order_by(SectionRevision.number)
    ))
    conflicts = list(db.session.scalars(sa.select(EditConflict).where(EditConflict.section_id == section.id)))

    # Gapless, unique numbers; the section's pointer and count agree with them.
    assert [r.number for r in revisions] == list(range(1, len(revisions) + 1))
    assert section.revision_count == len(revisions) and section.current_revision_id == revisions[-1].id
    # Exactly one revision or one kept conflict per attempt, never both, never two.
    for n in range(WRITERS):
        mine = [r for r in revisions if (r.note or "").split(" (")[0] == f"writer {n}"]
        kept = [c for c in conflicts if c.note == f"writer {n}"]
        assert len(mine) + len(kept) == 1, (n, mine, kept)
        status, ref = outcomes[n]
        if status == "conflict":
            assert kept[0].id == ref and kept[0].status == "open"
        else:
            assert mine[0].number == ref and mine[0].kind == ("edit" if status == "saved" else "merge")
    # Every writer's content is in the final history: the non-overlapping ones all in the current
    # revision, the overlapping ones each in a revision or in their kept conflict.
    final = revisions[-1].content
    for n in ITEM_WRITERS:
        assert final["items"]["risks"][n]["mitigation"] == f"Mitigation agreed by writer {n}"
        assert outcomes[n][0] in ("saved", "merged")
    for n in NARRATIVE_WRITERS:
        words = f"Backups are tested by writer {n}."
        in_history = any(words in r.content["narrative"] for r in revisions)
        in_kept = any(words in c.attempted_content["narrative"] for c in conflicts if c.note == f"writer {n}")
        assert in_history or in_kept, n
    assert sum(1 for s, _ in outcomes.values() if s == "saved") == 1  # one of them won the base
    assert sum(1 for s, _ in outcomes.values() if s == "conflict") == len(NARRATIVE_WRITERS) - 1

    with capsys.disabled():
        print(
            f"\n{WRITERS} concurrent saves from one base: {len(revisions) - 1} revisions "
            f"({sum(1 for s, _ in outcomes.values() if s == 'merged')} merges), "
            f"{len(conflicts)} kept conflicts; compare-and-swap rounds per save: "
            f"max {max(rounds.values())}, mean {sum(rounds.values()) / len(rounds):.1f}; "
            f"slowest save {max(timings.values()) * 1000:.0f} ms, "
            f"median {sorted(timings.values())[WRITERS // 2] * 1000:.0f} ms"
        )
