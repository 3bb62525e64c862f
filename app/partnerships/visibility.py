"""What a new party would see once it joins: said on the proposal to admit it, in numbers.

A party that joins sees the partnership as its members do: the whole working plan (the
commercial agreement too), every plan version and its PDF, the results of every review
cycle whose scores were revealed, the activity, the comments and the members of every party.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from app.coediting.models import Comment, CommentThread
from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections.models import PlanSection
from app.plan_versions.models import PlanVersion
from app.review_cycle.models import ReviewCycle
from app.review_cycle.services import open_cycle_of


@dataclass(frozen=True)
class Visibility:
    lines: list[str]
    versions_note: str
    cycle_note: str


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def admission_visibility(proposal) -> Visibility:
    partnership_id = proposal.partnership_id
    sections = db.session.scalar(sa.select(sa.func.count()).select_from(PlanSection).where(
        PlanSection.partnership_id == partnership_id, PlanSection.current_revision_id.is_not(None)))
    versions = db.session.execute(sa.select(PlanVersion.status, sa.func.count()).where(
        PlanVersion.partnership_id == partnership_id).group_by(PlanVersion.status)).all()
    signed = sum(count for status, count in versions if status == "signed")
    all_versions = sum(count for _status, count in versions)
    revealed = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCycle).where(
        ReviewCycle.partnership_id == partnership_id, ReviewCycle.revealed_at.is_not(None)))
    open_cycle = open_cycle_of(partnership_id)
    comments = db.session.scalar(
        sa.select(sa.func.count()).select_from(Comment).join(CommentThread, CommentThread.id == Comment.thread_id)
        .join(PlanSection, PlanSection.id == CommentThread.section_id)
        .where(PlanSection.partnership_id == partnership_id))
    members = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.partnership_id == partnership_id))
    lines = [
        f"The whole working plan: {_plural(sections, 'written section')}, the commercial agreement and the "
        "risk and asset registers included, with every section's history and who wrote what.",
        f"Every plan version ({_plural(all_versions, 'version')}, {signed} signed) with its PDF and signatures.",
        f"The scores, comments and actuals of {_plural(revealed, 'review cycle')} whose results were revealed, "
        "their reports, improvement actions and trend charts.",
        f"The activity feed and {_plural(comments, 'comment')} on the plan.",
        f"The {_plural(members, 'member')} of every party, with their names, roles and email addresses.",
        "Proposals to change the partnership from the day they join, and a say in each.",
    ]
    if proposal.payload.get("include_in_current_cycle") and open_cycle is not None:
        cycle_note = (f"the open {open_cycle.period} review includes them if it is still in Review when they join; "
                      "closed cycles and their reports never change.")
    elif open_cycle is not None:
        cycle_note = (f"the open {open_cycle.period} review goes on with the parties it opened with; they take "
                      "part from the next cycle. Closed cycles and their reports never change.")
    else:
        cycle_note = "they take part from the next cycle; closed cycles and their reports never change."
    versions_note = ("signed versions stay signed by every party of that version; a version awaiting signatures "
                     "when they join still needs only its own parties.")
    return Visibility(lines, versions_note, cycle_note)
