"""A written plan to issue versions of, and functions to issue and sign them."""

from dataclasses import dataclass

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections.registry import section_types
from app.plan_versions import services
from app.plan_versions.services import SigningRequest
from tests.plan_sections.conftest import Plan
from tests.support.factories import PASSWORD


@dataclass
class Versions(Plan):
    def member(self, user):
        return load_membership(self.partnership.id, user)

    def write_everything(self, user=None) -> None:
        user = user or self.people.a.editor
        self.fill_referenced_sections(user)
        for section_type in section_types():
            if section_type.key not in ("business_case", "asset_register", "knowledge_management"):
                self.save(user, section_type.key)

    def issue(self, step: str = "major", summary: str = "First agreed plan.", user=None):
        version = services.issue_version(self.member(user or self.people.a.admin), step=step, summary=summary)
        db.session.commit()
        return version

    def sign(self, version, user, **overrides):
        request = SigningRequest(
            password=overrides.pop("password", PASSWORD),
            typed_name=overrides.pop("typed_name", user.full_name),
            confirmed=overrides.pop("confirmed", True),
            ip="203.0.113.9",
            user_agent="pytest browser",
            **overrides,
        )
        signature = services.sign_version(self.member(user), version, request)
        db.session.commit()
        return signature


@pytest.fixture
def versions(two_parties) -> Versions:
    plan = Versions(two_parties)
    plan.write_everything()
    return plan


@dataclass
class Agreed(Versions):
    """A plan signed by both parties, with agreed sections switched on by both parties' consent."""

    def propose_edit(self, user, key: str, change, note: str | None = None, base_id="current"):
        """save_edit as `user` with `change(content)` applied to the current content; commits."""
        import copy

        from app.coediting import saving

        section = self.section(key)
        content = copy.deepcopy(section.current_revision.content)
        change(content)
        base = section.current_revision_id if base_id == "current" else base_id
        outcome = saving.save_edit(self.member(user), section, content, base, note)
        db.session.commit()
        return outcome

    def answer(self, user, proposal, answer: str = "agree", reason: str = ""):
        from app.consent import services as consent

        proposal = consent.respond(self.member(user), proposal, answer, reason)
        db.session.commit()
        return proposal


def switch_agreed_sections(plan: Versions, on: bool = True) -> None:
    """Alpha's admin proposes the switch, Beta's admin agrees (the Settings page's way)."""
    from app.consent import services as consent

    proposal = consent.propose(plan.member(plan.people.a.admin), "profile",
                               {"changes": {"agreed_sections": [not on, on]}},
                               summary=f"Switch agreed sections {'on' if on else 'off'}")
    db.session.commit()
    consent.respond(plan.member(plan.people.b.admin), proposal, "agree")
    db.session.commit()


@pytest.fixture
def agreed(two_parties) -> Agreed:
    plan = Agreed(two_parties)
    plan.write_everything()
    version = plan.issue()
    plan.sign(version, plan.people.a.admin)
    plan.sign(version, plan.people.b.admin)
    switch_agreed_sections(plan)
    return plan
