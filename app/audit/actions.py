"""What each audit action means in words, for the audit trail page and its export.

A feature that records a new action adds how it reads to `ACTIONS`, from its `init_app`:

    ACTIONS.add(app, AuditAction("section.restored", "Section restored",
                                 "{actor} restored {section} to the revision of {revision_date}"))

The sentence is a format string over `actor` (“Alex Morgan (Northwind Logistics)”),
`user` (the person named by details["user_id"]), `party` (the event's party) and
the event's other details; or a function (event, names) -> str. Actions nobody
added still show, by their key.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from app.registries import Registry


@dataclass(frozen=True)
class AuditAction:
    key: str
    label: str  # short, for filters and the CSV ("Role changed")
    sentence: str | Callable = "{actor}: {label}"
    # List the event's [before, after] details under the sentence (off when the
    # sentence already says them).
    show_changes: bool = True


ACTIONS = Registry[AuditAction]("audit_actions", key=lambda action: action.key)


def action_label(key: str) -> str:
    action = ACTIONS.get(key)
    return action.label if action is not None else key


@dataclass
class Names:
    """Names of the people, organisations and parties a batch of events mentions (the audit
    trail loads them, with two queries however many events there are)."""

    users: dict[int, str] = field(default_factory=dict)
    organisations: dict[int, str] = field(default_factory=dict)
    parties: dict[int, str] = field(default_factory=dict)

    def user(self, user_id) -> str:
        return self.users.get(user_id, "a former user") if user_id is not None else "Jointly"

    def actor(self, event) -> str:
        name = self.user(event.actor_id)
        organisation = self.organisations.get(event.organisation_id)
        return f"{name} ({organisation})" if organisation and event.actor_id is not None else name


class _Blank(dict):
    def __missing__(self, key):
        return "…"


def fill_sentence(template: str, values: dict) -> str:
    """`template` with `values` put in; a placeholder without a value reads "…"."""
    return template.format_map(_Blank(values))


def describe(event, names: Names) -> str:
    """The event as one sentence: “Alex Morgan (Northwind Logistics) changed the role of …”."""
    action = ACTIONS.get(event.action)
    if action is None:
        return f"{names.actor(event)}: {event.action}"
    if callable(action.sentence):
        return action.sentence(event, names)
    values = {k: plain(v) for k, v in (event.details or {}).items() if not isinstance(v, (list, dict))}
    values.update(
        actor=names.actor(event),
        user=names.user((event.details or {}).get("user_id")),
        party=names.parties.get(event.party_id, "a party"),
        label=action.label.lower(),
    )
    return fill_sentence(action.sentence, values)


_IDENTIFIER = re.compile(r"^[a-z]+(_[a-z]+)+$")


def plain(value) -> str:
    """A stored value as people read it: yes/no, “Key supplier” for key_supplier."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _IDENTIFIER.match(value):
        return value.replace("_", " ").capitalize()
    return str(value)


def changes(event) -> list[str]:
    """“Status: forming → active” for each [before, after] pair in the details."""
    action = ACTIONS.get(event.action)
    if action is not None and not action.show_changes:
        return []
    lines = []
    for key, value in (event.details or {}).items():
        if isinstance(value, list) and len(value) == 2 and not key.endswith("_id"):
            lines.append(f"{key.replace('_', ' ').capitalize()}: {plain(value[0])} → {plain(value[1])}")
    return lines


# --- The foundation's actions: accounts, partnerships, parties, members, invitations ---


def _member_added(event, names: Names) -> str:
    details = event.details or {}
    role = details.get("role", "member") + (", signatory" if details.get("is_signatory") else "")
    party = names.parties.get(event.party_id, "their party")
    if details.get("user_id") == event.actor_id:
        return f"{names.actor(event)} joined for {party} as {role}"
    return f"{names.actor(event)} added {names.user(details.get('user_id'))} to {party} as {role}"


def _member_changed(event, names: Names) -> str:
    details = event.details or {}
    parts = []
    if isinstance(details.get("role"), list):
        parts.append(f"the role of {names.user(details.get('user_id'))}: {details['role'][0]} → {details['role'][1]}")
    if isinstance(details.get("is_signatory"), list):
        now_signatory = details["is_signatory"][1]
        who = names.user(details.get("user_id"))
        parts.append(f"{who} {'is now' if now_signatory else 'is no longer'} a signatory")
    if not parts:
        return f"{names.actor(event)} changed a membership"
    return f"{names.actor(event)} changed " + "; ".join(parts)


def _invitation_sent(event, names: Names) -> str:
    details = event.details or {}
    role = details.get("role", "member") + (" and signatory" if details.get("is_signatory") else "")
    if details.get("new_party"):
        return f"{names.actor(event)} invited {details.get('email')} to join as a new party, as {role}"
    return f"{names.actor(event)} invited {details.get('email')} as {role}"


# Added by audit's own init_app.
FOUNDATION_ACTIONS = tuple(AuditAction(key, label, sentence, show_changes=key != "membership.changed") for (
    key, label, sentence) in (
    ("account.created", "Account created", "{actor} created their account"),
    ("organisation.created", "Organisation created", "{actor} created the organisation {name}"),
    ("account.updated", "Account details changed", "{actor} changed their account details"),
    ("account.password_changed", "Password changed", "{actor} changed their password"),
    ("account.password_reset_requested", "Password reset requested", "A password reset link was requested"),
    ("account.password_reset", "Password reset", "{actor} set a new password with an emailed link"),
    ("account.signed_out", "Signed out everywhere", "{actor} signed out, ending their sessions on every device"),
    ("account.notification_settings_changed", "Notification settings changed",
     "{actor} changed their notification settings"),
    ("account.calendar_feed_created", "Calendar address created", "{actor} created their calendar address"),
    ("account.calendar_feed_reset", "Calendar address reset",
     "{actor} reset their calendar address (the old one no longer works)"),
    ("partnership.created", "Partnership created", "{actor} created the partnership “{name}”"),
    ("partnership.updated", "Partnership details changed", "{actor} changed the partnership's details"),
    ("party.joined", "Party joined", "{party} joined the partnership"),
    ("membership.added", "Member added", _member_added),
    ("membership.changed", "Member's role changed", _member_changed),
    ("membership.removed", "Member removed", "{actor} removed {user} ({role}) from {party}"),
    ("membership.left", "Member left", "{actor} left the partnership"),
    ("invitation.sent", "Invitation sent", _invitation_sent),
    ("invitation.resent", "Invitation re-sent", "{actor} re-sent the invitation to {email}"),
    ("invitation.revoked", "Invitation revoked", "{actor} revoked the invitation to {email}"),
    ("invitation.accepted", "Invitation accepted", "{actor} accepted the invitation sent to {email}"),
))
