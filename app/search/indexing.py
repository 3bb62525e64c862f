"""Keeping the search index in step with what it describes, in the same transaction.

Every flush is looked at once (a session event): new section revisions, comments, improvement
actions, adaptations, plan versions and assessment submissions, changed actions and adaptations,
and review cycles just revealed. Their entries are written with Core statements on the flush's
own connection, so they commit or roll back with the change, whichever feature made it and
however (a view, a job, the demo, an import). No feature imports this module.

Review text is entered only when its cycle is revealed: before that it is not in the index at
all, so no query, filter or mistake can find it (the search also checks the cycle on the way
out). `rebuild()` makes a partnership's entries again from the records (`flask ermp
search-reindex`), and the periodic `search_backfill` job indexes partnerships that have content
but no entries (an installation upgraded from before search existed).
"""

import logging
import time

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from app.attachments.models import Attachment, AttachmentVersion
from app.coediting.models import Comment, CommentThread
from app.extensions import db
from app.jobs.locks import exclusive
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_versions.models import PlanVersion
from app.review_cycle.models import Adaptation, Assessment, AssessmentSubmission, ImprovementAction, ReviewCycle
from app.search import attachment_entries, documents
from app.search.models import SearchEntry

log = logging.getLogger("jointly.search")
_TABLE = SearchEntry.__table__
BACKFILL_BATCH = 20
BACKFILL_SECONDS = 40  # a run of the periodic job (every minute) stops taking batches after this


def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _unchanged(previous: SectionRevision | None, revision: SectionRevision) -> tuple[frozenset[str], bool]:
    """The ids of items stored the same in both revisions, and whether the section's own text is
    the same: what a save need not look at (a one-line edit of a 500-item register is one item)."""
    if previous is None:
        return frozenset(), False
    old, new = previous.content or {}, revision.content or {}

    def items(content):
        return {item["id"]: item for kind in (content.get("items") or {}).values() for item in kind}

    old_items = items(old)
    same = frozenset(item_id for item_id, item in items(new).items() if old_items.get(item_id) == item)
    same_section = (old.get("narrative"), old.get("fields")) == (new.get("narrative"), new.get("fields"))
    return same, same_section


def section_change(section: PlanSection, previous: SectionRevision | None, revision: SectionRevision):
    """What a new revision changes in the index: the entries of the section and of the items it
    changed or added (unchanged ones keep who wrote them and when), the sources it removed or
    changed, and the text it no longer says, entered as the replaced revision's (what "include
    older revisions" finds, where it was said)."""
    unchanged, same_section = _unchanged(previous, revision)
    before = {} if previous is None else {
        e.source: e for e in documents.section_entries(section, previous, unchanged, same_section)}
    after = {e.source: e for e in documents.section_entries(section, revision, unchanged, same_section)}
    written = [e for source, e in after.items() if source not in before or not before[source].same_text(e)]
    gone = [source for source in before if source not in after] + [e.source for e in written if e.source in before]
    if gone:
        written.append(documents.revision_entry(section, previous, [before[source] for source in gone]))
    return written, gone


def _stored(session, revision_id: int | None):
    """A revision as stored (id, number, content, author's party, time), read afresh: a caller may
    have changed the content of the one in memory (JSON is not tracked), and compared with that a
    save would seem to change nothing."""
    if revision_id is None:
        return None
    return session.connection().execute(
        sa.select(SectionRevision.id, SectionRevision.number, SectionRevision.content,
                  SectionRevision.author_party_id, SectionRevision.created_at)
        .where(SectionRevision.id == revision_id)
    ).one_or_none()


def entries_for_flush(session) -> tuple[list[documents.Entry], list[tuple[tuple[str, ...], list[str]]]]:
    """What this flush changes in the index: entries to write, and (kinds, sources) they replace or
    that are gone."""
    entries: list[documents.Entry] = []
    replaced: list[tuple[tuple[str, ...], list[str]]] = []
    revealed: list[ReviewCycle] = []
    attachments: set[int] = set()  # attachments whose entry is made again
    submitted: set[int] = set()  # cycles with a submission after their reveal (a correction)
    for obj in session.new:
        if isinstance(obj, AttachmentVersion):
            attachments.add(obj.attachment_id)
            continue
        if isinstance(obj, SectionRevision):
            section = session.get(PlanSection, obj.section_id)
            # The section still points at the revision this one replaces (the pointer moves after
            # the flush): the first and only time both are at hand.
            previous = _stored(session, section.current_revision_id)
            written, gone = section_change(section, previous, obj)
            entries.extend(written)
            replaced.append((("section", "item"), gone))
        elif isinstance(obj, Comment):
            thread = session.get(CommentThread, obj.thread_id)
            section = session.get(PlanSection, thread.section_id)
            entries.append(documents.comment_entry(obj, thread, section.section_key))
        elif isinstance(obj, ImprovementAction):
            entries.append(documents.action_entry(obj))
        elif isinstance(obj, Adaptation):
            entries.append(documents.adaptation_entry(obj, session.get(ReviewCycle, obj.cycle_id)))
        elif isinstance(obj, PlanVersion):
            entries.append(documents.version_entry(obj))
        elif isinstance(obj, AssessmentSubmission):
            assessment = session.get(Assessment, obj.assessment_id)
            cycle = session.get(ReviewCycle, assessment.cycle_id)
            if cycle.revealed_at is not None:  # a correction, submitted after the reveal
                entries.append(documents.review_entry(obj, assessment, cycle))
                submitted.add(cycle.id)
    for obj in session.dirty:
        if isinstance(obj, ImprovementAction) and _changed(obj, "title", "description", "link_label", "owner_party_id"):
            replaced.append((("action",), [str(obj.id)]))
            entries.append(documents.action_entry(obj))
        elif isinstance(obj, Adaptation) and _changed(obj, "what", "why", "section_key"):
            replaced.append((("adaptation",), [str(obj.id)]))
            entries.append(documents.adaptation_entry(obj, session.get(ReviewCycle, obj.cycle_id)))
        elif isinstance(obj, PlanVersion) and _changed(obj, "summary"):
            replaced.append((("version",), [str(obj.id)]))
            entries.append(documents.version_entry(obj))
        elif isinstance(obj, ReviewCycle) and obj.revealed_at is not None and _changed(obj, "revealed_at"):
            revealed.append(obj)
        elif isinstance(obj, AttachmentVersion) and _changed(obj, "text"):
            attachments.add(obj.attachment_id)
        elif isinstance(obj, Attachment) and _changed(obj, "withdrawn_at", "name"):
            attachments.add(obj.id)
    for cycle in revealed:
        found = review_entries(session, cycle)
        replaced.append((("review",), [e.source for e in found]))
        entries.extend(found)
    connection = session.connection()
    attachments.update(attachment_entries.of_cycles(connection, [c.id for c in revealed] + sorted(submitted)))
    if attachments:
        replaced.append(((attachment_entries.KIND,), [str(i) for i in sorted(attachments)]))
        entries.extend(attachment_entries.entries(connection, attachments))
    return entries, replaced


def review_entries(session, cycle: ReviewCycle) -> list[documents.Entry]:
    rows = session.execute(
        sa.select(AssessmentSubmission, Assessment)
        .join(Assessment, Assessment.id == AssessmentSubmission.assessment_id)
        .where(Assessment.cycle_id == cycle.id)
        .order_by(AssessmentSubmission.id)
    ).all()
    return [documents.review_entry(submission, assessment, cycle) for submission, assessment in rows]


def write(connection, entries: list[documents.Entry], replaced=()) -> None:
    """Remove what `replaced` names ((kinds, sources) pairs) and write `entries`, in as few
    statements as it takes."""
    for kinds, sources in replaced:
        if sources:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.kind.in_(kinds), _TABLE.c.source.in_(sources)))
    if entries:
        connection.execute(sa.insert(_TABLE), [entry.row() for entry in entries])


@sa.event.listens_for(Session, "after_flush")
def _index_flush(session, _flush_context) -> None:
    if not session.new and not session.dirty:
        return
    entries, replaced = entries_for_flush(session)
    if entries or replaced:
        write(session.connection(), entries, replaced)


# --- Rebuilding ----------------------------------------------------------------------------------


def partnership_entries(partnership_id: int) -> list[documents.Entry]:
    """Every entry of a partnership, made afresh from its records."""
    session = db.session
    entries: list[documents.Entry] = []
    sections = {s.id: s for s in session.scalars(
        sa.select(PlanSection).where(PlanSection.partnership_id == partnership_id))}
    if sections:
        # Each section's revisions in order, changing the entries as each save did.
        current: dict[int, dict[str, documents.Entry]] = {section_id: {} for section_id in sections}
        previous: dict[int, SectionRevision] = {}
        revisions = sa.select(SectionRevision).where(SectionRevision.section_id.in_(sections))
        for revision in session.scalars(revisions.order_by(SectionRevision.section_id, SectionRevision.number)):
            section, state = sections[revision.section_id], current[revision.section_id]
            written, gone = section_change(section, previous.get(section.id), revision)
            for source in gone:
                state.pop(source, None)
            for entry in written:
                if entry.kind == "revision":
                    entries.append(entry)
                else:
                    state[entry.source] = entry
            previous[section.id] = revision
        entries.extend(entry for state in current.values() for entry in state.values())
    for comment, thread, section_key in session.execute(
        sa.select(Comment, CommentThread, PlanSection.section_key)
        .join(CommentThread, CommentThread.id == Comment.thread_id)
        .join(PlanSection, PlanSection.id == CommentThread.section_id)
        .where(CommentThread.partnership_id == partnership_id).order_by(Comment.id)
    ):
        entries.append(documents.comment_entry(comment, thread, section_key))
    cycles = {c.id: c for c in session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id))}
    actions = sa.select(ImprovementAction).where(ImprovementAction.partnership_id == partnership_id)
    for action in session.scalars(actions):
        entries.append(documents.action_entry(action))
    if cycles:
        for adaptation in session.scalars(sa.select(Adaptation).where(Adaptation.cycle_id.in_(cycles))):
            entries.append(documents.adaptation_entry(adaptation, cycles[adaptation.cycle_id]))
    for cycle in cycles.values():
        if cycle.revealed_at is not None:
            entries.extend(review_entries(session, cycle))
    for version in session.scalars(sa.select(PlanVersion).where(PlanVersion.partnership_id == partnership_id)):
        entries.append(documents.version_entry(version))
    connection = session.connection()
    attachments = attachment_entries.of_partnership(connection, partnership_id)
    entries.extend(attachment_entries.entries(connection, attachments))
    return entries


def rebuild(partnership_id: int) -> int:
    """Make one partnership's entries again from its records (in the caller's transaction)."""
    entries = partnership_entries(partnership_id)
    connection = db.session.connection()
    connection.execute(sa.delete(_TABLE).where(_TABLE.c.partnership_id == partnership_id))
    for start in range(0, len(entries), 1000):
        connection.execute(sa.insert(_TABLE), [e.row() for e in entries[start:start + 1000]])
    return len(entries)


def unindexed_partnerships(limit: int) -> list[int]:
    """Partnerships with plan content but no entry at all: written before search existed."""
    has_entry = sa.select(SearchEntry.id).where(SearchEntry.partnership_id == PlanSection.partnership_id).exists()
    return list(db.session.scalars(
        sa.select(PlanSection.partnership_id).where(PlanSection.current_revision_id.is_not(None), ~has_entry)
        .distinct().order_by(PlanSection.partnership_id).limit(limit)
    ))


def backfill(seconds: float = BACKFILL_SECONDS) -> int:
    """The periodic job: index unindexed partnerships, each in its own transaction, batch after
    batch for up to `seconds` (about 75 ms a partnership of a hundred revisions); one worker at a
    time (another finds the lock taken and leaves the work to it)."""
    done, started = 0, time.monotonic()
    with exclusive("search_backfill") as mine:
        while mine and time.monotonic() - started < seconds:
            batch = unindexed_partnerships(BACKFILL_BATCH)
            for partnership_id in batch:
                count = rebuild(partnership_id)
                db.session.commit()
                log.info("search: indexed partnership %s (%s entries)", partnership_id, count)
                done += 1
            if len(batch) < BACKFILL_BATCH:
                break
    return done
