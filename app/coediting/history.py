"""A section's history: its revisions page by page, newest first, and single revisions by number.

Pages are keyset-paginated on the revision number (`before` / `after` a number), so the
ten-thousandth page costs the same single query as the first, whatever the history's length.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from app.extensions import db
from app.partnerships.models import Party
from app.plan_sections.models import PlanSection, SectionRevision

PAGE_SIZE = 25


@dataclass
class HistoryPage:
    revisions: list[SectionRevision]
    # Numbers to continue from: older revisions are `before=older`, newer ones `after=newer`.
    older: int | None
    newer: int | None


def _with_people(query):
    return query.options(
        joinedload(SectionRevision.author),
        joinedload(SectionRevision.author_party).joinedload(Party.organisation),
    )


def history_page(
    section: PlanSection | None,
    *,
    before: int | None = None,
    after: int | None = None,
    party_id: int | None = None,
    size: int | None = None,
) -> HistoryPage:
    """One page of revisions, newest first: the newest ones, those numbered below `before`, or
    those just above `after`. `party_id` keeps one party's revisions. One query.

    The rows leave out each revision's content and narrative (a list of revisions shows neither),
    so a full page of 25 costs about what a section's first few revisions do.
    """
    size = size or PAGE_SIZE
    if section is None or section.revision_count == 0:
        return HistoryPage([], None, None)
    query = _with_people(sa.select(SectionRevision).where(SectionRevision.section_id == section.id)).options(
        defer(SectionRevision.content), defer(SectionRevision.narrative_html)
    )
    if party_id is not None:
        query = query.where(SectionRevision.author_party_id == party_id)
    if after is not None:
        # Ascending from `after`, then turned round: the page just newer than the one seen.
        rows = list(db.session.scalars(
            query.where(SectionRevision.number > after).order_by(SectionRevision.number).limit(size + 1)
        ))
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = True
    else:
        if before is not None:
            query = query.where(SectionRevision.number < before)
        rows = list(db.session.scalars(query.order_by(SectionRevision.number.desc()).limit(size + 1)))
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None
    if not rows:
        return HistoryPage([], None, None)
    return HistoryPage(
        rows,
        older=rows[-1].number if has_older else None,
        newer=rows[0].number if has_newer else None,
    )


def revision_by_number(section: PlanSection | None, number: int) -> SectionRevision | None:
    if section is None:
        return None
    return db.session.scalar(
        _with_people(sa.select(SectionRevision)).where(
            SectionRevision.section_id == section.id, SectionRevision.number == number
        )
    )


def revisions_by_number(section: PlanSection | None, numbers: list[int]) -> dict[int, SectionRevision]:
    """Several revisions of a section in one query, by number."""
    if section is None or not numbers:
        return {}
    rows = db.session.scalars(
        _with_people(sa.select(SectionRevision)).where(
            SectionRevision.section_id == section.id, SectionRevision.number.in_(numbers)
        )
    )
    return {r.number: r for r in rows}
