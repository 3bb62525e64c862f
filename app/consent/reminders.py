"""Reminders `send-reminders` delivers for proposals: a party that has not answered is reminded
three days before the proposal expires (once per proposal and person)."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.consent.models import OPEN, Proposal
from app.consent.services import answerers, proposal_path, waiting_for
from app.extensions import db
from app.notifications.delivery import Reminder

REMIND_DAYS_BEFORE = 3


def proposals_waiting(now: datetime):
    proposals = db.session.scalars(sa.select(Proposal).where(
        Proposal.status == OPEN, Proposal.expires_at > now,
        Proposal.expires_at <= now + timedelta(days=REMIND_DAYS_BEFORE),
    )).all()
    for proposal in proposals:
        for party in waiting_for(proposal):
            for person in answerers(proposal.partnership_id, party.id, proposal.answered_by):
                yield Reminder(
                    recipient=person, kind="proposal_waiting", partnership=proposal.partnership,
                    title=f"{party.name}'s answer is still needed by {proposal.expires_at:%-d %B}: {proposal.summary}",
                    body="Nothing changes until every party agrees; unanswered, the proposal expires.",
                    link=proposal_path(proposal), dedupe_key=f"proposal_reminder:{proposal.id}:{person.id}",
                )
