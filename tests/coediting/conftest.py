"""A risk register for the co-editing tests to edit."""

import pytest

from tests.support.plans import risks_content


@pytest.fixture
def risk_base(plan):
    """A risk register with three risks and a three-paragraph narrative, saved by Alpha's editor."""
    content = risks_content(plan, "Port strike", "Cyber attack", "Flood",
                            narrative="We watch the ports.\n\nWe test backups monthly.\n\nFloods are rare.")
    return plan.save(plan.people.a.editor, "risk_assessment", content, "Initial register")
