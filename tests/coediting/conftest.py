"""Co-editing tests write the shared plan like the plan's own tests do (the `plan` fixture)."""

import pytest

from app.coediting import saving
from app.extensions import db
from tests.plan_sections.conftest import Plan, plan  # noqa: F401 - the fixture, shared
from tests.plan_sections.test_services import risks_content


def risks(on: Plan, *titles: str, narrative: str = "Our risks.") -> dict:
    return risks_content(on, *titles, narrative=narrative)


def save_from(on: Plan, user, key: str, content: dict, base_id, note=None, **kwargs):
    """save_edit as `user` from an explicit base revision id; commits."""
    outcome = saving.save_edit(on.member(user), on.section(key), content, base_id, note, **kwargs)
    db.session.commit()
    return outcome


@pytest.fixture
def risk_base(plan):  # noqa: F811 - the shared fixture, requested by name
    """A risk register with three risks and a three-paragraph narrative, saved by Alpha's editor."""
    content = risks(plan, "Port strike", "Cyber attack", "Flood",
                    narrative="We watch the ports.\n\nWe test backups monthly.\n\nFloods are rare.")
    return plan.save(plan.people.a.editor, "risk_assessment", content, "Initial register")
