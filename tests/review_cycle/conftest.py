"""A partnership with joint measures in its business case, ready for review cycles."""

import pytest

from tests.support.review_cycle import add_measures


@pytest.fixture
def world(two_parties):
    add_measures(two_parties.partnership, two_parties.a.admin)
    return two_parties
