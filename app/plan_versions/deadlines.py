"""Signatures that do not stall: who is still to sign a version, reminders before and after its
deadline, and admins' nudges.

Reminders go out through `send-reminders` (app/notifications/delivery.py) to the signatories of
each party asked to sign now (every unsigned party, or the one in turn when the version has a
signing order), at three points of the version's time frame: halfway from the party's start
(the issue, or the moment its turn came) to the deadline, one day before the deadline, and once
it is overdue. A run sends only the latest point due, and only points after the party's start,
so a late run never sends three reminders at once. Each is keyed per version, party, point and
deadline, so it reaches each person once however many runs race, and each delivery is recorded
in the audit trail in the same transaction.

A nudge is an admin's polite reminder to one party, at most once per NUDGE_INTERVAL per version
and party (the version's row lock makes two admins nudging at once send one).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.accounts.models import User
from app.audit.services import record_event
from app.extensions import db
from app.notifications.delivery import Reminder
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership
from app.partnerships.parties import RecordParty
from app.plan_versions import services
from app.plan_versions.models import PlanSignature, PlanVersion, SignatureNudge
from app.types import utcnow

NUDGE_INTERVAL = timedelta(hours=24)
POINTS = ("halfway", "day_before", "overdue")


def deadline_end(version: PlanVersion) -> datetime | None:
    """The moment the deadline passes: the end of its day (UTC)."""
    return datetime.combine(version.sign_by + timedelta(days=1), time(), tzinfo=UTC) if version.sign_by else None


def turn_started(version: PlanVersion, party_id: int) -> datetime:
    """When `party_id` was first asked to sign: the issue, or the signature that made it its turn."""
    if not version.signing_order:
        return version.issued_at
    signed_at = {s.party_id: s.signed_at for s in version.signatures}
    started = version.issued_at
    for party in services.ordered_parties(version):
        if party.id == party_id:
            return started
        started = max(started, signed_at.get(party.id, started))
    return started


def reminder_moments(version: PlanVersion, start: datetime) -> dict[str, datetime]:
    end = deadline_end(version)
    return {"halfway": start + (end - start) / 2, "day_before": end - timedelta(days=1), "overdue": end}


def due_point(version: PlanVersion, start: datetime, now: datetime) -> str | None:
    """The latest reminder point reached at `now` that lies after `start`, if any."""
    if version.sign_by is None:
        return None
    reached = [point for point, moment in reminder_moments(version, start).items() if start < moment <= now]
    return reached[-1] if reached else None


def party_signatories(partnership_id: int, party_id: int) -> list[User]:
    """The party's signatories now (any of them signs for it)."""
    return members_of_partnership(partnership_id, signatories_only=True, party_id=party_id)


# -- who is still to sign ---------------------------------------------------------------------------


@dataclass
class PartySigning:
    party: RecordParty
    position: int | None  # 1, 2, … in the signing order; None for any order
    signature: PlanSignature | None
    state: str  # signed, asked (may sign now), waiting (not its turn yet), closed
    signatories: list[User]
    last_nudge: SignatureNudge | None
    next_nudge_at: datetime | None  # when a nudge is allowed again (None: now, if asked)


def signing_progress(version: PlanVersion, now: datetime | None = None) -> list[PartySigning]:
    """Per party of the version, in signing order: signed, asked or waiting, its signatories and
    its latest nudge (three queries)."""
    now = now or utcnow()
    signatures = {s.party_id: s for s in version.signatures}
    asked = {party.id for party in services.parties_asked(version)}
    parties = services.ordered_parties(version)
    people: dict[int, list[User]] = {}
    for membership in db.session.scalars(
            sa.select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.partnership_id == version.partnership_id, Membership.is_signatory.is_(True),
                   User.active.is_(True)).order_by(User.full_name)):
        people.setdefault(membership.party_id, []).append(membership.user)
    nudges: dict[int, SignatureNudge] = {}
    for nudge in db.session.scalars(sa.select(SignatureNudge).where(SignatureNudge.version_id == version.id)
                                    .order_by(SignatureNudge.sent_at)):
        nudges[nudge.party_id] = nudge
    rows = []
    for n, party in enumerate(parties, start=1):
        if party.id in signatures:
            state = "signed"
        elif version.status != "awaiting":
            state = "closed"
        else:
            state = "asked" if party.id in asked else "waiting"
        last = nudges.get(party.id)
        again = last.sent_at + NUDGE_INTERVAL if last is not None else None
        rows.append(PartySigning(
            party=party, position=n if version.signing_order else None, signature=signatures.get(party.id),
            state=state, signatories=people.get(party.id, []), last_nudge=last,
            next_nudge_at=again if again is not None and again > now else None,
        ))
    return rows


# -- reminders ----------------------------------------------------------------------------------


POINT_WORDS = {"halfway": "halfway to the deadline", "day_before": "one day before the deadline",
               "overdue": "once overdue"}
REMINDER_TITLES = {
    "halfway": "Halfway to the deadline: plan {label} waits for {party}'s signature by {day}",
    "day_before": "One day left: plan {label} waits for {party}'s signature by {day}",
    "overdue": "Overdue since {day}: plan {label} still waits for {party}'s signature",
}


def signatures_due(now: datetime):
    versions = db.session.scalars(
        sa.select(PlanVersion).where(PlanVersion.status == "awaiting", PlanVersion.sign_by.is_not(None))
        .order_by(PlanVersion.id)
    ).all()
    for version in versions:
        partnership = db.session.get(Partnership, version.partnership_id)
        for party in services.parties_asked(version):
            point = due_point(version, turn_started(version, party.id), now)
            if point is None:
                continue
            title = REMINDER_TITLES[point].format(label=version.label, party=party.name,
                                                  day=f"{version.sign_by:%-d %B %Y}")
            for person in party_signatories(version.partnership_id, party.id):
                yield Reminder(
                    recipient=person, kind="signature_reminder", partnership=partnership, title=title,
                    body=services.signing_note(version) + " Read the version and its differences, then sign or "
                         "decline with a reason.",
                    link=services.version_path(version),
                    dedupe_key=f"signature_reminder:{version.id}:{party.id}:{point}:{version.sign_by.isoformat()}",
                    on_delivered=_audit_reminder(version, party, point, person),
                )


def _audit_reminder(version: PlanVersion, party: RecordParty, point: str, person: User):
    details = {"version": version.label, "party_name": party.name, "point": point, "when": POINT_WORDS[point],
               "user_id": person.id,
               "sign_by": version.sign_by.isoformat()}
    version_id, partnership_id = version.id, version.partnership_id

    def record() -> None:
        record_event("plan.signature_reminded", actor=None, partnership_id=partnership_id, party_id=party.id,
                     obj=db.session.get(PlanVersion, version_id), details=details)

    return record


# -- nudges -------------------------------------------------------------------------------------


def nudge(membership: Membership, version: PlanVersion, party_id: int | None, now: datetime | None = None
          ) -> SignatureNudge:
    """An admin reminds a party asked to sign that the version waits for it. Raises
    services.SigningRefused: 403 not an admin, 409 nothing to nudge, 429 nudged too recently."""
    if not has_permission(membership, Permission.EDIT_PARTNERSHIP):
        raise services.SigningRefused("Only an admin can nudge signatories.", 403)
    now = now or utcnow()
    version = services._locked_version(version)  # two admins nudging at once: one waits, then finds the nudge
    party = next((p for p in services.parties_of_version(version) if p.id == party_id), None)
    if party is None:
        raise services.SigningRefused(f"That party was not one {version.label} was issued to.", 409, "party_id")
    if version.status != "awaiting":
        raise services.SigningRefused(
            f"{version.label} is {services.STATUS_LABELS[version.status].lower()}: nobody is asked to sign it.", 409,
            "party_id")
    if any(s.party_id == party.id for s in version.signatures):
        raise services.SigningRefused(f"{party.name} has already signed {version.label}.", 409, "party_id")
    if not services.may_sign_now(version, party.id):
        raise services.SigningRefused(
            f"It is not {party.name}'s turn yet: it is asked to sign once the parties before it have signed.", 409,
            "party_id")
    last = db.session.scalar(
        sa.select(SignatureNudge).where(SignatureNudge.version_id == version.id, SignatureNudge.party_id == party.id)
        .order_by(SignatureNudge.sent_at.desc()).limit(1))
    if last is not None and last.sent_at + NUDGE_INTERVAL > now:
        again = last.sent_at + NUDGE_INTERVAL
        raise services.SigningRefused(
            f"{party.name} was nudged at {last.sent_at:%H:%M} UTC on {last.sent_at:%-d %B} by "
            f"{last.sent_by.full_name}: one nudge a day is enough. You can nudge again after "
            f"{again:%H:%M} UTC on {again:%-d %B}.", 429, "party_id")
    people = party_signatories(version.partnership_id, party.id)
    if not people:
        raise services.SigningRefused(
            f"{party.name} has no signatory to nudge: its admins can make a member a signatory.", 409, "party_id")
    row = SignatureNudge(version_id=version.id, party_id=party.id, sent_by_id=membership.user_id,
                         sent_by_party_id=membership.party_id, sent_at=now)
    db.session.add(row)
    db.session.flush()
    record_event(
        "plan.signature_nudged", actor=membership.user, partnership_id=version.partnership_id,
        party_id=membership.party_id, obj=version,
        details={"version": version.label, "party_name": party.name, "to_party_id": party.id,
                 "recipients": len(people)},
    )
    notify(
        people, "signature_nudge", partnership=membership.partnership, actor=membership.user,
        title=f"{membership.user.full_name} ({membership.party.name}) asks whether {party.name} can sign plan "
              f"{version.label}{services.deadline_phrase(version)}",
        body=services.signing_note(version) + " A friendly reminder: the version waits for your party's signature.",
        link=services.version_path(version),
    )
    return row


def overdue_today(version: PlanVersion, today: date | None = None) -> bool:
    return version.overdue_on(today or utcnow().date())
