"""Reading the shared plan: its section rows, the current content of a section, and the
context content is checked and shown against, each in a small, fixed number of queries."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.database import insert_for
from app.extensions import db
from app.partnerships.models import Membership, Party
from app.plan_sections.context import PlanContext
from app.plan_sections.fields import ItemRef, MemberRef
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.registry import get_section_type, section_keys
from app.plan_sections.schema import SectionType
from app.types import utcnow


def ensure_sections(partnership_id: int) -> dict[str, PlanSection]:
    """Every section row of the plan, creating missing ones.

    Insert-if-missing against the (partnership, section key) unique constraint, so two
    requests creating them at once both succeed and neither duplicates a row.
    """
    sections = {s.section_key: s for s in section_rows(partnership_id)}
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
        sections = {s.section_key: s for s in section_rows(partnership_id)}
    return sections


def section_rows(partnership_id: int, keys: list[str] | None = None) -> list[PlanSection]:
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
    rows = section_rows(section.partnership_id, keys)
    contents = {s.section_key: content_of(s, get_section_type(s.section_key)) for s in rows}
    return load_context(section.partnership_id, contents)


def content_of(section: PlanSection | None, section_type: SectionType) -> dict:
    """The section's current content (empty content before its first save)."""
    if section is None or section.current_revision is None:
        return section_type.empty_content()
    return section.current_revision.content



def current_content(partnership_id: int, section_key: str) -> dict:
    """The current content of one section of a partnership's plan (empty before its first save)."""
    section_type = get_section_type(section_key)
    if section_type is None:
        raise LookupError(section_key)
    rows = section_rows(partnership_id, [section_key])
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
