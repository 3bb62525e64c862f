"""What a maturity assessment scores: seven dimensions of how the parties work together, each
rated on five levels. Written in our own words; the same for every partnership, so a
partnership's assessments compare over the years."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MaturityDimension:
    key: str
    name: str
    question: str  # what a party asks itself when it rates this dimension


@dataclass(frozen=True)
class MaturityLevel:
    number: int
    name: str
    description: str


DIMENSIONS = (
    MaturityDimension("leadership", "Leadership",
                      "Do senior people on every side sponsor the relationship visibly and hold it to its purpose?"),
    MaturityDimension("governance", "Governance",
                      "Are roles, decision rights, escalation and joint approvals clear, used and kept up to date?"),
    MaturityDimension("value_creation", "Value creation",
                      "Do the parties agree what value they create together, measure it and share it fairly?"),
    MaturityDimension("risk", "Risk",
                      "Are joint risks found early, owned by a named party and person, and worked down together?"),
    MaturityDimension("knowledge_sharing", "Knowledge sharing",
                      "Does what each party knows reach the people who need it, within agreed rules on IP and data?"),
    MaturityDimension("behaviours", "Behaviours",
                      "Do people keep promises, raise problems openly and act for the joint outcome?"),
    MaturityDimension("exit_readiness", "Exit readiness",
                      "Could the parties part in good order: triggers, steps and the disposition of assets agreed?"),
)

LEVELS = (
    MaturityLevel(1, "Initial", "Ad hoc: it depends on individuals and happens when someone remembers."),
    MaturityLevel(2, "Developing", "Some practice exists on each side, but it is uneven and not yet joint."),
    MaturityLevel(3, "Defined", "An agreed joint way of working is written down and generally followed."),
    MaturityLevel(4, "Managed", "The joint practice is measured, reviewed on schedule and corrected when it slips."),
    MaturityLevel(5, "Optimising", "The parties improve the practice together as a habit, and others learn from it."),
)
LEVEL_NAMES = {level.number: level.name for level in LEVELS}


def level_name(value: float | None) -> str | None:
    """The level a mean rating has reached (3.6 is Defined: level 4 is not reached yet)."""
    if value is None:
        return None
    return LEVEL_NAMES[max(1, min(5, int(value + 1e-9)))]
