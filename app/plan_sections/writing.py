"""Writing the shared plan: saving a section as a new revision, and marking it reviewed.

Saves are optimistic: the editor names the revision they started from, and the save
swaps the section's current-revision pointer only if it still points there (a
compare-and-swap in one UPDATE, which PostgreSQL serialises per row). Otherwise
StaleRevision says who saved in between; nothing is written.
"""

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.services import record_event
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.markdown import render_markdown
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Party
from app.plan_sections.context import PlanContext
from app.plan_sections.models import REVISION_KINDS, PlanSection, SectionReview, SectionRevision
from app.plan_sections.reading import section_context
from app.plan_sections.registry import get_section_type
from app.plan_sections.schema import ContentError
from app.rules import RuleViolation
from app.types import utcnow

NOTE_MAX = 200
REVIEW_NOTE_MAX = 500


class StaleRevision(Exception):  # noqa: N818 - the name the other features use
    """The section changed since the editor opened it; `current` is its newest revision."""

    def __init__(self, current: SectionRevision | None):
        super().__init__("the section was saved by someone else in the meantime")
        self.current = current


class InvalidContent(RuleViolation):
    """Content its section type refuses; `errors` maps input names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def check_can_edit(membership: Membership, section: PlanSection) -> None:
    """Refuse a change to another partnership's section, or by someone who may not edit the plan."""
    if section.partnership_id != membership.partnership_id:
        raise RuleViolation("That section belongs to another partnership.")
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can change the plan.")


def clean_note(note: str | None, limit: int, field: str) -> str | None:
    """The note on one line (None when blank); refused with control characters or past `limit`."""
    note = " ".join((note or "").split())
    if has_control_characters(note):
        raise RuleViolation(CONTROL_MESSAGE, field)
    if len(note) > limit:
        raise RuleViolation(f"Keep the note to {limit} characters (it has {len(note)}).", field)
    return note or None


def committed_revision(section_id: int) -> SectionRevision | None:
    """The newest revision as committed now, whatever this session saw before."""
    return db.session.scalar(
        sa.select(SectionRevision)
        .join(PlanSection, PlanSection.current_revision_id == SectionRevision.id)
        .where(PlanSection.id == section_id)
        .options(
            joinedload(SectionRevision.author),
            joinedload(SectionRevision.author_party).joinedload(Party.organisation),
        )
        .execution_options(populate_existing=True)
    )


def _points_at(revision_id: int | None):
    column = PlanSection.current_revision_id
    return column.is_(None) if revision_id is None else column == revision_id


def save_section(
    membership: Membership,
    section: PlanSection,
    content: dict,
    base_revision_id: int | None,
    note: str | None = None,
    *,
    kind: str = "edit",
    at: datetime | None = None,
    ctx: PlanContext | None = None,
    known: tuple[dict, ...] = (),
) -> SectionRevision | None:
    """Save `content` as the section's next revision; None when it equals the current one.

    Raises InvalidContent when the section type refuses the content, and StaleRevision
    when the section no longer points at `base_revision_id`. `at` backdates the
    revision (the demo uses it); `ctx` saves reloading what the caller already loaded.
    `known` are other contents the server itself holds (a revision being restored, the
    versions a merge combines): their item ids are kept and their references accepted
    as already stored, exactly like the current revision's.
    """
    check_can_edit(membership, section)
    if kind not in REVISION_KINDS:
        raise ValueError(f"unknown revision kind {kind!r}")
    section_type = get_section_type(section.section_key)
    note = clean_note(note, NOTE_MAX, "note")
    current = section.current_revision
    if section.current_revision_id != base_revision_id:
        raise StaleRevision(committed_revision(section.id))
    base_content = current.content if current is not None else None
    if ctx is None:
        ctx = section_context(section)
    base_items = base_content
    if known:
        base_items = {"items": {}}
        for source in (base_content, *known):
            for kind_key, items in ((source or {}).get("items") or {}).items():
                base_items["items"].setdefault(kind_key, []).extend(items)
    try:
        clean = section_type.validate(content, ctx.with_base(base_content, *known), base=base_items)
    except ContentError as error:
        raise InvalidContent(error.errors) from error
    digest = content_hash(clean)
    if current is not None and current.content_hash == digest:
        return None

    # The compare-and-swap: claims the next number only if nobody saved since the base.
    number = db.session.execute(
        sa.update(PlanSection)
        .where(PlanSection.id == section.id, _points_at(base_revision_id))
        .values(revision_count=PlanSection.revision_count + 1)
        .returning(PlanSection.revision_count)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if number is None:
        latest = committed_revision(section.id)
        if latest is not None and latest.content_hash == digest:
            return None  # someone saved exactly this meanwhile
        raise StaleRevision(latest)

    revision = SectionRevision(
        section_id=section.id,
        number=number,
        content=clean,
        content_hash=digest,
        narrative_html=render_markdown(clean["narrative"]),
        author_id=membership.user_id,
        author_party_id=membership.party_id,
        created_at=at or utcnow(),
        note=note,
        kind=kind,
        base_revision_id=base_revision_id,
    )
    db.session.add(revision)
    db.session.flush()
    db.session.execute(
        sa.update(PlanSection)
        .where(PlanSection.id == section.id)
        .values(current_revision_id=revision.id)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(section, "revision_count", number)
    set_committed_value(section, "current_revision_id", revision.id)
    set_committed_value(section, "current_revision", revision)
    record_event(
        "plan.section_saved",
        actor=membership.user,
        partnership_id=section.partnership_id,
        party_id=membership.party_id,
        obj=section,
        details={"section": section.section_key, "revision": number, "kind": kind, "note": note},
    )
    return revision


def mark_reviewed(
    membership: Membership,
    section: PlanSection,
    revision_id: int,
    note: str | None = None,
    *,
    at: datetime | None = None,
) -> SectionReview:
    """Record that the section, as of `revision_id`, is still current.

    Raises StaleRevision if the section changed since the reviewer opened it: nobody
    confirms a version they have not read.
    """
    check_can_edit(membership, section)
    note = clean_note(note, REVIEW_NOTE_MAX, "note")
    if section.current_revision_id is None:
        raise RuleViolation("There is nothing to review yet: nobody has written this section.")
    if section.current_revision_id != revision_id:
        raise StaleRevision(committed_revision(section.id))
    revision = section.current_revision
    now = at or utcnow()
    claimed = db.session.execute(
        sa.update(PlanSection)
        .where(PlanSection.id == section.id, _points_at(revision_id))
        .values(
            last_reviewed_at=now,
            last_reviewed_by_id=membership.user_id,
            last_reviewed_party_id=membership.party_id,
            last_reviewed_revision_number=revision.number,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise StaleRevision(committed_revision(section.id))
    review = SectionReview(
        section_id=section.id,
        revision_id=revision_id,
        reviewer_id=membership.user_id,
        party_id=membership.party_id,
        reviewed_at=now,
        note=note,
    )
    db.session.add(review)
    db.session.flush()
    for name, value in (
        ("last_reviewed_at", now),
        ("last_reviewed_by_id", membership.user_id),
        ("last_reviewed_party_id", membership.party_id),
        ("last_reviewed_revision_number", revision.number),
        ("last_reviewed_by", membership.user),
        ("last_reviewed_party", membership.party),
    ):
        set_committed_value(section, name, value)
    record_event(
        "plan.section_reviewed",
        actor=membership.user,
        partnership_id=section.partnership_id,
        party_id=membership.party_id,
        obj=section,
        details={"section": section.section_key, "revision": revision.number, "note": note},
    )
    return review
