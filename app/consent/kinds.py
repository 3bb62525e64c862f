"""What a proposal can change: each kind registers how it is shown and how it is applied.

A feature that routes a change through consent adds a `Kind` to `KINDS` from its `init_app`
and calls `app.consent.services.propose` instead of making the change. When every
other party has agreed, `apply` makes the change in the same transaction as the last
agreement; if the change no longer applies (the version was signed meanwhile, the section
moved on), `check` or `apply` raises `Lapsed` and the proposal lapses, changing nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.registries import Registry
from app.rules import RuleViolation


class ConsentError(RuleViolation):
    """A request a proposal cannot take: `status` is the HTTP answer (400, 403, 409).

    `ended` says the refusal found the proposal over (it expired, or the parties changed) and
    ended it: the caller commits that ending (status, audit event, notifications) rather than
    rolling it back, so the next person sees it decided.
    """

    def __init__(self, message: str, status: int = 409, field: str | None = None, *, ended: bool = False):
        super().__init__(message, field)
        self.status = status
        self.ended = ended


class Lapsed(Exception):  # noqa: N818 - an outcome, not an error in the program
    """The proposed change no longer applies; the message says why, in words for the page."""


def _never(_proposal) -> str | None:
    return None


def _open_to_all(_proposal, _party_id: int | None) -> bool:
    return True


def _nothing(_proposal) -> None:
    return None


@dataclass(frozen=True)
class Kind:
    key: str
    # What such a proposal does, for lists and notification settings ("Admit a new party").
    label: str
    # A partial template saying exactly what will change; it gets `proposal`, `payload` and
    # `details_visible` (False for a party that may only learn that it was asked).
    template: str
    # apply(proposal, last_agreeing_membership): make the agreed change (in a savepoint: if it
    # raises Lapsed, what it began is undone; the agreement itself is kept).
    apply: Callable
    # Whose agreement counts for each other party: "admin", or "signatory" (its signatories).
    answered_by: str = "admin"
    # Who may propose it: a party's "admin", or any "editor" (admins too) for a change to the
    # plan's text, which editors write (an agreed section change).
    proposed_by: str = "admin"
    # check(proposal) -> why it no longer applies, or None. Run when shown and before applying.
    check: Callable = _never
    # target(payload) -> what it changes ("version:7"): one open proposal per target.
    target: Callable | None = None
    # details_visible(proposal, viewer_party_id): may this party read what is proposed?
    # (A correction asked for before the reveal tells the other parties only that it was.)
    details_visible: Callable = _open_to_all
    # ended(proposal): after it was declined, withdrawn, expired or lapsed (e.g. a declined
    # section change is kept in the section's history as declined).
    ended: Callable = _nothing

    def __post_init__(self) -> None:
        if self.answered_by not in ("admin", "signatory"):
            raise ValueError(f"{self.key}: answered_by must be 'admin' or 'signatory'")
        if self.proposed_by not in ("admin", "editor"):
            raise ValueError(f"{self.key}: proposed_by must be 'admin' or 'editor'")


KINDS = Registry[Kind]("proposal_kinds", key=lambda kind: kind.key)


def get_kind(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise ValueError(f"unknown proposal kind {key!r}")
    return kind
