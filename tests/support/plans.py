"""A partnership's plan in tests: written section by section through the services, issued as
versions, signed, and with agreed sections switched on; and the plan pages' addresses and forms."""

import copy
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.partnerships.access import load_membership
from app.partnerships.models import Membership
from app.plan_sections import reading, writing
from app.plan_sections.context import PlanContext
from app.plan_sections.registry import get_section_type, section_types
from app.plan_versions import services as plan_versions
from app.plan_versions.services import SigningRequest
from tests.support.factories import PASSWORD, TwoParties
from tests.support.forms import form_fields
from tests.support.samples import sample_content, sample_item

REFERENCED_SECTIONS = ("business_case", "asset_register", "knowledge_management")


@dataclass
class Plan:
    """A partnership whose plan the tests write, and helpers to save and read its sections."""

    people: TwoParties

    @property
    def partnership(self):
        return self.people.partnership

    def member(self, user) -> Membership:
        return db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == self.partnership.id, Membership.user_id == user.id)
        )

    def section(self, key: str):
        return reading.section_for(self.partnership.id, key)

    def context(self) -> PlanContext:
        contents = {t.key: reading.current_content(self.partnership.id, t.key) for t in section_types()}
        return reading.load_context(self.partnership.id, contents)

    def save(self, user, key: str, content: dict | None = None, note: str | None = None, **kwargs):
        """Save as `user`, based on the current revision; sample content unless given."""
        section = self.section(key)
        if content is None:
            content = sample_content(get_section_type(key), self.context())
        revision = writing.save_section(
            self.member(user), section, content, section.current_revision_id, note, **kwargs
        )
        db.session.commit()
        return revision

    def fill_referenced_sections(self, user) -> None:
        """Content in the sections others point at (assets, knowledge, measures)."""
        for key in REFERENCED_SECTIONS:
            self.save(user, key)


@dataclass
class Versions(Plan):
    """A written plan to issue versions of, and functions to issue and sign them."""

    def member(self, user):
        return load_membership(self.partnership.id, user)

    def write_everything(self, user=None) -> None:
        user = user or self.people.a.editor
        self.fill_referenced_sections(user)
        for section_type in section_types():
            if section_type.key not in REFERENCED_SECTIONS:
                self.save(user, section_type.key)

    def issue(self, step: str = "major", summary: str = "First agreed plan.", user=None):
        version = plan_versions.issue_version(self.member(user or self.people.a.admin), step=step, summary=summary)
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
        signature = plan_versions.sign_version(self.member(user), version, request)
        db.session.commit()
        return signature


@dataclass
class Agreed(Versions):
    """A plan signed by both parties, with agreed sections switched on by both parties' consent."""

    def propose_edit(self, user, key: str, change, note: str | None = None, base_id="current"):
        """save_edit as `user` with `change(content)` applied to the current content; commits."""
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


def written(people: TwoParties) -> Versions:
    """Every section written by Alpha's editor."""
    plan = Versions(people)
    plan.write_everything()
    return plan


def agreed_plan(people: TwoParties) -> Agreed:
    """Every section written, version 1.0 signed by both parties, agreed sections switched on."""
    plan = Agreed(people)
    plan.write_everything()
    version = plan.issue()
    plan.sign(version, plan.people.a.admin)
    plan.sign(version, plan.people.b.admin)
    switch_agreed_sections(plan)
    return plan


def switch_agreed_sections(plan: Versions, on: bool = True) -> None:
    """Alpha's admin proposes the switch, Beta's admin agrees (the Settings page's way)."""
    from app.consent import services as consent

    proposal = consent.propose(plan.member(plan.people.a.admin), "profile",
                               {"changes": {"agreed_sections": [not on, on]}},
                               summary=f"Switch agreed sections {'on' if on else 'off'}")
    db.session.commit()
    consent.respond(plan.member(plan.people.b.admin), proposal, "agree")
    db.session.commit()


def risks_content(plan: Plan, *titles: str, narrative: str = "Our risks.") -> dict:
    """Risk register content with one sample risk per title."""
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    ctx = plan.context()
    return {
        "narrative": narrative,
        "items": {"risks": [sample_item(kind, ctx, n) | {"title": t} for n, t in enumerate(titles, start=1)]},
    }


def narrative(text: str):
    """A change (for Agreed.propose_edit) that sets the section's narrative."""
    def change(content):
        content["narrative"] = text
    return change


def plan_url(plan: Plan, path: str = "") -> str:
    return f"/partnerships/{plan.partnership.id}/plan{path}"


def edit_form(client, plan: Plan, key: str = "risk_assessment") -> MultiDict:
    """The fields the section's edit page would submit, as the page fills them."""
    page = client.get(plan_url(plan, f"/{key}/edit"))
    assert page.status_code == 200
    return form_fields(page.get_data(as_text=True), "data-plan-form")
