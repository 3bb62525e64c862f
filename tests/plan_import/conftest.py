"""The sample Word plan, read once per test that asks for it."""

import pytest

from tests.support.plan_files import SAMPLE


@pytest.fixture
def sample_docx() -> bytes:
    with open(SAMPLE, "rb") as handle:
        return handle.read()
