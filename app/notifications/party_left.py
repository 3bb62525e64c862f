"""The other parties hear, under the bell and by email as they chose, that a party left."""

from app.extensions import db
from app.links import path_for
from app.notifications.kinds import NotificationKind
from app.notifications.services import members_of_partnership, notify
from app.partnerships.models import Partnership

NOTIFICATION_KIND = NotificationKind(
    "party_left",
    "A party left",
    "A party leaves a partnership you are in, with its reason and what that changes.",
    "Partnerships",
)


def party_left_receiver(party, *, actor, reason: str, **_kwargs) -> None:
    """`partnerships.signals.party_left`: tell the members of the parties that stay."""
    partnership = db.session.get(Partnership, party.partnership_id)
    notify(
        members_of_partnership(partnership.id, exclude_party_id=party.id), "party_left", partnership=partnership,
        actor=actor, title=f"{party.name} left {partnership.name}", body=reason,
        link=path_for("partnerships.members", partnership_id=partnership.id), dedupe_key=f"party_left:{party.id}",
    )
