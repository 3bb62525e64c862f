"""Demo: the partnership changes only by joint consent. Six weeks ago Contoso proposed a sharper
purpose and Northwind agreed two days later (it shows in the activity feed and the audit trail);
this week Northwind proposed admitting a packaging partner, waiting for Contoso's agreement."""

from datetime import UTC, datetime, time, timedelta

from app.consent import profile
from app.consent import services as consent
from app.demo.workspace import PURPOSE, Demo
from app.invitations import services as invitations
from app.types import clock_at, utcnow

SHARPER_PURPOSE = PURPOSE + (
    " From 2027 the alliance also covers returnable packaging between the plants and Northwind's hubs."
)


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = utcnow().date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def proposals_by_consent(demo: Demo) -> None:
    dana = demo.member("dana.reyes@contoso.example")
    alex = demo.member("alex.morgan@northwind.example")
    partnership = demo.partnership
    with clock_at(_at(41, 15, 20)):
        values = {field: getattr(partnership, field) for field in profile.FIELDS}
        purpose = profile.propose_changes(
            dana, {**values, "purpose": SHARPER_PURPOSE},
            reason="The packaging pilot worked; the steering group asked for it to be part of the alliance.",
        )
    with clock_at(_at(39, 9, 5)):
        consent.respond(alex, purpose, "agree", "Agreed at the steering group on Tuesday.")
    with clock_at(_at(3, 10, 45)):
        invitations.propose_new_party(
            alex, email="ana.ruiz@adventure-works.example", organisation_name="Adventure Works Packaging",
            role="admin", is_signatory=True,
            message="Ana, we would like Adventure Works to take part in the alliance for returnable packaging.",
            reason="Adventure Works supplies and washes the returnable crates; the packaging targets need them "
                   "at the table for the next cycle.",
        )
