"""The demo's promise ledger: what the record cannot settle, answered as the partners would.
Northwind confirms Contoso met its warehouse objective on time; Contoso records Northwind's
on-time-in-full objective as broken; and Northwind contests the lateness of its expedite-split
action (the split was on the invoices before the action was marked done), a dispute left open
with both views. With the reviews' history (Contoso slipping more each quarter), the ledger
flags Contoso's latest quarter as a special-cause drop."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.demo.reviews import _when
from app.demo.workspace import ALEX, DANA, Demo
from app.extensions import db
from app.notifications.models import Notification
from app.promises import services
from app.promises.ledger import promises_of
from app.types import utcnow


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


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
    _past_news_read(partnership_id)


def _past_news_read(partnership_id: int) -> None:
    """What these answers told people, months ago, was read long ago."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.partnership_id == partnership_id, Notification.read_at.is_(None),
               Notification.kind == "promise_outcome")
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
