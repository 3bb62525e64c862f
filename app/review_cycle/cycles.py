"""Review cycles: finding them, opening one for a period, its parties and due dates, and the
row lock every write to a cycle takes first.

Every write to a cycle first locks its row (SELECT ... FOR UPDATE; SQLite serialises writers
anyway), so submissions, the reveal and agreements by several parties at once are applied
one after the other.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.extensions import db
from app.links import path_for
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership, Partnership, Party
from app.partnerships.parties import RecordParty, cycle_parties, record_parties, record_party_ids
from app.plan_sections.reading import performance_measures
from app.review_cycle import periods
from app.review_cycle.dimensions import ensure_dimensions
from app.review_cycle.maturity_scale import DIMENSIONS
from app.review_cycle.models import CLOSED, ReviewCycle
from app.rules import RuleViolation
from app.types import utcnow

REVIEW_DAYS = 14  # from opening to the review's due date
STAGE_DAYS = 7  # Adapt and Improve each get a week after the review


def cycle_path(cycle: ReviewCycle, endpoint: str = "review_cycle.show", **values) -> str:
    """The path of one of the cycle's pages (its overview unless `endpoint` says which), for
    notifications and My work."""
    return path_for(endpoint, partnership_id=cycle.partnership_id, cycle_id=cycle.id, **values)


def parties_of(partnership_id: int) -> list[Party]:
    """The partnership's parties now (a party that left is no longer one)."""
    return list(db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership_id, Party.left_at.is_(None))
        .options(joinedload(Party.organisation)).order_by(Party.id)
    ))


def parties_of_cycle(cycle: ReviewCycle) -> list[RecordParty]:
    """The parties the cycle opened with (and any admitted into its Review), as it names them."""
    return record_parties(cycle.parties)


def parties_waited_for(cycle: ReviewCycle) -> list[RecordParty]:
    """The cycle's parties that still take part: the ones whose submissions and agreements it
    waits for. A party admitted since waits for the next cycle; one that left is waited for no more."""
    ids = record_party_ids(cycle.parties)
    gone = set(db.session.scalars(
        sa.select(Party.id).where(Party.id.in_(ids), Party.left_at.is_not(None))
    )) if ids else set()
    return [party for party in parties_of_cycle(cycle) if party.id not in gone]


def is_party_of(cycle: ReviewCycle, party_id: int) -> bool:
    return party_id in record_party_ids(cycle.parties)


def not_a_party_message(cycle: ReviewCycle, party: Party) -> str:
    return (f"{party.name} joined after the {cycle.period} cycle opened: it takes part in reviews from the next "
            "cycle on.")


def parties_of_cycles(partnership_id: int, up_to: ReviewCycle | None, kind: str = "review",
                      loaded: list[ReviewCycle] | None = None) -> list:
    """Everyone who took part in the revealed cycles of the kind (up to `up_to`), as those cycles
    name them: a party that joined later appears from its first cycle on, and one that left stays
    in the cycles it took part in. `loaded`: the partnership's cycles, when the caller holds them."""
    if loaded is not None:
        stored_parties = [c.parties for c in revealed_of(loaded, kind, up_to)]
    else:
        query = sa.select(ReviewCycle.parties).where(ReviewCycle.partnership_id == partnership_id,
                                                     ReviewCycle.kind == kind, ReviewCycle.revealed_at.is_not(None))
        if up_to is not None:
            query = query.where(ReviewCycle.period <= up_to.period)
        stored_parties = db.session.scalars(query.order_by(ReviewCycle.period))
    seen = {}
    for stored in stored_parties:
        for party in record_parties(stored):
            seen.pop(party.id, None)
            seen[party.id] = party  # the name the latest of these cycles gives it
    return sorted(seen.values(), key=lambda party: party.id)


# -- cycles ---------------------------------------------------------------------------------------


def partnership_cycles(partnership_id: int) -> list[ReviewCycle]:
    """Every cycle of both kinds, oldest period first, in one query: a partnership has a few a
    year. The functions taking `loaded` read these instead of querying again (the home page's
    panels share one load); their other callers read fresh rows."""
    return list(db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id)
        .order_by(ReviewCycle.period, ReviewCycle.id)
    ))


def revealed_of(loaded: list[ReviewCycle], kind: str, up_to: ReviewCycle | None = None) -> list[ReviewCycle]:
    """The revealed cycles of the kind among `loaded` (up to and including `up_to`), oldest first."""
    return sorted((c for c in loaded if c.kind == kind and c.revealed_at is not None
                   and (up_to is None or c.period <= up_to.period)), key=lambda c: c.period)


def cycles_of(partnership_id: int, kind: str = "review") -> list[ReviewCycle]:
    """Every cycle of the kind, newest period first."""
    return list(db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.kind == kind)
        .order_by(ReviewCycle.period.desc())
    ))


def open_cycle_of(partnership_id: int, kind: str = "review",
                  loaded: list[ReviewCycle] | None = None) -> ReviewCycle | None:
    if loaded is not None:
        return next((c for c in loaded if c.kind == kind and c.stage != CLOSED), None)
    return db.session.scalar(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.kind == kind,
                                     ReviewCycle.stage != CLOSED)
    )


def open_cycles_of(partnership_id: int) -> list[ReviewCycle]:
    """The open cycle of each kind (a quarterly review and a maturity assessment may run at once)."""
    return list(db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.stage != CLOSED)
        .order_by(ReviewCycle.id)
    ))


def cadence_months(partnership: Partnership, kind: str = "review") -> int:
    """How many months a period of this kind of cycle covers."""
    return partnership.maturity_cadence_months if kind == "maturity" else partnership.review_cadence_months


def cycle_of(partnership_id: int, cycle_id: int) -> ReviewCycle | None:
    cycle = db.session.get(ReviewCycle, cycle_id)
    return cycle if cycle is not None and cycle.partnership_id == partnership_id else None


def proposed_period(partnership: Partnership, today: date | None = None, kind: str = "review",
                    loaded: list[ReviewCycle] | None = None) -> str:
    """The period after the latest cycle's of the kind, or the current period for a first cycle."""
    months = cadence_months(partnership, kind)
    if loaded is not None:
        latest = max((c.period for c in loaded if c.kind == kind), default=None)
    else:
        latest = db.session.scalar(
            sa.select(ReviewCycle.period).where(ReviewCycle.partnership_id == partnership.id, ReviewCycle.kind == kind)
            .order_by(ReviewCycle.period.desc()).limit(1)
        )
    if latest and periods.period_bounds(latest, months):
        return periods.next_period(latest, months)
    return periods.period_of(today or utcnow().date(), months)


def stage_due_dates(cycle: ReviewCycle) -> dict[str, date]:
    adapt = min(cycle.review_due_on + timedelta(days=STAGE_DAYS), cycle.close_due_on)
    improve = min(adapt + timedelta(days=STAGE_DAYS), cycle.close_due_on)
    dues = {"review": cycle.review_due_on, "adapt": adapt, "improve": improve, "operate": cycle.close_due_on}
    if cycle.is_maturity:  # no Adapt stage: Improve gets the week Adapt would have had
        dues["improve"] = adapt
    return {stage: dues[stage] for stage in cycle.stages}


def open_cycle(
    membership: Membership, period: str, review_due_on: date | None = None, *, at: datetime | None = None,
    kind: str = "review",
) -> ReviewCycle:
    """Open the partnership's cycle of the kind for `period`. One open cycle of each kind at a
    time, whoever tries at once."""
    maturity = kind == "maturity"
    check_permission(membership, Permission.EDIT_PARTNERSHIP,
                     "Only a partnership admin can start a maturity assessment." if maturity
                     else "Only a partnership admin can open a review cycle.")
    partnership = membership.partnership
    months = cadence_months(partnership, kind)
    period = (period or "").strip().upper()
    bounds = periods.period_bounds(period, months)
    if bounds is None:
        what = (f"{partnership.maturity_cadence_label.lower()} maturity assessments" if maturity
                else f"{partnership.cadence_label.lower()} reviews")
        raise RuleViolation(f"Name the period like {periods.EXAMPLES[months]} ({what}).", "period")
    now = at or utcnow()
    current = open_cycle_of(partnership.id, kind)
    if current is not None:
        raise RuleViolation(f"The {current.name} is still open: close it before starting another.", "period")
    if db.session.scalar(sa.select(ReviewCycle.id).where(
            ReviewCycle.partnership_id == partnership.id, ReviewCycle.kind == kind,
            ReviewCycle.period == period)) is not None:
        raise RuleViolation(f"There is already {'a maturity assessment' if maturity else 'a cycle'} for {period}.",
                            "period")
    close_due = max(bounds[1], now.date() + timedelta(days=REVIEW_DAYS + 2 * STAGE_DAYS))
    review_due = review_due_on or now.date() + timedelta(days=REVIEW_DAYS)
    if review_due < now.date() or review_due > close_due:
        raise RuleViolation(
            f"Choose a due date between today and {close_due:%-d %B %Y}.", "review_due_on"
        )
    if maturity:
        # The maturity dimensions are the same for every partnership, so assessments compare over
        # the years; a maturity assessment scores no performance measures.
        dims, measures = [{"id": d.key, "name": d.name} for d in DIMENSIONS], []
    else:
        dims = [{"id": d.id, "name": d.name} for d in ensure_dimensions(partnership.id)]
        measures = [
            {k: m[k] for k in ("id", "name", "unit", "direction", "baseline", "target", "data_owner")}
            for m in performance_measures(partnership.id)
        ]
    cycle = ReviewCycle(
        partnership_id=partnership.id, kind=kind, period=period, stage="review",
        dimensions=dims, measures=measures,
        review_due_on=review_due, close_due_on=close_due, opened_at=now, opened_by_id=membership.user_id,
        stage_changed_at=now, parties=cycle_parties(partnership),
    )
    try:
        with db.session.begin_nested():
            db.session.add(cycle)
            db.session.flush()
    except IntegrityError:
        # Someone opened one in the same moment: the partial unique index refused the second.
        raise RuleViolation("Another cycle was opened just now: open it from the list.", "period") from None
    record_event("maturity.started" if maturity else "review.cycle_opened", actor=membership.user,
                 partnership_id=partnership.id, party_id=membership.party_id, obj=cycle,
                 details={"period": period, "review_due_on": review_due.isoformat()})
    notify(members_of_partnership(partnership.id), "review_stage_changed", partnership=partnership,
           title=f"The {cycle.name} is open: scores are due {review_due:%-d %B}",
           body=("Each party rates the relationship's maturity on its own, with its evidence; ratings stay hidden "
                 "until every party has submitted." if maturity else
                 "Each party scores the relationship on its own; scores stay hidden until every party has submitted."),
           link=cycle_path(cycle), actor=membership.user)
    return cycle


def lock(cycle: ReviewCycle) -> ReviewCycle:
    """Re-read the cycle under a row lock: what other writers committed is now visible."""
    return db.session.scalar(
        sa.select(ReviewCycle).where(ReviewCycle.id == cycle.id).with_for_update()
        .execution_options(populate_existing=True)
    )
