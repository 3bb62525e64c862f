"""The demo's promise ledger and its meetings. The bodies of the plan met as they declared
until lately: the steering committee every quarter (once taking a decision outside its rights),
the weekly performance call every week, and the joint operations board, which Contoso runs,
monthly until the summer, when it stopped meeting (the meetings page shows it drifting).
What the record cannot settle is answered as the partners would.
Northwind confirms Contoso met its warehouse objective on time; Contoso records Northwind's
on-time-in-full objective as broken; and Northwind contests the lateness of its expedite-split
action (the split was on the invoices before the action was marked done), a dispute left open
with both views. With the reviews' history (Contoso slipping more each quarter), the ledger
flags Contoso's latest quarter as a special-cause drop."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.demo.reviews import _when, past_news_read
from app.demo.workspace import ALEX, DANA, Demo
from app.extensions import db
from app.partnerships.models import Partnership
from app.promises import meetings, services
from app.promises.ledger import promises_of
from app.types import utcnow


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


def meetings_held(demo: Demo) -> None:
    partnership_id = demo.partnership.id
    nw, ct = demo.member(ALEX), demo.member(DANA)
    bodies = {b.name: b for b in meetings.bodies_of(partnership_id)}
    both = {nw.party_id: "Alex Morgan, Priya Shah", ct.party_id: "Dana Reyes, Luis Ortega"}
    today = utcnow().date()
    steering = bodies["Executive steering committee"]
    for n, day in enumerate(_quarter_days(today, 4)):
        decisions = [meetings.DecisionInput("Keep the 50/50 expedite-cost split for another quarter", 0)]
        if n == 2:
            decisions.append(meetings.DecisionInput("Move the Dayton cross-dock to a new operator from January", None))
        _when(_moment(day), meetings.record_meeting, ct, steering, day, both,
              "## Performance\n\nOn-time-in-full and cost per unit reviewed against the plan.", decisions,
              headcounts={nw.party_id: 4, ct.party_id: 3}, length_minutes=150)
    board = bodies["Joint operations board"]
    first = today - timedelta(days=300)
    for n in range(5):  # monthly, then it stopped
        day = meetings.add_step(first, "monthly", n) + timedelta(days=2)
        _when(_moment(day), meetings.record_meeting, ct, board, day, both,
              "Service levels and the improvement pipeline.",
              [meetings.DecisionInput("Approve the frozen-window pilot on the Monterrey lane", 0)] if n == 4 else [],
              headcounts={nw.party_id: 5, ct.party_id: 3}, length_minutes=90)
    call = bodies["Weekly performance call"]
    for week in range(10, 0, -1):
        day = today - timedelta(days=7 * week)
        asked = [meetings.ActionInput("Share the peak-season capacity plan", nw.party_id, today + timedelta(days=10))]
        _when(_moment(day), meetings.record_meeting, nw, call, day, both, "", [],
              headcounts={nw.party_id: 3, ct.party_id: 2}, length_minutes=45, actions=asked if week == 1 else [])
    past_news_read(partnership_id, ("meeting_recorded",))


def _quarter_days(today: date, count: int) -> list[date]:
    """The middle of each of the last `count` quarters before this one."""
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [meetings.add_step(this_quarter, "quarterly", -k) + timedelta(days=45) for k in range(count, 0, -1)]


def promise_answers(demo: Demo) -> None:
    partnership_id = demo.partnership.id
    nw, ct = demo.member(ALEX), demo.member(DANA)
    promises = promises_of(partnership_id)

    def find(source: str, start: str):
        return next(p for p in promises if p.source == source and p.title.startswith(start))

    warehouses = find("objective", "Consolidate three regional warehouses")
    kept_on = warehouses.due_on - timedelta(days=6)
    _when(_moment(warehouses.due_on + timedelta(days=2)), services.confirm, nw, warehouses.key, "kept", kept_on,
          "The Joliet site took the last of the stock on schedule.", 0)

    otif = find("objective", "Lift on-time-in-full delivery")
    _when(_moment(otif.due_on + timedelta(days=9)), services.confirm, ct, otif.key, "broken", None,
          "OTIF closed the year at 97.2%, short of the 98.5% promised; the new target date is in the plan.", 0)

    split = find("action", "Apply the 50/50 expedite split")
    _when(_moment(split.kept_on + timedelta(days=3)), services.contest, nw, split.key,
          split.due_on - timedelta(days=1),
          "The split was on every invoice from the run of the day before it was due; the action was only marked "
          "done after the month's invoices were reconciled.", 0)
    past_news_read(partnership_id, ("promise_outcome",))



def trust_summaries(demo: Demo) -> None:
    """Every partnership's summary for the portfolio and the overview, as the worker's sweep
    keeps them (it computes them again once anything changes)."""
    from app.promises import summary

    for partnership_id in db.session.scalars(sa.select(Partnership.id).order_by(Partnership.id)):
        summary.refresh(partnership_id)


def escalations_raised(demo: Demo) -> None:
    """Two issues on the ladder: stillages short at Dayton, taken up to management the next day and
    resolved three days past management's time to resolve; and the expedite invoices Northwind
    raised yesterday, with the operational level until tomorrow. (Raised earlier, the open issue
    would be overdue for both parties in this quarter and soften the drop the ledger flags.)"""
    from app.promises import escalations

    partnership_id = demo.partnership.id
    nw, ct = demo.member(ALEX), demo.member(DANA)
    today = utcnow().date()
    raised = today - timedelta(days=50)
    issue = _when(_moment(raised), escalations.raise_issue, ct, "Returnable stillages short at Dayton",
                  "Line 3 waited twice this week for stillages that were still at the cross-dock.", raised)
    _when(_moment(raised + timedelta(days=1)), escalations.escalate, nw, issue.id, issue.version,
          raised + timedelta(days=1), "The shift leads could not free stillages without starving Monterrey.")
    _when(_moment(raised + timedelta(days=9)), escalations.resolve, ct, issue.id, issue.version,
          raised + timedelta(days=9), "Northwind adds 400 stillages to the pool; Contoso returns empties within a day.")
    past_news_read(partnership_id, ("escalation",))  # this week's issue is news to Contoso
    raised = today - timedelta(days=1)
    _when(_moment(raised), escalations.raise_issue, nw, "Expedite invoices disputed twice",
          "Contoso's accounts payable rejected two expedite invoices the split says are shared.", raised)

