"""Reminders `send-reminders` delivers for the cycle: reviews due (a party that has not
submitted, two days before the due date and after it; admins of an active partnership with no
open cycle, from two weeks before the end of the period that is next to review), and actions
past their due date.

Each is keyed by what makes it new (the cycle, party and due date; the action and its due
date), so it is delivered once per person however often the command runs, and again only
when the due date moves.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.links import path_for
from app.notifications.delivery import Reminder
from app.notifications.services import members_of_partnership
from app.partnerships.models import Partnership, PartnershipStatus, Role
from app.review_cycle import periods
from app.review_cycle.cycles import cycle_path, parties_waited_for
from app.review_cycle.models import CLOSED, Assessment, ImprovementAction, ReviewCycle

REMIND_DAYS_BEFORE = 2


def reviews_due(now: datetime):
    today = now.date()
    cycles = db.session.scalars(
        sa.select(ReviewCycle).where(
            ReviewCycle.stage == "review", ReviewCycle.revealed_at.is_(None),
            ReviewCycle.review_due_on <= today + timedelta(days=REMIND_DAYS_BEFORE),
        )
    ).all()
    for cycle in cycles:
        partnership = db.session.get(Partnership, cycle.partnership_id)
        submitted = set(db.session.scalars(sa.select(Assessment.party_id).where(
            Assessment.cycle_id == cycle.id, Assessment.submitted_at.is_not(None))))
        late = cycle.review_due_on < today
        for party in parties_waited_for(cycle):
            if party.id in submitted:
                continue
            people = members_of_partnership(cycle.partnership_id, roles=[Role.ADMIN, Role.EDITOR], party_id=party.id)
            what = f"{party.name}'s {cycle.name}"
            title = (f"{what} was due {cycle.review_due_on:%-d %B}" if late
                     else f"{what} is due {cycle.review_due_on:%-d %B}")
            for person in people:
                yield Reminder(
                    recipient=person, kind="review_due", title=title, partnership=partnership,
                    body=("Rate each maturity dimension with your evidence, then submit." if cycle.is_maturity
                          else "Score each health dimension and record your measures' actuals, then submit."),
                    link=cycle_path(cycle, "review_cycle.assessment"),
                    dedupe_key=f"review_due:{cycle.id}:{party.id}:{cycle.review_due_on.isoformat()}:{int(late)}",
                )


OPEN_DAYS_BEFORE = 14
MATURITY_DAYS_BEFORE = 30


def reviews_to_open(now: datetime):
    today = now.date()
    open_ids = sa.select(ReviewCycle.partnership_id).where(ReviewCycle.stage != CLOSED, ReviewCycle.kind == "review")
    latest = dict(db.session.execute(
        sa.select(ReviewCycle.partnership_id, sa.func.max(ReviewCycle.period)).where(ReviewCycle.kind == "review")
        .group_by(ReviewCycle.partnership_id)
    ).all())
    partnerships = db.session.scalars(
        sa.select(Partnership).where(Partnership.status == PartnershipStatus.ACTIVE.value,
                                     Partnership.id.not_in(open_ids))
    ).all()
    for partnership in partnerships:
        months = partnership.review_cadence_months
        last = latest.get(partnership.id)
        if last and periods.period_bounds(last, months):
            period = periods.next_period(last, months)
        else:
            period = periods.period_of(today, months)
        end = periods.period_bounds(period, months)[1]
        if today < end - timedelta(days=OPEN_DAYS_BEFORE):
            continue
        for person in members_of_partnership(partnership.id, roles=[Role.ADMIN]):
            yield Reminder(
                recipient=person, kind="review_due", partnership=partnership,
                title=f"Time to open the {period} review of {partnership.name}",
                body=f"The period ends {end:%-d %B %Y}. Any party's admin can open the cycle.",
                link=path_for("review_cycle.index", partnership_id=partnership.id),
                dedupe_key=f"review_open:{partnership.id}:{period}",
            )


def actions_overdue(now: datetime):
    today = now.date()
    actions = db.session.scalars(
        sa.select(ImprovementAction)
        .where(ImprovementAction.status.in_(("open", "in_progress")), ImprovementAction.due_on < today)
        .options(joinedload(ImprovementAction.owner_user), joinedload(ImprovementAction.owner_party))
    ).all()
    for action in actions:
        cycle = db.session.get(ReviewCycle, action.cycle_id)
        partnership = db.session.get(Partnership, action.partnership_id)
        if action.owner_user is not None:
            people = [action.owner_user]
        else:
            people = members_of_partnership(action.partnership_id, roles=[Role.ADMIN], party_id=action.owner_party_id)
        for person in people:
            yield Reminder(
                recipient=person, kind="action_overdue", partnership=partnership,
                title=f"Overdue since {action.due_on:%-d %B}: {action.title}",
                body=f"{action.owner_party.name} committed to it in the {cycle.name}.",
                link=cycle_path(cycle, "review_cycle.action", action_id=action.id),
                dedupe_key=f"action_overdue:{action.id}:{action.due_on.isoformat()}",
            )


def maturity_due(now: datetime):
    """Admins of an active partnership that has assessed its maturity before, when the next
    assessment falls due (a month before its period ends) and none is under way. Its own
    schedule: the quarterly reviews' reminders neither wait for it nor count it."""
    today = now.date()
    under_way = sa.select(ReviewCycle.partnership_id).where(ReviewCycle.stage != CLOSED,
                                                            ReviewCycle.kind == "maturity")
    latest = dict(db.session.execute(
        sa.select(ReviewCycle.partnership_id, sa.func.max(ReviewCycle.period)).where(ReviewCycle.kind == "maturity")
        .group_by(ReviewCycle.partnership_id)
    ).all())
    if not latest:
        return
    partnerships = db.session.scalars(
        sa.select(Partnership).where(Partnership.status == PartnershipStatus.ACTIVE.value,
                                     Partnership.id.in_(list(latest)), Partnership.id.not_in(under_way))
    ).all()
    for partnership in partnerships:
        months = partnership.maturity_cadence_months
        last = latest[partnership.id]
        period = (periods.next_period(last, months) if periods.period_bounds(last, months)
                  else periods.period_of(today, months))
        end = periods.period_bounds(period, months)[1]
        if today < end - timedelta(days=MATURITY_DAYS_BEFORE):
            continue
        for person in members_of_partnership(partnership.id, roles=[Role.ADMIN]):
            yield Reminder(
                recipient=person, kind="review_due", partnership=partnership,
                title=f"Time for the {period} maturity assessment of {partnership.name}",
                body=f"Due by {end:%-d %B %Y}. Any party's admin can start it; the quarterly reviews go on as usual.",
                link=path_for("review_cycle.maturity_index", partnership_id=partnership.id),
                dedupe_key=f"maturity_due:{partnership.id}:{period}",
            )
