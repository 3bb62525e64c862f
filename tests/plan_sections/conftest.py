"""A partnership whose plan the tests write, and helpers to save and read its sections."""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections import services
from app.plan_sections.context import PlanContext
from app.plan_sections.registry import get_section_type, section_types
from tests.plan_sections.samples import sample_content
from tests.support.factories import TwoParties


@dataclass
class Plan:
    people: TwoParties

    @property
    def partnership(self):
        return self.people.partnership

    def member(self, user) -> Membership:
        return db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == self.partnership.id, Membership.user_id == user.id)
        )

    def section(self, key: str):
        return services.section_for(self.partnership.id, key)

    def context(self) -> PlanContext:
        contents = {t.key: services.current_content(self.partnership.id, t.key) for t in section_types()}
        return services.load_context(self.partnership.id, contents)

    def save(self, user, key: str, content: dict | None = None, note: str | None = None, **kwargs):
        """Save as `user`, based on the current revision; sample content unless given."""
        section = self.section(key)
        if content is None:
            content = sample_content(get_section_type(key), self.context())
        revision = services.save_section(
            self.member(user), section, content, section.current_revision_id, note, **kwargs
        )
        db.session.commit()
        return revision

    def fill_referenced_sections(self, user) -> None:
        """Content in the sections others point at (assets, knowledge, measures)."""
        for key in ("business_case", "asset_register", "knowledge_management"):
            self.save(user, key)


@pytest.fixture
def plan(two_parties) -> Plan:
    return Plan(two_parties)
