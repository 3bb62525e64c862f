"""Saving a section without losing anyone's work: merge on a stale base, keep what cannot merge.

`save_edit` is the save path of every save a person makes (the editor, restores, conflict
resolutions). It calls plan_sections' compare-and-swap `save_section`; when another save
landed after the editor's base revision, it merges three ways (the base, the attempt, the
newest revision). A clean merge is saved as a new revision based on the newest one (and
merged again, a bounded number of times, if yet another save lands first); overlapping
changes keep the attempt server-side as an EditConflict its author resolves or discards.

Every attempt ends as exactly one of: a new revision, no change (the section already
reads so), one kept conflict, or (where a save gate takes it, e.g. agreed sections) one
proposal to the other parties. Saves by one party notify the other parties' members.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.services import record_event
from app.coediting.merging import MergeResult, ResolutionError, merge_content, resolve
from app.coediting.models import EditConflict
from app.extensions import db
from app.links import path_for
from app.notifications.services import notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Party
from app.plan_sections import reading, writing
from app.plan_sections.context import PlanContext
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.registry import get_section_type
from app.plan_sections.schema import ContentError
from app.registries import Registry
from app.rules import RuleViolation
from app.types import utcnow

# Each round loses only to a save that landed between reading the newest revision and the
# compare-and-swap, so even dozens of simultaneous writers settle well within this.
MAX_MERGE_ROUNDS = 50
NOTE_MAX = writing.NOTE_MAX


@dataclass
class SaveOutcome:
    """How a save ended: "saved", "merged", "unchanged", "conflict" or "proposed"."""

    status: str
    revision: SectionRevision | None = None
    conflict: EditConflict | None = None
    # The revisions saved by others since the editor's base, merged into this save.
    merged_with: list[SectionRevision] = field(default_factory=list)
    # "proposed": the change waits for the other parties (app/consent) instead of saving.
    proposal: object | None = None


@dataclass(frozen=True)
class Attempt:
    """A save about to be made, as a save gate sees it."""

    membership: Membership
    section: PlanSection
    content: dict  # validated against the base: normalised, new items given ids
    base_revision: SectionRevision | None
    note: str | None
    kind: str  # "edit", "restore" or "merge" (a conflict's resolution)


@dataclass(frozen=True)
class SaveGate:
    """A feature that may take a save elsewhere (agreed sections make a change to a signed
    section a proposal). `applies(section)` is asked first and must be cheap; only then is
    the attempt validated and handed to `take(attempt)`, which returns how the save ended."""

    applies: Callable[[PlanSection], bool]
    take: Callable[[Attempt], SaveOutcome]


SAVE_GATES = Registry[SaveGate]("save_gates")


def section_path(partnership_id: int, section_key: str, endpoint: str = "coediting.section", **values) -> str:
    """The path of a section's page (or of its comments, with that endpoint), for notifications
    and My work."""
    return path_for(endpoint, partnership_id=partnership_id, section_key=section_key, **values)


def with_suffix(note: str | None, suffix: str) -> str:
    """`note` followed by `suffix` in brackets, cutting the note so the whole fits a revision note."""
    note = " ".join((note or "").split())
    if not note:
        return suffix[:1].upper() + suffix[1:]
    tail = f" ({suffix})"
    room = NOTE_MAX - len(tail)
    if len(note) > room:
        note = note[: max(room - 1, 0)].rstrip() + "…"
    return (note + tail)[:NOTE_MAX]


def merged_note(note: str | None, theirs: SectionRevision) -> str:
    return with_suffix(note, f"merged with revision {theirs.number} by {theirs.author.full_name}")


def _revision_of(section: PlanSection, revision_id: int | None) -> SectionRevision | None:
    if revision_id is None:
        return None
    revision = db.session.get(SectionRevision, revision_id)
    if revision is None or revision.section_id != section.id:
        raise RuleViolation("This edit started from a version of another section. Reload the page and try again.")
    return revision


def _refuse_unknown_item_ids(content, sources) -> None:
    """Every item id an edit names must come from the revision it started from (or from content
    the server holds). An id from nowhere means the form was changed on its way: taken for a new
    item, it would make the merge add every item of the section a second time."""
    held = {
        (kind, item.get("id"))
        for source in sources if isinstance(source, dict)
        for kind, items in (source.get("items") or {}).items()
        for item in items if isinstance(item, dict)
    }
    items_in = content.get("items") if isinstance(content, dict) else None
    for kind, items in (items_in or {}).items() if isinstance(items_in, dict) else ():
        for item in items if isinstance(items, list) else ():
            item_id = item.get("id") if isinstance(item, dict) else None
            if item_id and (kind, item_id) not in held:
                raise RuleViolation(
                    "This edit names items that the version it started from does not have, so nothing was saved. "
                    "Copy what you typed, reload the editor and make your changes again."
                )


def _point_at(section: PlanSection, revision: SectionRevision) -> None:
    """Let `save_section` try its compare-and-swap against `revision` (the newest we know of)."""
    set_committed_value(section, "current_revision_id", revision.id)
    set_committed_value(section, "current_revision", revision)


def save_edit(
    membership: Membership,
    section: PlanSection,
    content: dict,
    base_revision_id: int | None,
    note: str | None = None,
    *,
    restoring: SectionRevision | None = None,
    resolving: EditConflict | None = None,
    ctx: PlanContext | None = None,
    at: datetime | None = None,
    agreed: bool = False,
) -> SaveOutcome:
    """Save `content`, edited from `base_revision_id`, merging with whatever landed since.

    Raises InvalidContent or RuleViolation for content or notes the section refuses.
    `restoring` marks a restore of that revision, `resolving` the resolution of that
    conflict: both decide the revision's kind and how a further conflict is kept.
    `at` backdates what is saved (the demo uses it). `agreed` saves a change every party
    agreed to, past the save gates (which would otherwise propose it again).
    """
    base_revision = _revision_of(section, base_revision_id)
    kind = "restore" if restoring is not None else "merge" if resolving is not None else "edit"
    # Versions the server itself holds, whose item ids and references the save keeps as known.
    known = tuple(r.content for r in (restoring,) if r is not None)
    if resolving is not None:
        known = (resolving.attempted_content, *(r.content for r in (resolving.base_revision,) if r is not None))
    if agreed:  # the content of a proposal the server kept, checked when it was proposed (new items' ids too)
        known = (*known, content)
    _refuse_unknown_item_ids(content, (base_revision.content if base_revision is not None else None, *known))
    gate = None if agreed else next((g for g in SAVE_GATES.all() if g.applies(section)), None)
    if gate is not None:
        writing.check_can_edit(membership, section)
        section_type = get_section_type(section.section_key)
        base_content = base_revision.content if base_revision is not None else section_type.empty_content()
        return gate.take(Attempt(
            membership, section, _validated(section, section_type, content, base_content, ctx, known),
            base_revision, writing.clean_note(note, NOTE_MAX, "note"), kind,
        ))
    # Loaded once here rather than by save_section: the notification below reads its members.
    ctx = ctx if ctx is not None else reading.section_context(section)
    try:
        revision = writing.save_section(
            membership, section, content, base_revision_id, note, kind=kind, ctx=ctx, known=known, at=at
        )
    except writing.StaleRevision as stale:
        return _merge_and_save(
            membership, section, content, base_revision, stale.current, note,
            kind="restore" if restoring is not None else "merge", ctx=ctx, known=known, resolving=resolving, at=at,
        )
    if revision is None:
        return SaveOutcome("unchanged")
    _tell_other_parties(membership, section, revision, ctx)
    return SaveOutcome("saved", revision)


def _merge_and_save(
    membership, section, attempt, base_revision, theirs, note, *, kind, ctx, known, resolving, at
) -> SaveOutcome:
    section_type = get_section_type(section.section_key)
    if theirs is None:
        raise RuleViolation("This section changed in a way this edit cannot follow. Reload the page and try again.")
    base_content = base_revision.content if base_revision is not None else section_type.empty_content()
    ours = _validated(section, section_type, attempt, base_content, ctx, known)
    for _round in range(MAX_MERGE_ROUNDS):
        result = merge_content(base_content, ours, theirs.content)
        if not result.clean:
            return SaveOutcome("conflict", conflict=_keep(
                membership, section, base_revision, theirs, ours, note, kind, result, resolving, at
            ))
        _point_at(section, theirs)
        try:
            revision = writing.save_section(
                membership, section, result.content, theirs.id, merged_note(note, theirs),
                kind=kind, ctx=ctx, known=(ours, base_content, *known), at=at,
            )
        except writing.StaleRevision as again:
            theirs = again.current
            continue
        merged_with = revisions_between(section, base_revision, theirs)
        if revision is None:
            return SaveOutcome("unchanged", merged_with=merged_with)
        record_event(
            "plan.section_merged",
            actor=membership.user,
            partnership_id=section.partnership_id,
            party_id=membership.party_id,
            obj=section,
            details={
                "section": section.section_key,
                "revision": revision.number,
                "base_revision": base_revision.number if base_revision is not None else None,
                "merged_with": [r.number for r in merged_with],
            },
        )
        _tell_other_parties(membership, section, revision, ctx)
        return SaveOutcome("merged", revision, merged_with=merged_with)
    # Lost the race every time: keep the attempt (nothing is lost) for its page to settle.
    return SaveOutcome("conflict", conflict=_keep(
        membership, section, base_revision, theirs, ours, note, kind, MergeResult(theirs.content, ()), resolving, at
    ))


def _validated(section, section_type, attempt: dict, base_content: dict, ctx, known) -> dict:
    """The attempt as its author meant it against their base: normalised, new items given ids."""
    ctx = ctx if ctx is not None else reading.section_context(section)
    ids_from = {"items": {k: [*items, *_items_of(known, k)] for k, items in base_content["items"].items()}}
    try:
        return section_type.validate(attempt, ctx.with_base(base_content, *known), base=ids_from)
    except ContentError as error:
        raise writing.InvalidContent(error.errors) from error


def _items_of(contents, kind_key: str) -> list:
    return [item for content in contents for item in (content.get("items") or {}).get(kind_key, [])]


def revisions_between(section: PlanSection, base: SectionRevision | None, newest: SectionRevision):
    """Revisions saved after `base` up to `newest`, oldest first, with their authors."""
    after = base.number if base is not None else 0
    return list(db.session.scalars(
        sa.select(SectionRevision)
        .where(SectionRevision.section_id == section.id, SectionRevision.number > after,
               SectionRevision.number <= newest.number)
        .options(joinedload(SectionRevision.author),
                 joinedload(SectionRevision.author_party).joinedload(Party.organisation))
        .order_by(SectionRevision.number)
    ))


def _keep(membership, section, base_revision, theirs, ours, note, kind, result, resolving, at) -> EditConflict:
    conflict = EditConflict(
        section_id=section.id,
        author_id=membership.user_id,
        author_party_id=membership.party_id,
        base_revision_id=base_revision.id if base_revision is not None else None,
        their_revision_id=theirs.id,
        attempted_content=ours,
        note=writing.clean_note(resolving.note if resolving is not None else note, NOTE_MAX, "note"),
        kind=resolving.kind if resolving is not None else "restore" if kind == "restore" else "edit",
        conflicts=[c.to_dict() for c in result.conflicts],
        status="open",
        created_at=at or utcnow(),
    )
    db.session.add(conflict)
    db.session.flush()
    record_event(
        "plan.conflict_kept",
        actor=membership.user,
        partnership_id=section.partnership_id,
        party_id=membership.party_id,
        obj=conflict,
        details={
            "section": section.section_key,
            "base_revision": base_revision.number if base_revision is not None else None,
            "their_revision": theirs.number,
            "conflicts": len(result.conflicts),
        },
    )
    return conflict


def _tell_other_parties(
    membership: Membership, section: PlanSection, revision: SectionRevision, ctx: PlanContext
) -> None:
    """Notify the members of the other parties, read from the context the save was checked
    against (the partnership's members as this transaction sees them) rather than again."""
    section_type = get_section_type(section.section_key)
    recipients = sorted(
        (m.user for m in ctx.members.values() if m.party_id != membership.party_id), key=lambda user: user.id
    )
    notify(
        recipients,
        "section_changed_by_other_party",
        partnership=membership.partnership,
        actor=membership.user,
        title=f"{membership.party.name} changed “{section_type.title}”",
        body=revision.note or "",
        link=section_path(section.partnership_id, section.section_key),
        topic=section.section_key,
    )


# -- restoring ----------------------------------------------------------------------------------


def restore_revision(
    membership: Membership,
    section: PlanSection,
    revision: SectionRevision,
    base_revision_id: int | None,
    note: str | None = None,
    *,
    ctx: PlanContext | None = None,
    at: datetime | None = None,
) -> SaveOutcome:
    """Make an old revision's content current again, as a new "restore" revision.

    Nothing is deleted: the revisions in between stay in the history. Saved from the
    revision the person was looking at, so changes that landed since merge like any save.
    """
    if revision.section_id != section.id:
        raise RuleViolation("That revision belongs to another section.")
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can change the plan.")
    text = with_suffix(note, f"restored revision {revision.number}") if note else f"Restored revision {revision.number}"
    outcome = save_edit(
        membership, section, revision.content, base_revision_id, text, restoring=revision, ctx=ctx, at=at
    )
    if outcome.revision is not None:
        record_event(
            "plan.section_restored",
            actor=membership.user,
            partnership_id=section.partnership_id,
            party_id=membership.party_id,
            obj=section,
            details={"section": section.section_key, "restored": revision.number, "revision": outcome.revision.number},
        )
    return outcome


# -- kept conflicts -------------------------------------------------------------------------------


def open_conflicts(section: PlanSection | None, user_id: int) -> list[EditConflict]:
    """The user's unsettled conflicts on a section, oldest first."""
    if section is None:
        return []
    return list(db.session.scalars(
        sa.select(EditConflict)
        .where(EditConflict.section_id == section.id, EditConflict.author_id == user_id,
               EditConflict.status == "open")
        .order_by(EditConflict.id)
    ))


def conflict_of(membership: Membership, section: PlanSection, conflict_id: int) -> EditConflict | None:
    """The conflict, only for its author and only on this section (anyone else: None, so 404)."""
    conflict = db.session.get(EditConflict, conflict_id)
    if conflict is None or conflict.section_id != section.id or conflict.author_id != membership.user_id:
        return None
    return conflict


def _check_settleable(membership: Membership, conflict: EditConflict) -> None:
    if conflict.author_id != membership.user_id:
        raise RuleViolation("Only the person whose save it was can settle this conflict.")
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can change the plan.")
    if not conflict.is_open:
        raise RuleViolation("This conflict is already settled.")


def _lock(conflict: EditConflict) -> EditConflict:
    """The conflict row locked, re-read: two tabs settling it at once settle it once."""
    return db.session.execute(
        sa.select(EditConflict).where(EditConflict.id == conflict.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def resolve_conflict(
    membership: Membership,
    conflict: EditConflict,
    choices: dict,
    *,
    ctx: PlanContext | None = None,
) -> SaveOutcome:
    """Settle every conflict with one choice each ("ours", "theirs", "base" or Custom(value)).

    The result is saved against the revision the conflicts were found with; if yet another
    save landed since, it is merged again, and what overlaps again becomes a new conflict
    that follows this one.
    """
    _check_settleable(membership, conflict)
    conflict = _lock(conflict)
    _check_settleable(membership, conflict)
    section = conflict.section
    base = conflict.base_revision.content if conflict.base_revision is not None else (
        get_section_type(section.section_key).empty_content()
    )
    theirs = conflict.their_revision
    try:
        content = resolve(base, conflict.attempted_content, theirs.content, choices)
    except ResolutionError as error:
        raise RuleViolation(str(error)) from error
    outcome = save_edit(
        membership, section, content, theirs.id, merged_note(conflict.note, theirs),
        resolving=conflict, ctx=ctx,
    )
    now = utcnow()
    conflict.closed_at = now
    if outcome.status == "conflict":
        conflict.status = "superseded"
        conflict.followed_by_id = outcome.conflict.id
    else:
        conflict.status = "resolved"
        conflict.result_revision_id = outcome.revision.id if outcome.revision is not None else None
    db.session.flush()
    record_event(
        "plan.conflict_resolved" if conflict.status == "resolved" else "plan.conflict_superseded",
        actor=membership.user,
        partnership_id=section.partnership_id,
        party_id=membership.party_id,
        obj=conflict,
        details={
            "section": section.section_key,
            "revision": outcome.revision.number if outcome.revision is not None else None,
            "choices": {key: choice if isinstance(choice, str) else "custom" for key, choice in choices.items()},
        },
    )
    return outcome


def discard_conflict(membership: Membership, conflict: EditConflict) -> None:
    """Give up the kept attempt. The record (and the attempt) stays, closed."""
    _check_settleable(membership, conflict)
    conflict = _lock(conflict)
    _check_settleable(membership, conflict)
    conflict.status = "discarded"
    conflict.closed_at = utcnow()
    db.session.flush()
    record_event(
        "plan.conflict_discarded",
        actor=membership.user,
        partnership_id=conflict.section.partnership_id,
        party_id=membership.party_id,
        obj=conflict,
        details={"section": conflict.section.section_key, "their_revision": conflict.their_revision.number},
    )
