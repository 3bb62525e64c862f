"""Proposal kinds registered for one consent test at a time."""

import pytest

from app.consent.kinds import KINDS, Kind, Lapsed
from app.extensions import db
from app.partnerships.models import Partnership


def _apply_purpose(proposal, _membership) -> None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    if proposal.payload.get("lapse_on_apply"):
        raise Lapsed("the test said so when applying.")
    partnership.purpose = proposal.payload["purpose"]


def _check_purpose(proposal) -> str | None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    expected = proposal.payload.get("only_if_name")
    if expected is not None and partnership.name != expected:
        return "the name is no longer the one it was proposed for."
    return None


@pytest.fixture
def signatory_kind(app):
    """A kind answered by each other party's signatory, added to this test's app."""
    return KINDS.add(app, Kind(
        key="test_signed_purpose", label="Set the purpose (signatories answer)",
        template="consent/kinds/profile.html", apply=_apply_purpose, answered_by="signatory",
        check=_check_purpose, target=lambda payload: payload.get("target", "purpose"),
    ))


@pytest.fixture
def checked_kind(app):
    """An admin-answered kind whose check lapses it when the name moved on."""
    return KINDS.add(app, Kind(
        key="test_checked_purpose", label="Set the purpose if the name is unchanged",
        template="consent/kinds/profile.html", apply=_apply_purpose, check=_check_purpose,
    ))
