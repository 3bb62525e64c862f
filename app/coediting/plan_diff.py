"""The whole plan compared between two moments, section by section.

Inputs are plain maps {section_key: content}: `plan_contents_at(partnership_id, moment)`
builds one for a moment in time (each section's latest revision at or before it), and a
plan version is the same map built from the revision it froze per section, e.g.

    old = {r.section.section_key: r.content for r in version_a.revisions}
    new = {r.section.section_key: r.content for r in version_b.revisions}
    diff = diff_plans(old, new)

so comparing two plan versions (or a signed baseline with the working plan) needs no code
here. Render a PlanDiff with `present_plan_diff` and templates/coediting/_diff.html's
`plan_diff` macro: changed sections open, unchanged ones collapsed, sections missing on a
side counted as empty (not started).
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.coediting.diffing import ContentDiff, diff_content
from app.coediting.presenting import SectionDiffView, section_diff
from app.extensions import db
from app.partnerships.models import Party
from app.plan_sections.context import PlanContext
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.registry import section_types
from app.plan_sections.schema import SectionType


def plan_revisions_at(partnership_id: int, moment: datetime) -> dict[str, SectionRevision]:
    """Each section's latest revision saved at or before `moment` (sections not yet written
    are left out). One query."""
    latest = (
        sa.select(SectionRevision.section_id, sa.func.max(SectionRevision.number).label("number"))
        .join(PlanSection, PlanSection.id == SectionRevision.section_id)
        .where(PlanSection.partnership_id == partnership_id, SectionRevision.created_at <= moment)
        .group_by(SectionRevision.section_id)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(SectionRevision)
        .join(latest, sa.and_(SectionRevision.section_id == latest.c.section_id,
                              SectionRevision.number == latest.c.number))
        .options(
            joinedload(SectionRevision.section),
            joinedload(SectionRevision.author),
            joinedload(SectionRevision.author_party).joinedload(Party.organisation),
        )
    )
    return {revision.section.section_key: revision for revision in rows}


def plan_contents_at(partnership_id: int, moment: datetime) -> dict[str, dict]:
    """{section_key: content} of the plan as it read at `moment`."""
    return {key: revision.content for key, revision in plan_revisions_at(partnership_id, moment).items()}


@dataclass
class SectionChange:
    type: SectionType
    # "added" (written since), "removed" (no content on the new side), "changed" or "unchanged".
    status: str
    diff: ContentDiff
    old: dict
    new: dict


@dataclass
class PlanDiff:
    sections: list[SectionChange]

    @property
    def changed(self) -> list[SectionChange]:
        return [s for s in self.sections if s.status != "unchanged"]

    @property
    def unchanged(self) -> list[SectionChange]:
        return [s for s in self.sections if s.status == "unchanged"]


def diff_plans(old_contents: dict[str, dict], new_contents: dict[str, dict]) -> PlanDiff:
    """Every section of the plan, in order, compared between two {section_key: content} maps."""
    changes = []
    for section_type in section_types():
        old = old_contents.get(section_type.key)
        new = new_contents.get(section_type.key)
        old_content, new_content = old or section_type.empty_content(), new or section_type.empty_content()
        diff = diff_content(old_content, new_content)
        if diff.is_empty:
            status = "unchanged"
        elif old is None:
            status = "added"
        elif new is None:
            status = "removed"
        else:
            status = "changed"
        changes.append(SectionChange(section_type, status, diff, old_content, new_content))
    return PlanDiff(changes)


@dataclass
class SectionChangeView:
    change: SectionChange
    view: SectionDiffView

    @property
    def type(self) -> SectionType:
        return self.change.type

    @property
    def status(self) -> str:
        return self.change.status


def present_plan_diff(plan_diff: PlanDiff, ctx: PlanContext) -> list[SectionChangeView]:
    return [
        SectionChangeView(change, section_diff(change.type, change.diff, change.old, change.new, ctx))
        for change in plan_diff.sections
    ]
