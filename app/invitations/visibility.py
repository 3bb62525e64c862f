"""What a new party would see once it joins: said on the proposal to admit it, in numbers.

A party that joins sees the partnership as its members do: the whole working plan (the
commercial agreement too), every plan version and its PDF, the results of every review
cycle whose scores were revealed, the activity, the comments and the members of every party.

The features that hold those things answer `what_a_new_party_sees` (a blinker signal sent
with the proposal) with a `Seen`: one sentence, in the order they come on the page.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from blinker import Namespace

from app.extensions import db
from app.partnerships.models import Membership

_signals = Namespace()

what_a_new_party_sees = _signals.signal("what-a-new-party-sees")


@dataclass(frozen=True)
class Seen:
    order: int  # the plan 10, versions 20, review cycles 30, activity and comments 40
    line: str
    # What the open review cycle does about them (said by the review cycle), if it has anything to say.
    cycle_note: str | None = None


@dataclass(frozen=True)
class Visibility:
    lines: list[str]
    versions_note: str
    cycle_note: str


def plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def admission_visibility(proposal) -> Visibility:
    seen = sorted((answer for _receiver, answer in what_a_new_party_sees.send(proposal) if answer is not None),
                  key=lambda answer: answer.order)
    members = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.partnership_id == proposal.partnership_id))
    lines = [answer.line for answer in seen] + [
        f"The {plural(members, 'member')} of every party, with their names, roles and email addresses.",
        "Proposals to change the partnership from the day they join, and a say in each.",
    ]
    cycle_note = next((answer.cycle_note for answer in seen if answer.cycle_note), None) or (
        "they take part from the next cycle; closed cycles and their reports never change.")
    versions_note = ("signed versions stay signed by every party of that version; a version awaiting signatures "
                     "when they join still needs only its own parties.")
    return Visibility(lines, versions_note, cycle_note)
