"""What a new party would see of the review cycles, and whether it joins the open one, said on
the proposal to admit it."""

import sqlalchemy as sa

from app.extensions import db
from app.invitations.visibility import Seen, plural
from app.review_cycle.cycles import open_cycle_of
from app.review_cycle.models import ReviewCycle


def cycles_seen(proposal, **_kwargs) -> Seen:
    """`invitations.visibility.what_a_new_party_sees`: revealed results, and the open cycle."""
    partnership_id = proposal.partnership_id
    revealed = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCycle).where(
        ReviewCycle.partnership_id == partnership_id, ReviewCycle.revealed_at.is_not(None)))
    open_cycle = open_cycle_of(partnership_id)
    if proposal.payload.get("include_in_current_cycle") and open_cycle is not None:
        cycle_note = (f"the open {open_cycle.period} review includes them if it is still in Review when they join; "
                      "closed cycles and their reports never change.")
    elif open_cycle is not None:
        cycle_note = (f"the open {open_cycle.period} review goes on with the parties it opened with; they take "
                      "part from the next cycle. Closed cycles and their reports never change.")
    else:
        cycle_note = None
    return Seen(30, f"The scores, comments and actuals of {plural(revealed, 'review cycle')} whose results were "
                    "revealed, their reports, improvement actions and trend charts.", cycle_note)
