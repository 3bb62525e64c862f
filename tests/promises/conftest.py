"""A partnership with measures and dated objectives in its business case, and a review cycle."""

import pytest

from tests.support import review_cycle as rc
from tests.support.promises import write_objectives


@pytest.fixture
def world(two_parties):
    write_objectives(two_parties)
    return two_parties


@pytest.fixture
def cycle(world):
    """A cycle in Improve: both parties submitted and agreed the Review and Adapt stages."""
    made = rc.cycle_in_improve(world.partnership, world.a.admin, world.b.admin)
    write_objectives(world)
    return made
