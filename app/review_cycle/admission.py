"""What a new party would see of the review cycles (quarterly reviews and maturity assessments),
and whether it joins the open ones, said on the proposal to admit it."""

import sqlalchemy as sa

from app.extensions import db
from app.invitations.visibility import Seen, plural
from app.review_cycle.cycles import open_cycles_of
from app.review_cycle.models import ReviewCycle


def _name(cycle: ReviewCycle) -> str:
    return f"the open {cycle.period} {'maturity assessment' if cycle.is_maturity else 'review'}"


def cycles_seen(proposal, **_kwargs) -> Seen:
    """`invitations.visibility.what_a_new_party_sees`: revealed results, and the open cycles."""
    partnership_id = proposal.partnership_id
    revealed = dict(db.session.execute(
        sa.select(ReviewCycle.kind, sa.func.count()).where(
            ReviewCycle.partnership_id == partnership_id, ReviewCycle.revealed_at.is_not(None))
        .group_by(ReviewCycle.kind)
    ).all())
    results = plural(revealed.get("review", 0), "review cycle")
    if revealed.get("maturity"):
        results += f" and {plural(revealed['maturity'], 'maturity assessment')}"
    open_cycles = open_cycles_of(partnership_id)  # one of each kind at most
    names = " and ".join(_name(cycle) for cycle in open_cycles)
    one = len(open_cycles) == 1
    if open_cycles and proposal.payload.get("include_in_current_cycle"):
        cycle_note = (f"{names} {'includes' if one else 'include'} them if still in Review when they join; "
                      "closed cycles and their reports never change.")
    elif open_cycles:
        cycle_note = (f"{names} {'goes' if one else 'go'} on with the parties {'it' if one else 'they'} opened "
                      "with; they take part from the next cycle. Closed cycles and their reports never change.")
    else:
        cycle_note = None
    return Seen(30, f"The scores, comments and actuals of {results} whose results were "
                    "revealed, their reports, improvement actions and trend charts.", cycle_note)
