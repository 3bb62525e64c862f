"""Changing the partnership's details goes through consent: one party proposes, every other agrees.

The proposal holds each changed field as [what it was, what it becomes]; agreeing makes exactly
that change, unless a field moved on meanwhile (then it lapses and nothing changes).
"""

from datetime import date

from app.audit.services import record_event
from app.consent import services as consent
from app.consent.kinds import Kind, Lapsed
from app.extensions import db
from app.partnerships.models import (
    MATURITY_CADENCES,
    PARTNERSHIP_TYPE_LABELS,
    REVIEW_CADENCES,
    Membership,
    Partnership,
    PartnershipStatus,
    PartnershipType,
)
from app.rules import RuleViolation

# The details that change only with every party's agreement, in the order the page lists them.
FIELDS = {
    "name": "Name",
    "type": "Type",
    "purpose": "Purpose",
    "status": "Status",
    "start_date": "Start date",
    "review_cadence_months": "Review cadence",
    "section_review_cadence_months": "Section review cadence",
    "maturity_cadence_months": "Maturity assessment cadence",
    "proposal_ttl_days": "Days a proposal stays open",
    "agreed_sections": "Agreed sections",
    "balance_band_points": "Give-and-get band",
}
PROPOSAL_TTL_RANGE = (1, 90)
BALANCE_BAND_RANGE = (5, 50)


def describe(field: str, value) -> str:
    """A stored value in the words the settings page uses."""
    if value is None:
        return "—"
    if field == "type":
        return PARTNERSHIP_TYPE_LABELS[PartnershipType(value)]
    if field == "status":
        return PartnershipStatus(value).label
    if field in ("review_cadence_months", "section_review_cadence_months"):
        return REVIEW_CADENCES.get(value, f"Every {value} months")
    if field == "maturity_cadence_months":
        return MATURITY_CADENCES.get(value, f"Every {value} months")
    if field == "start_date":
        return date.fromisoformat(value).strftime("%-d %B %Y")
    if field == "proposal_ttl_days":
        return f"{value} days"
    if field == "balance_band_points":
        return f"±{value} points of share"
    if field == "agreed_sections":
        return ("On: edits to signed sections are proposed to the other parties" if value
                else "Off: editors save sections directly")
    return str(value)


def _stored(partnership: Partnership, field: str):
    value = getattr(partnership, field)
    return value.isoformat() if isinstance(value, date) else value


def changes_between(partnership: Partnership, values: dict) -> dict:
    """{field: [current, proposed]} for each field whose value would change."""
    changes = {}
    for field in FIELDS:
        if field not in values:
            continue
        new = values[field]
        if isinstance(new, date):
            new = new.isoformat()
        if isinstance(new, str) and field != "start_date":
            new = new.strip()
        old = _stored(partnership, field)
        if old != new:
            changes[field] = [old, new]
    return changes


def check_values(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise RuleViolation("Give the partnership a name.", "name")
    if values.get("type") not in set(PartnershipType):
        raise RuleViolation("Choose a type from the list.", "type")
    if not (values.get("purpose") or "").strip():
        raise RuleViolation("Say what the partnership is for.", "purpose")
    if values.get("status") not in set(PartnershipStatus):
        raise RuleViolation("Choose a status from the list.", "status")
    for field in ("review_cadence_months", "section_review_cadence_months"):
        if values.get(field) not in REVIEW_CADENCES:
            raise RuleViolation("Choose a cadence from the list.", field)
    if "maturity_cadence_months" in values and values["maturity_cadence_months"] not in MATURITY_CADENCES:
        raise RuleViolation("Choose a cadence from the list.", "maturity_cadence_months")
    low, high = PROPOSAL_TTL_RANGE
    ttl = values.get("proposal_ttl_days")
    if not isinstance(ttl, int) or not low <= ttl <= high:
        raise RuleViolation(f"Enter a number of days from {low} to {high}.", "proposal_ttl_days")
    low, high = BALANCE_BAND_RANGE
    band = values.get("balance_band_points", low)
    if not isinstance(band, int) or isinstance(band, bool) or not low <= band <= high:
        raise RuleViolation(f"Enter a band from {low} to {high} points.", "balance_band_points")


def summary_of(changes: dict) -> str:
    if list(changes) == ["agreed_sections"]:
        return "Switch agreed sections " + ("on" if changes["agreed_sections"][1] else "off")
    if list(changes) == ["status"]:
        return f"Change the partnership's status to {describe('status', changes['status'][1])}"
    names = [FIELDS[field].lower() for field in changes]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Change the partnership's {listed}"


def propose_changes(membership: Membership, values: dict, *, reason: str = "") -> consent.Proposal | None:
    """Propose the changed details (None when nothing would change)."""
    check_values(values)
    partnership = membership.partnership
    changes = changes_between(partnership, values)
    if not changes:
        return None
    return consent.propose(membership, "profile", {"changes": changes}, summary=summary_of(changes), reason=reason)


def _check(proposal) -> str | None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    for field, (old, _new) in proposal.payload["changes"].items():
        if _stored(partnership, field) != old:
            return f"the {FIELDS[field].lower()} changed since it was proposed."
    return None


def _apply(proposal, membership: Membership) -> None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    why_not = _check(proposal)
    if why_not:
        raise Lapsed(why_not)
    changes = proposal.payload["changes"]
    for field, (_old, new) in changes.items():
        setattr(partnership, field, date.fromisoformat(new) if field == "start_date" else new)
    db.session.flush()
    record_event(
        "partnership.updated", actor=proposal.proposed_by, partnership_id=partnership.id,
        party_id=proposal.proposed_by_party_id, obj=partnership,
        details={**{field: [_short(old), _short(new)] for field, (old, new) in changes.items()},
                 "proposal": proposal.id},
    )


def _short(value, limit: int = 200):
    return value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value


PROPOSAL_KIND = Kind(
    key="profile",
    label="Change the partnership's details",
    template="consent/kinds/profile.html",
    apply=_apply,
    check=_check,
    target=lambda payload: "profile",
)
