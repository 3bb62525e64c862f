"""Importing a plan written elsewhere: read the file, preview it, save it section by section.

`start_import` reads the file (app/plan_import/reading.py) and keeps its parts server-side
as a PendingImport, with each section's revision at that moment. `build_preview` shows what
each part becomes under the mapping the person chose. `confirm_import` saves every mapped
section through the co-editing save path (`save_edit`), one revision each, noted
"Imported from FILE": a section saved meanwhile by someone else merges three ways or keeps
a conflict for the importer to settle; a section under agreed sections becomes a proposal
to the other parties; a section the save path refuses is left as it is and said why. Nothing
is ever overwritten: the import adds its text and items after what a section already holds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from app.audit.services import record_event
from app.coediting import saving
from app.consent.services import ConsentError
from app.extensions import db
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership
from app.plan_import.matching import SectionImport, merged_content, section_import, split_parts
from app.plan_import.models import PendingImport
from app.plan_import.reading import ImportRefused, read_plan_limited
from app.plan_sections import progress, reading, writing
from app.plan_sections.models import SectionRevision
from app.plan_sections.registry import get_section_type, section_keys
from app.plan_sections.schema import NARRATIVE_MAX
from app.rules import RuleViolation
from app.types import utcnow
from app.uploads import FileKind

KEEP_HOURS = 24


class AlreadyImported(RuleViolation):
    """The import was confirmed already (another tab, a second click)."""

    status = 409

MAX_PARTS = 200
SKIP = "skip"

# Recognised by content in reading.py (a zip that is a Word document, or UTF-8 text): the
# upload check only bounds the size, which answers 413 beside the field.
PLAN_FILE = FileKind("a Word document (.docx) or a Markdown file", "docx", "application/octet-stream",
                     10 * 1024 * 1024, lambda _head: True)


def _check_can_import(membership: Membership) -> None:
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can import a plan.")


def start_import(membership: Membership, data: bytes, filename: str) -> PendingImport:
    """Read the file and keep what it holds for its uploader to confirm; ImportRefused if it cannot be."""
    _check_can_import(membership)
    file_kind, blocks = read_plan_limited(data)
    parts = split_parts(blocks)
    if not parts:
        raise ImportRefused("This file has no text to import.")
    if len(parts) > MAX_PARTS:
        raise ImportRefused(f"This file has more than {MAX_PARTS} headings at its top level: it cannot be one plan.")
    now = utcnow()
    db.session.execute(sa.delete(PendingImport).where(PendingImport.expires_at < now))
    sections = reading.ensure_sections(membership.partnership_id)
    pending = PendingImport(
        partnership_id=membership.partnership_id,
        user_id=membership.user_id,
        filename=filename,
        file_kind=file_kind,
        parts=parts,
        base_revision_ids={key: sections[key].current_revision_id for key in section_keys()},
        created_at=now,
        expires_at=now + timedelta(hours=KEEP_HOURS),
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def is_expired(pending: PendingImport) -> bool:
    return pending.expires_at <= utcnow()


def suggested_mapping(pending: PendingImport) -> dict[int, str]:
    return {index: part["suggested"] or SKIP for index, part in enumerate(pending.parts)}


def mapping_errors(pending: PendingImport, mapping: dict[int, str]) -> dict[int, str]:
    """{part index: message} for choices that are not a section or "skip"."""
    keys = set(section_keys())
    return {
        index: "Choose a section of the plan, or Skip." for index in range(len(pending.parts))
        if mapping.get(index) not in keys and mapping.get(index) != SKIP
    }


# -- preview ------------------------------------------------------------------------------------


@dataclass
class SectionPlan:
    """What confirming does to one section."""

    key: str
    title: str
    imported: SectionImport
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None  # the section will not be saved, and why


@dataclass
class Preview:
    parts: list[dict]  # {"index", "heading", "choice", "imported": SectionImport | None}
    sections: list[SectionPlan]
    ctx: object  # the PlanContext values are shown with


def _grouped(pending: PendingImport, mapping: dict[int, str]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for index, part in enumerate(pending.parts):
        key = mapping.get(index, SKIP)
        if key != SKIP and get_section_type(key) is not None:
            groups[key].append(part)
    return {key: groups[key] for key in section_keys() if key in groups}


def build_preview(membership: Membership, pending: PendingImport, mapping: dict[int, str]) -> Preview:
    """Each part as it will be imported under `mapping`, and what happens to each section."""
    overview = progress.plan_overview(membership.partnership)
    states = {state.key: state for state in overview.sections}
    ctx = reading.load_context(membership.partnership_id, {key: s.content for key, s in states.items()})
    parts = []
    for index, part in enumerate(pending.parts):
        key = mapping.get(index, SKIP)
        imported = section_import(key, [part], ctx, membership.party_id) if key != SKIP and get_section_type(
            key) is not None else None
        parts.append({"index": index, "heading": part["heading"], "choice": key, "imported": imported,
                      "suggested": part["suggested"], "blocks": part["blocks"]})
    sections = []
    for key, group in _grouped(pending, mapping).items():
        state = states[key]
        imported = section_import(key, group, ctx, membership.party_id)
        section_plan = SectionPlan(key, state.type.title, imported)
        _explain(section_plan, membership, pending, state)
        sections.append(section_plan)
    return Preview(parts, sections, ctx)


def _explain(section_plan: SectionPlan, membership: Membership, pending: PendingImport, state) -> None:
    from app.plan_versions.agreed_sections import needs_agreement, open_change

    imported = section_plan.imported
    if not imported.narrative and not imported.item_count:
        section_plan.refusal = "Nothing to import: the part mapped here has no text or rows."
        return
    base = _base_content(pending, section_plan.key)
    length = len(merged_content(base, imported)["narrative"])
    if length > NARRATIVE_MAX:
        section_plan.refusal = (f"The narrative would be {length:,} characters, more than a section holds "
                                f"({NARRATIVE_MAX:,}). Map fewer parts here, or shorten them in the file.")
        return
    if state.is_started:
        section_plan.notes.append("The section already has content: the import is added after it, nothing is replaced.")
    base_id = pending.base_revision_ids.get(section_plan.key)
    current_id = state.revision.id if state.revision is not None else None
    if current_id != base_id:
        section_plan.notes.append(
            f"Changed since you uploaded the file (revision {state.revision.number} by "
            f"{state.revision.author.full_name}): the import is merged with it, as any save is."
        )
    if needs_agreement(membership.partnership, section_plan.key):
        waiting = open_change(membership.partnership_id, section_plan.key)
        if waiting is not None:
            section_plan.refusal = (
                f"A change to this agreed section proposed by {waiting.proposed_by.full_name} is waiting for the "
                "parties' answers, so it cannot be changed now. Skip it, or answer that proposal first."
            )
        else:
            section_plan.notes.append(
                "Agreed section: the import is proposed to the other parties and made when every one agrees."
            )


def _base_content(pending: PendingImport, key: str) -> dict:
    revision_id = pending.base_revision_ids.get(key)
    revision = db.session.get(SectionRevision, revision_id) if revision_id is not None else None
    if revision is None:
        return get_section_type(key).empty_content()
    return revision.content


# -- confirming ---------------------------------------------------------------------------------


@dataclass
class SectionResult:
    key: str
    title: str
    outcome: saving.SaveOutcome | None = None
    refusal: str | None = None

    @property
    def status(self) -> str:
        return "refused" if self.outcome is None else self.outcome.status


def _lock(pending: PendingImport) -> PendingImport | None:
    """The import's row, locked and re-read: two confirmations at once import once."""
    return db.session.execute(
        sa.select(PendingImport).where(PendingImport.id == pending.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def confirm_import(membership: Membership, pending: PendingImport, mapping: dict[int, str]) -> list[SectionResult]:
    """Save each mapped section as one revision ("Imported from FILE") through the save path."""
    _check_can_import(membership)
    if mapping_errors(pending, mapping):
        raise RuleViolation("Choose a section of the plan, or Skip, for every part.")
    locked = _lock(pending)
    if locked is None or locked.confirmed_at is not None:
        raise AlreadyImported("This file was already imported.")
    if is_expired(locked):
        raise RuleViolation("This import expired: upload the file again.")
    preview = build_preview(membership, locked, mapping)
    if not preview.sections:
        raise RuleViolation("Nothing would be imported: map at least one part to a section of the plan.")
    note = saving.with_suffix(None, f"imported from {locked.filename}")
    results = []
    for section_plan in preview.sections:
        result = SectionResult(section_plan.key, section_plan.title, refusal=section_plan.refusal)
        results.append(result)
        if section_plan.refusal:
            continue
        section = reading.section_for(membership.partnership_id, section_plan.key)
        content = merged_content(_base_content(locked, section_plan.key), section_plan.imported)
        try:
            with db.session.begin_nested():  # a refused section leaves nothing behind; the others go on
                result.outcome = saving.save_edit(
                    membership, section, content, locked.base_revision_ids.get(section_plan.key), note,
                )
        except ConsentError as refused:
            result.refusal = refused.message
        except writing.InvalidContent as invalid:
            result.refusal = "The section refused the imported content: " + "; ".join(invalid.errors.values())
        except RuleViolation as violation:
            result.refusal = violation.message
    record_event(
        "plan.imported",
        actor=membership.user,
        partnership_id=membership.partnership_id,
        party_id=membership.party_id,
        object_type="pending_import",
        object_id=locked.id,
        details={
            "filename": locked.filename,
            "file_kind": locked.file_kind,
            "sections": {
                r.key: {"status": r.status,
                        "revision": r.outcome.revision.number if r.outcome and r.outcome.revision else None}
                for r in results
            },
            "imported": sum(1 for r in results if r.status in ("saved", "merged")),
        },
    )
    locked.confirmed_at = utcnow()
    db.session.flush()
    return results


def parse_mapping(form, pending: PendingImport) -> dict[int, str]:
    """The person's choice per part (`part-<n>`), as sent."""
    return {index: str(form.get(f"part_{index}", "")) for index in range(len(pending.parts))}
