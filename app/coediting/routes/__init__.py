"""Co-editing's pages, one module per area; helpers they share are here."""

import sqlalchemy as sa

from app.extensions import db
from app.plan_sections.models import PlanSection


def existing_section(partnership_id: int, section_key: str) -> PlanSection | None:
    """The section row if it exists (reading never creates one)."""
    return db.session.scalar(
        sa.select(PlanSection).where(PlanSection.partnership_id == partnership_id,
                                     PlanSection.section_key == section_key)
    )


from app.coediting.routes import activity, comments, conflicts, history, presence, section  # noqa: E402,F401
