"""The shared plan's rules: saving a section as a new revision, marking it reviewed, and
reading the plan in a small, fixed number of queries.

Saves are optimistic: the editor names the revision they started from, and the save
swaps the section's current-revision pointer only if it still points there (a
compare-and-swap in one UPDATE, which PostgreSQL serialises per row). Otherwise
StaleRevision says who saved in between; nothing is written.
"""

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.audit.services import record_event
from app.database import insert_for
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.markdown import render_markdown
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership, Party
from app.plan_sections.context import PlanContext
from app.plan_sections.fields import ItemRef, MemberRef
from app.plan_sections.models import REVISION_KINDS, PlanSection, SectionReview, SectionRevision
from app.plan_sections.registry import get_section_type, section_keys, section_types
from app.plan_sections.schema import Completeness, ContentError, SectionType
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


# -- sections ---------------------------------------------------------------------------------


def ensure_sections(partnership_id: int) -> dict[str, PlanSection]:
    """Every section row of the plan, creating missing ones.

    Insert-if-missing against the (partnership, section key) unique constraint, so two
    requests creating them at once both succeed and neither duplicates a row.
    """
    sections = {s.section_key: s for s in _section_rows(partnership_id)}
    missing = [key for key in section_keys() if key not in sections]
    if missing:
        now = utcnow()
        db.session.execute(
            insert_for(PlanSection)
            .values([
                {"partnership_id": partnership_id, "section_key": key, "revision_count": 0, "created_at": now}
                for key in missing
            ])
            .on_conflict_do_nothing(index_elements=["partnership_id", "section_key"])
        )
        sections = {s.section_key: s for s in _section_rows(partnership_id)}
    return sections


def _section_rows(partnership_id: int, keys: list[str] | None = None) -> list[PlanSection]:
    """Sections with their current revision, its author and the last reviewer: one query."""
    query = (
        sa.select(PlanSection)
        .where(PlanSection.partnership_id == partnership_id)
        .options(
            joinedload(PlanSection.current_revision).joinedload(SectionRevision.author),
            joinedload(PlanSection.current_revision).joinedload(SectionRevision.author_party).joinedload(
                Party.organisation
            ),
            joinedload(PlanSection.last_reviewed_by),
            joinedload(PlanSection.last_reviewed_party).joinedload(Party.organisation),
        )
    )
    if keys is not None:
        query = query.where(PlanSection.section_key.in_(keys))
    return list(db.session.scalars(query).unique())


def section_for(partnership_id: int, key: str) -> PlanSection:
    """The section row to write to (created with its siblings when first needed)."""
    if get_section_type(key) is None:
        raise LookupError(key)
    return ensure_sections(partnership_id)[key]


def load_context(partnership_id: int, contents: dict[str, dict] | None = None) -> PlanContext:
    """Parties and members of the partnership (two queries), and names of people referred to
    in `contents` who have since left (one more query, only when there are such people)."""
    parties = db.session.scalars(
        sa.select(Party)
        .where(Party.partnership_id == partnership_id)
        .options(joinedload(Party.organisation))
        .order_by(Party.id)
    ).all()
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.partnership_id == partnership_id)
        .options(joinedload(Membership.user))
    ).all()
    order = {party.id: n for n, party in enumerate(parties)}
    memberships = sorted(memberships, key=lambda m: (order.get(m.party_id, 0), m.user.full_name.lower()))
    ctx = PlanContext(
        partnership_id=partnership_id,
        parties={party.id: party for party in parties},
        members={m.user_id: m for m in memberships},
        contents=dict(contents or {}),
    )
    former = _referenced_people(ctx.contents) - set(ctx.members)
    if former:
        names = db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(former))).all()
        ctx.former_people = dict(names)
    return ctx


def _referenced_people(contents: dict[str, dict]) -> set[int]:
    people = set()
    for key, content in contents.items():
        section_type = get_section_type(key)
        if section_type is None:
            continue
        for f in section_type.fields:
            if isinstance(f, MemberRef) and content["fields"].get(f.name) is not None:
                people.add(content["fields"][f.name])
        for kind in section_type.item_kinds:
            names = [f.name for f in kind.fields if isinstance(f, MemberRef)]
            for item in content["items"].get(kind.key, []):
                people.update(item[n] for n in names if item.get(n) is not None)
    return people


def referenced_sections(section_type: SectionType) -> list[str]:
    """Keys of the sections whose items this type's fields can point at."""
    keys = []
    for kind in section_type.item_kinds:
        for f in kind.fields:
            if isinstance(f, ItemRef) and f.target_section not in keys:
                keys.append(f.target_section)
    return keys


def section_context(section: PlanSection) -> PlanContext:
    """What content of `section` is checked and shown against: the partnership's parties and
    members, and the current content of the sections its items can point at."""
    keys = referenced_sections(get_section_type(section.section_key))
    rows = _section_rows(section.partnership_id, keys)
    contents = {s.section_key: content_of(s, get_section_type(s.section_key)) for s in rows}
    return load_context(section.partnership_id, contents)


def content_of(section: PlanSection | None, section_type: SectionType) -> dict:
    """The section's current content (empty content before its first save)."""
    if section is None or section.current_revision is None:
        return section_type.empty_content()
    return section.current_revision.content


# -- saving and reviewing -----------------------------------------------------------------------


def _check_can_edit(membership: Membership, section: PlanSection) -> None:
    if section.partnership_id != membership.partnership_id:
        raise RuleViolation("That section belongs to another partnership.")
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can change the plan.")


def _clean_note(note: str | None, limit: int, field: str) -> str | None:
    note = " ".join((note or "").split())
    if has_control_characters(note):
        raise RuleViolation(CONTROL_MESSAGE, field)
    if len(note) > limit:
        raise RuleViolation(f"Keep the note to {limit} characters (it has {len(note)}).", field)
    return note or None


def _current_revision(section_id: int) -> SectionRevision | None:
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
    _check_can_edit(membership, section)
    if kind not in REVISION_KINDS:
        raise ValueError(f"unknown revision kind {kind!r}")
    section_type = get_section_type(section.section_key)
    note = _clean_note(note, NOTE_MAX, "note")
    current = section.current_revision
    if section.current_revision_id != base_revision_id:
        raise StaleRevision(_current_revision(section.id))
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
        latest = _current_revision(section.id)
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
    _check_can_edit(membership, section)
    note = _clean_note(note, REVIEW_NOTE_MAX, "note")
    if section.current_revision_id is None:
        raise RuleViolation("There is nothing to review yet: nobody has written this section.")
    if section.current_revision_id != revision_id:
        raise StaleRevision(_current_revision(section.id))
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
        raise StaleRevision(_current_revision(section.id))
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


# -- reading the plan ---------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or that month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    years, month_index = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass
class SectionState:
    """A section as the plan pages show it: content, who changed and reviewed it, and whether
    it is complete and current."""

    type: SectionType
    section: PlanSection | None
    content: dict
    completeness: Completeness
    review_due: datetime | None
    stale: bool

    @property
    def key(self) -> str:
        return self.type.key

    @property
    def revision(self) -> SectionRevision | None:
        return self.section.current_revision if self.section is not None else None

    @property
    def is_started(self) -> bool:
        return self.revision is not None

    @property
    def narrative_html(self) -> str:
        return self.revision.narrative_html if self.revision is not None else ""

    @property
    def reviewed_at(self) -> datetime | None:
        return self.section.last_reviewed_at if self.section is not None else None

    @property
    def review_is_of_current(self) -> bool:
        return (
            self.revision is not None
            and self.section.last_reviewed_revision_number == self.revision.number
        )

    @property
    def item_count(self) -> int:
        return sum(len(items) for items in self.content["items"].values())


def section_state(
    section_type: SectionType, section: PlanSection | None, partnership: Partnership, now: datetime
) -> SectionState:
    content = content_of(section, section_type)
    revision = section.current_revision if section is not None else None
    review_due = None
    stale = False
    if revision is not None:
        last = max(t for t in (revision.created_at, section.last_reviewed_at) if t is not None)
        review_due = add_months(last, partnership.section_review_cadence_months)
        stale = review_due <= now
    return SectionState(section_type, section, content, section_type.completeness(content), review_due, stale)


@dataclass
class PlanOverview:
    sections: list[SectionState]

    @property
    def percent(self) -> int:
        """The plan's completeness: the average of its sections'."""
        return round(sum(s.completeness.percent for s in self.sections) / len(self.sections))

    @property
    def stale(self) -> list[SectionState]:
        return [s for s in self.sections if s.stale]

    @property
    def not_started(self) -> list[SectionState]:
        return [s for s in self.sections if not s.is_started]

    @property
    def complete(self) -> list[SectionState]:
        return [s for s in self.sections if s.completeness.is_complete]

    @property
    def last_changed(self) -> SectionState | None:
        started = [s for s in self.sections if s.is_started]
        return max(started, key=lambda s: s.revision.created_at) if started else None


def plan_overview(partnership: Partnership, keys: list[str] | None = None) -> PlanOverview:
    """The plan's sections (all, or those named) in order, from one query."""
    rows = {s.section_key: s for s in _section_rows(partnership.id, keys)}
    now = utcnow()
    return PlanOverview([
        section_state(t, rows.get(t.key), partnership, now)
        for t in section_types()
        if keys is None or t.key in keys
    ])


def current_content(partnership_id: int, section_key: str) -> dict:
    """The current content of one section of a partnership's plan (empty before its first save)."""
    section_type = get_section_type(section_key)
    if section_type is None:
        raise LookupError(section_key)
    rows = _section_rows(partnership_id, [section_key])
    return content_of(rows[0] if rows else None, section_type)


def performance_measures(partnership_id: int) -> list[dict]:
    """The partnership's joint performance measures, in the business case's order.

    Each is the stored item: {"id", "name", "unit", "direction" ("higher"|"lower"),
    "baseline" (decimal string or None), "target" (decimal string), "frequency",
    "data_owner" (Party id), "definition" (str or None)}. Ids are stable across edits.
    """
    return [dict(item) for item in current_content(partnership_id, "business_case")["items"]["measures"]]


def performance_measure(partnership_id: int, measure_id: str) -> dict | None:
    return next((m for m in performance_measures(partnership_id) if m["id"] == measure_id), None)
