"""The partnership's activity feed: revisions (edits, restores, merges), reviews, comments and
proposals to change the partnership (made, then agreed or declined), newest first, in one query
per page whatever the plan's size.

The three kinds of record are read as one UNION ALL ordered by (time, kind rank, id) and
paginated by keyset on that triple, so page 500 costs what page 1 does. Filters narrow it to
one section and/or one party.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.accounts.models import Organisation, User
from app.coediting.models import Comment, CommentThread
from app.consent.models import Proposal, ProposalResponse
from app.extensions import db
from app.inputs import in_date_range, parse_id
from app.partnerships.models import Party
from app.plan_sections.models import PlanSection, SectionReview, SectionRevision
from app.plan_sections.registry import get_section_type
from app.types import UTCDateTime

PAGE_SIZE = 30
_MARKS = re.compile(r"[*_`#>]+|\[|\]\([^)]*\)")
# Breaks ties between records saved in the same instant: decisions, proposals, revisions, reviews, comments.
RANKS = {"decided": 5, "proposal": 4, "revision": 3, "review": 2, "comment": 1}


@dataclass(frozen=True)
class Entry:
    kind: str  # "revision", "review", "comment", "proposal" or "decided" (a proposal agreed or declined)
    rank: int
    at: datetime
    id: int
    section_key: str
    user_name: str
    party_name: str
    party_id: int
    number: int | None  # the revision saved or reviewed
    # A revision's kind ("edit", "restore", "merge"); "reply" for replies; a proposal's kind;
    # "agreed" or "declined" for a decision.
    variant: str | None
    text: str | None  # the revision's note, the review's note, the comment
    thread_id: int | None  # a comment's thread; the proposal of a "proposal" or "decided" entry

    @property
    def plain_text(self) -> str:
        """The text on one line without Markdown's marks, for a short excerpt."""
        return " ".join(_MARKS.sub("", self.text or "").split())

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.id}"

    @property
    def section_title(self) -> str:
        section_type = get_section_type(self.section_key)
        return section_type.title if section_type is not None else self.section_key


@dataclass
class FeedPage:
    entries: list[Entry]
    older: str | None  # cursor for the next (older) page


def parse_cursor(text: str | None) -> tuple[datetime, int, int] | None:
    if not text:
        return None
    try:
        at, rank, record_id = text.split("~")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not in_date_range(moment.astimezone(UTC).date()):
            return None
    except (ValueError, OverflowError):
        return None
    rank_number, record_number = parse_id(rank), parse_id(record_id)
    if rank_number is None or record_number is None:
        return None
    return moment, rank_number, record_number


def _people(query, user_column, party_column):
    return (
        query.join(User, User.id == user_column)
        .join(Party, Party.id == party_column)
        .join(Organisation, Organisation.id == Party.organisation_id)
    )


def _union(partnership_id: int):
    text_type = sa.String()
    revisions = _people(
        sa.select(
            sa.literal("revision", text_type).label("kind"),
            sa.literal(RANKS["revision"]).label("rank"),
            SectionRevision.created_at.label("at"),
            SectionRevision.id.label("id"),
            PlanSection.section_key.label("section_key"),
            User.full_name.label("user_name"),
            Organisation.name.label("party_name"),
            SectionRevision.author_party_id.label("party_id"),
            SectionRevision.number.label("number"),
            SectionRevision.kind.label("variant"),
            SectionRevision.note.label("text"),
            sa.literal(None, sa.Integer()).label("thread_id"),
        ).join(PlanSection, PlanSection.id == SectionRevision.section_id),
        SectionRevision.author_id, SectionRevision.author_party_id,
    ).where(PlanSection.partnership_id == partnership_id)
    reviewed = aliased(SectionRevision)
    reviews = _people(
        sa.select(
            sa.literal("review", text_type),
            sa.literal(RANKS["review"]),
            SectionReview.reviewed_at,
            SectionReview.id,
            PlanSection.section_key,
            User.full_name,
            Organisation.name,
            SectionReview.party_id,
            reviewed.number,
            sa.literal(None, text_type),
            sa.cast(SectionReview.note, sa.String(500)),
            sa.literal(None, sa.Integer()),
        )
        .join(PlanSection, PlanSection.id == SectionReview.section_id)
        .join(reviewed, reviewed.id == SectionReview.revision_id),
        SectionReview.reviewer_id, SectionReview.party_id,
    ).where(PlanSection.partnership_id == partnership_id)
    first = aliased(Comment)
    is_reply = Comment.id > (
        sa.select(sa.func.min(first.id)).where(first.thread_id == Comment.thread_id).scalar_subquery()
    )
    comments = _people(
        sa.select(
            sa.literal("comment", text_type),
            sa.literal(RANKS["comment"]),
            Comment.created_at,
            Comment.id,
            PlanSection.section_key,
            User.full_name,
            Organisation.name,
            Comment.party_id,
            sa.literal(None, sa.Integer()),
            sa.case((is_reply, "reply"), else_="comment"),
            Comment.body,
            Comment.thread_id,
        )
        .join(CommentThread, CommentThread.id == Comment.thread_id)
        .join(PlanSection, PlanSection.id == CommentThread.section_id),
        Comment.author_id, Comment.party_id,
    ).where(PlanSection.partnership_id == partnership_id)
    proposals = _people(
        sa.select(
            sa.literal("proposal", text_type),
            sa.literal(RANKS["proposal"]),
            Proposal.created_at,
            Proposal.id,
            sa.literal("", text_type),
            User.full_name,
            Organisation.name,
            Proposal.proposed_by_party_id,
            sa.literal(None, sa.Integer()),
            Proposal.kind,
            sa.cast(Proposal.summary, sa.String(500)),
            Proposal.id,
        ),
        Proposal.proposed_by_id, Proposal.proposed_by_party_id,
    ).where(Proposal.partnership_id == partnership_id)
    # The answer that decided it: the last agreement, or the decline (dated when it was decided).
    decisions = _people(
        sa.select(
            sa.literal("decided", text_type),
            sa.literal(RANKS["decided"]),
            ProposalResponse.answered_at,
            ProposalResponse.id,
            sa.literal("", text_type),
            User.full_name,
            Organisation.name,
            ProposalResponse.party_id,
            sa.literal(None, sa.Integer()),
            Proposal.status,
            sa.cast(Proposal.summary, sa.String(500)),
            Proposal.id,
        ).join(Proposal, sa.and_(Proposal.id == ProposalResponse.proposal_id,
                                 Proposal.decided_at == ProposalResponse.answered_at,
                                 Proposal.status.in_(("agreed", "declined")))),
        ProposalResponse.user_id, ProposalResponse.party_id,
    ).where(Proposal.partnership_id == partnership_id)
    return sa.union_all(revisions, reviews, comments, proposals, decisions).subquery("feed")


def activity_page(
    partnership_id: int,
    *,
    before: str | None = None,
    section_key: str | None = None,
    party_id: int | None = None,
    size: int = PAGE_SIZE,
) -> FeedPage:
    """One page of the feed, newest first; `before` is the `older` cursor of the previous page."""
    feed = _union(partnership_id)
    query = sa.select(feed)
    if section_key is not None:
        query = query.where(feed.c.section_key == section_key)
    if party_id is not None:
        query = query.where(feed.c.party_id == party_id)
    cursor = parse_cursor(before)
    if cursor is not None:
        at, rank, record_id = cursor
        moment = sa.literal(at, UTCDateTime())
        query = query.where(sa.or_(
            feed.c.at < moment,
            sa.and_(feed.c.at == moment, sa.or_(
                feed.c.rank < rank,
                sa.and_(feed.c.rank == rank, feed.c.id < record_id),
            )),
        ))
    rows = db.session.execute(
        query.order_by(feed.c.at.desc(), feed.c.rank.desc(), feed.c.id.desc()).limit(size + 1)
    ).all()
    entries = [_entry(row) for row in rows[:size]]
    return FeedPage(entries, entries[-1].cursor if len(rows) > size else None)


def _entry(row) -> Entry:
    at = row.at
    if isinstance(at, str):  # SQLite hands UNION columns back untyped
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return Entry(row.kind, int(row.rank), at, row.id, row.section_key, row.user_name, row.party_name, row.party_id,
                 row.number, row.variant, row.text, row.thread_id)
