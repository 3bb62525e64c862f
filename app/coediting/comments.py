"""Comments on plan sections: threads (optionally about one item), replies, resolve and reopen,
and @mentions of members.

Every member of every party reads every comment; admins and editors write them. A comment is
written once and never changed (a correction is a reply), so the conversation stays a record.

Mentions: "@" followed by a member's full name, as the composer's suggestions insert it
("@Dana Reyes"). Names are matched against the partnership's current members only, longest
name first and case-insensitively, and must end at a word boundary ("@Dana Reyes's" counts).
Each member mentioned is notified once per comment (kind "mention", in the app and by email
as they chose); people outside the partnership can never be mentioned or notified.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.coediting.models import Comment, CommentThread
from app.coediting.saving import section_path
from app.extensions import db
from app.markdown import render_markdown
from app.notifications.services import notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Party
from app.plan_sections.models import PlanSection
from app.plan_sections.registry import get_section_type
from app.rules import RuleViolation
from app.types import utcnow

BODY_MAX = 5000
EXCERPT = 200


# -- mentions -----------------------------------------------------------------------------------


def find_mentions(body: str, members: list[Membership]) -> list[tuple[int, int, Membership]]:
    """(start, end, member) of each mention in `body`, in order, without overlaps."""
    by_name: dict[str, list[Membership]] = {}
    for member in members:
        name = " ".join(member.user.full_name.split())
        if name:
            by_name.setdefault(name.casefold(), []).append(member)
    if not by_name:
        return []
    names = sorted(by_name, key=len, reverse=True)
    found = []
    position = 0
    lowered = body.casefold()
    while True:
        at = body.find("@", position)
        if at < 0:
            return found
        if at > 0 and (body[at - 1].isalnum() or body[at - 1] == "_"):  # an email address, not a mention
            position = at + 1
            continue
        for name in names:
            end = at + 1 + len(name)
            if lowered.startswith(name, at + 1) and (end == len(body) or not (body[end].isalnum() or body[end] == "_")):
                for member in by_name[name]:
                    found.append((at, end, member))
                position = end
                break
        else:
            position = at + 1


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def render_comment(body: str, mentions: list[tuple[int, int, Membership]]) -> str:
    """The comment as sanitised HTML, each mention in bold (the sanitiser allows no classes)."""
    pieces, position = [], 0
    seen_spans = set()
    for start, end, _member in mentions:
        if (start, end) in seen_spans:
            continue
        seen_spans.add((start, end))
        pieces.append(body[position:start])
        pieces.append("**" + _MARKDOWN_SPECIALS.sub(r"\\\1", body[start:end]) + "**")
        position = end
    pieces.append(body[position:])
    # The sanitiser allows no classes, so the mark goes on after it: only on <strong> opening with "@".
    return render_markdown("".join(pieces)).replace("<strong>@", '<strong class="mention">@')


# -- reading ------------------------------------------------------------------------------------


def threads_of(section: PlanSection | None) -> list[CommentThread]:
    """Every thread of a section, open ones first then newest first, with comments and authors: one query."""
    if section is None:
        return []
    # The comments come in the same statement (a joined collection), not a second one.
    return list(db.session.scalars(
        sa.select(CommentThread)
        .where(CommentThread.section_id == section.id)
        .options(
            joinedload(CommentThread.comments).joinedload(Comment.author),
            joinedload(CommentThread.comments).joinedload(Comment.party).joinedload(Party.organisation),
            joinedload(CommentThread.status_changed_by),
        )
        .order_by(CommentThread.status, CommentThread.id.desc())  # "open" sorts before "resolved"
    ).unique())


def open_thread_counts(partnership_id: int) -> dict[str, int]:
    """{section_key: open threads} for the whole plan, in one query."""
    rows = db.session.execute(
        sa.select(PlanSection.section_key, sa.func.count(CommentThread.id))
        .join(CommentThread, CommentThread.section_id == PlanSection.id)
        .where(PlanSection.partnership_id == partnership_id, CommentThread.status == "open")
        .group_by(PlanSection.section_key)
    ).all()
    return dict(rows)


# -- writing ------------------------------------------------------------------------------------


def _check_can_comment(membership: Membership, section: PlanSection) -> None:
    if section.partnership_id != membership.partnership_id:
        raise RuleViolation("That section belongs to another partnership.")
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise RuleViolation("Only admins and editors can comment on the plan.")


def _clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise RuleViolation("Write a comment first.", "body")
    if len(text) > BODY_MAX:
        raise RuleViolation(f"Keep a comment to {BODY_MAX:,} characters (it has {len(text):,}).", "body")
    return text


def _members(partnership_id: int) -> list[Membership]:
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.partnership_id == partnership_id).options(joinedload(Membership.user))
    ))


def _write(membership: Membership, thread: CommentThread, body: str, at=None) -> Comment:
    members = _members(thread.partnership_id)
    mentions = find_mentions(body, [m for m in members if m.user.active])
    comment = Comment(
        thread_id=thread.id,
        author_id=membership.user_id,
        party_id=membership.party_id,
        created_at=at or utcnow(),
        body=body,
        body_html=render_comment(body, mentions),
        mentions=sorted({m.user_id for _s, _e, m in mentions}),
    )
    db.session.add(comment)
    db.session.flush()
    _notify_mentioned(membership, thread, comment, [m for _s, _e, m in mentions])
    return comment


def _notify_mentioned(membership: Membership, thread: CommentThread, comment: Comment, mentioned) -> None:
    if not mentioned:
        return
    section = thread.section
    title = get_section_type(section.section_key).title
    notify(
        [m.user for m in mentioned],
        "mention",
        partnership=membership.partnership,
        title=f"{membership.user.full_name} mentioned you in a comment on “{title}”",
        body=_excerpt(comment.body),
        link=section_path(section.partnership_id, section.section_key, "coediting.comments",
                          _anchor=f"comment-{comment.id}"),
        actor=membership.user,
        dedupe_key=f"mention:{comment.id}",
    )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _audit(action: str, membership: Membership, thread: CommentThread, **details) -> None:
    record_event(
        action,
        actor=membership.user,
        partnership_id=thread.partnership_id,
        party_id=membership.party_id,
        obj=thread,
        details={"section": thread.section.section_key, "thread": thread.id, **details},
    )


def start_thread(
    membership: Membership, section: PlanSection, body: str, item_id: str | None = None, *, at=None
) -> CommentThread:
    """A new thread on the section (about one of its current items when `item_id` is given).
    `at` backdates it (the demo uses it)."""
    _check_can_comment(membership, section)
    text = _clean_body(body)
    if item_id:
        content = section.current_revision.content if section.current_revision is not None else {}
        ids = {i["id"] for items in (content.get("items") or {}).values() for i in items}
        if item_id not in ids:
            raise RuleViolation("Choose an item of this section, or the section as a whole.", "item_id")
    now = at or utcnow()
    thread = CommentThread(
        partnership_id=section.partnership_id,
        section_id=section.id,
        item_id=item_id or None,
        started_by_id=membership.user_id,
        party_id=membership.party_id,
        created_at=now,
        status="open",
    )
    db.session.add(thread)
    db.session.flush()
    comment = _write(membership, thread, text, at)
    _audit("plan.comment_added", membership, thread, comment=comment.id, item=item_id or None,
           excerpt=_excerpt(text))
    return thread


def reply(membership: Membership, thread: CommentThread, body: str, *, at=None) -> Comment:
    """A reply; replying to a resolved thread reopens it (the conversation is live again)."""
    _check_can_comment(membership, thread.section)
    text = _clean_body(body)
    comment = _write(membership, thread, text, at)
    _audit("plan.comment_added", membership, thread, comment=comment.id, reply=True, excerpt=_excerpt(text))
    if not thread.is_open:
        _set_status(membership, thread, "open", at)
    return comment


def _set_status(membership: Membership, thread: CommentThread, status: str, at=None) -> bool:
    if thread.status == status:
        return False
    thread.status = status
    thread.status_changed_at = at or utcnow()
    thread.status_changed_by_id = membership.user_id
    db.session.flush()
    _audit("plan.comment_thread_resolved" if status == "resolved" else "plan.comment_thread_reopened",
           membership, thread)
    return True


def resolve_thread(membership: Membership, thread: CommentThread, *, at=None) -> bool:
    """Mark the thread resolved (any admin or editor of any party). False when it already was."""
    _check_can_comment(membership, thread.section)
    return _set_status(membership, thread, "resolved", at)


def reopen_thread(membership: Membership, thread: CommentThread) -> bool:
    _check_can_comment(membership, thread.section)
    return _set_status(membership, thread, "open")


@dataclass(frozen=True)
class MentionCandidate:
    name: str
    party: str


def mention_candidates(partnership_id: int) -> list[MentionCandidate]:
    """Members who can be mentioned, for the composer's suggestions."""
    members = db.session.scalars(
        sa.select(Membership).where(Membership.partnership_id == partnership_id)
        .options(joinedload(Membership.user), joinedload(Membership.party).joinedload(Party.organisation))
    )
    return sorted(
        (MentionCandidate(m.user.full_name, m.party.name) for m in members if m.user.active),
        key=lambda c: c.name.casefold(),
    )
