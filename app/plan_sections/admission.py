"""What a new party would see of the plan, said on the proposal to admit it."""

import sqlalchemy as sa

from app.extensions import db
from app.invitations.visibility import Seen, plural
from app.plan_sections.models import PlanSection


def plan_seen(proposal, **_kwargs) -> Seen:
    """`invitations.visibility.what_a_new_party_sees`: the working plan."""
    sections = db.session.scalar(sa.select(sa.func.count()).select_from(PlanSection).where(
        PlanSection.partnership_id == proposal.partnership_id, PlanSection.current_revision_id.is_not(None)))
    return Seen(10, f"The whole working plan: {plural(sections, 'written section')}, the commercial agreement and the "
                    "risk and asset registers included, with every section's history and who wrote what.")
