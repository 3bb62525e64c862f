"""What a new party would see of the activity and comments, said on the proposal to admit it."""

import sqlalchemy as sa

from app.coediting.models import Comment, CommentThread
from app.extensions import db
from app.invitations.visibility import Seen, plural
from app.plan_sections.models import PlanSection


def activity_seen(proposal, **_kwargs) -> Seen:
    """`invitations.visibility.what_a_new_party_sees`: the activity feed and the comments."""
    comments = db.session.scalar(
        sa.select(sa.func.count()).select_from(Comment).join(CommentThread, CommentThread.id == Comment.thread_id)
        .join(PlanSection, PlanSection.id == CommentThread.section_id)
        .where(PlanSection.partnership_id == proposal.partnership_id))
    return Seen(40, f"The activity feed and {plural(comments, 'comment')} on the plan.")
