"""How far along the plan is: each section as the plan pages show it (its content, whether it
is complete, when its review falls due and whether it is stale) and the whole plan's overview."""

import calendar
from dataclasses import dataclass
from datetime import datetime

from app.partnerships.models import Partnership
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.reading import content_of, section_rows
from app.plan_sections.registry import section_types
from app.plan_sections.schema import Completeness, SectionType
from app.types import utcnow


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
    rows = {s.section_key: s for s in section_rows(partnership.id, keys)}
    now = utcnow()
    return PlanOverview([
        section_state(t, rows.get(t.key), partnership, now)
        for t in section_types()
        if keys is None or t.key in keys
    ])
