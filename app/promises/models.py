"""What people said about a promise, where the record alone does not settle it.

Promises themselves are not stored: the ledger (ledger.py) reads them from the records they
come from (improvement actions, objectives, submissions, actuals, stage agreements,
signatures). A `PromiseRecord` holds, for one promise, what the record cannot know:

- the promisee's confirmation of an outcome (kept, on which day; or broken), for a promise
  whose source records no outcome (an objective's target date);
- a release agreed by every party (through a consent proposal);
- the promisor's contest of the standing outcome: its own view, shown beside the other, never
  replacing it. A contest ends when its party withdraws it or the promisee accepts it (the
  accepted view then stands, over the record too: `agreed_at`).

`version` rises with every change, so two people answering the same promise at once do not
overwrite each other: the second is told what the first recorded.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.types import utcnow


class PromiseRecord(db.Model):
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "key", name="uq_promise_record_key"),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('kept', 'broken')", name="outcome"),
        sa.CheckConstraint("contested_outcome IS NULL OR contested_outcome IN ('kept', 'broken')",
                           name="contested_outcome"),
        sa.CheckConstraint("outcome IS NULL OR outcome = 'broken' OR kept_on IS NOT NULL", name="kept_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    # The promise's key in the ledger: "action:12", "objective:obj-3", "submission:5:7"...
    key: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The promisee's confirmation.
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    kept_on: Mapped[date | None]
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    outcome_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    outcome_party_name: Mapped[str | None] = mapped_column(sa.String(200))
    outcome_at: Mapped[datetime | None]
    # Set when the promisee accepted the promisor's contest: the outcome both now state stands
    # over what the record shows (a date the record has wrong).
    agreed_at: Mapped[datetime | None]

    # A release every party agreed to.
    released_at: Mapped[datetime | None]
    release_proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))
    release_reason: Mapped[str] = mapped_column(sa.Text, default="")

    # The promisor's contest of the standing outcome.
    contested_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    contested_kept_on: Mapped[date | None]
    contested_note: Mapped[str] = mapped_column(sa.Text, default="")
    contested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    contested_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    contested_party_name: Mapped[str | None] = mapped_column(sa.String(200))
    contested_at: Mapped[datetime | None]

    outcome_by: Mapped[User | None] = relationship(foreign_keys=[outcome_by_id])
    contested_by: Mapped[User | None] = relationship(foreign_keys=[contested_by_id])

    @property
    def disputed(self) -> bool:
        return self.contested_at is not None


class Meeting(db.Model):
    """A meeting a governance body or forum of the plan held, as one of its parties recorded it.

    The body is named as the plan named it then (`body_name`): renaming or removing it in the
    plan later leaves the record as it was. Minutes are Markdown, kept with their sanitised
    HTML. `attendance`: one entry per party that took part, [{"party_id", "name", "people"}],
    the party's name as it was and who came, in words, and "count", how many people came (or
    None when not given). `length_minutes` with the counts gives each party's time on the
    partnership's bodies (the give-and-get balance). `actions`: what the meeting asked a party
    to do by a day, [{"n", "text", "party_id", "party_name", "due_on"}]: promises of that party
    in the ledger, confirmed by the others.
    """

    __table_args__ = (
        sa.CheckConstraint("body_kind IN ('body', 'forum')", name="body_kind"),
        sa.Index("ix_meeting_partnership_body", "partnership_id", "body_kind", "body_ref", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"))
    body_kind: Mapped[str] = mapped_column(sa.String(10))
    body_ref: Mapped[str] = mapped_column(sa.String(40))
    body_name: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date]
    length_minutes: Mapped[int | None]
    attendance: Mapped[list] = mapped_column(sa.JSON, default=list)
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_html: Mapped[str] = mapped_column(sa.Text, default="")
    actions: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    recorded_party_name: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User] = relationship()
    decisions: Mapped[list["Decision"]] = relationship(back_populates="meeting", order_by="Decision.position")

    @property
    def party_ids(self) -> set[int]:
        return {int(entry["party_id"]) for entry in self.attendance or []}


class Decision(db.Model):
    """A decision a meeting took, for the partnership's decision register. `right` is the body's
    decision right (as the plan worded it then) that the person recording it said it falls
    under; `within_rights` False flags a decision outside the body's rights (flagged, never
    refused: the register shows it, and the other parties are told)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    right: Mapped[str | None] = mapped_column(sa.Text)
    within_rights: Mapped[bool]

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")


class TrustSummary(db.Model):
    """A partnership's promises, practice and balance in a few figures, for the portfolio and the
    partnership's overview, which show many partnerships or many panels and cannot read the
    whole ledger for each. A periodic job (summary.py) computes it again once the partnership's
    audit trail has moved on (`last_event_id`) or a day has passed (`computed_on`: promises fall
    overdue by the calendar alone). `figures` is what summary.compute answers."""

    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_on: Mapped[date]
    last_event_id: Mapped[int | None]
    figures: Mapped[dict] = mapped_column(sa.JSON)


class Escalation(db.Model):
    """An issue the parties took up the plan's escalation ladder, and how it climbed.

    `steps`: one entry per level it reached, in order, each as the plan worded the level then:
    {"level", "name", "resolve_days" (or None), "since" (ISO day), "party" (who took it there),
    "note"}. Each level's time to resolve runs from its "since" until the issue is resolved or
    taken up a level (the ledger's promises, app/promises/escalations.py). `version` rises with
    every change, so two people acting on it at once never overwrite each other."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    raised_on: Mapped[date]
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    raised_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    raised_party_name: Mapped[str] = mapped_column(sa.String(200))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    steps: Mapped[list] = mapped_column(sa.JSON, default=list)
    resolved_on: Mapped[date | None]
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    resolved_party_name: Mapped[str | None] = mapped_column(sa.String(200))
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def current(self) -> dict:
        return self.steps[-1]

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
