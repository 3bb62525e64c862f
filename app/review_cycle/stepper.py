"""The guided stepper: the four stages, where the cycle is, what each stage needs and who is
outstanding ("Waiting for Contoso Manufacturing to submit its assessment"). It knows only
whether a party submitted, never what it wrote."""

from dataclasses import dataclass, field
from datetime import date

from app.partnerships.parties import RecordParty
from app.review_cycle.assessments import Submission, submissions
from app.review_cycle.cycles import parties_waited_for, stage_due_dates
from app.review_cycle.models import CLOSED, STAGE_LABELS, ReviewCycle, StageAgreement
from app.review_cycle.stages import live_agreements

NEEDS = {
    "review": "Each party scores every health dimension, records the actuals of the measures it owns, "
              "and submits. Scores stay hidden until every party has submitted.",
    "adapt": "Agree what changes in how you work, and change the plan where it should say so.",
    "improve": "Commit to improvement actions: an owner party and person, a due date, what each improves.",
    "maturity_review": "Each party rates every maturity dimension on the five levels, notes its evidence, and "
                       "submits. Ratings stay hidden until every party has submitted.",
    "maturity_improve": "Commit to the actions that raise maturity where it is lowest or the parties see it "
                        "differently: an owner party and person, a due date, the dimension each improves.",
    "maturity_operate": "Work the actions through until the next assessment and keep their status current; "
                        "close the assessment together when they are done.",
    "operate": "Work the actions through the period and keep their status current; close the cycle "
               "together when the period is done.",
}


@dataclass
class Step:
    key: str
    label: str
    state: str  # "done", "current" or "upcoming"
    due: date
    needs: str


@dataclass(frozen=True)
class Waiting:
    """A party the stage waits for, and for what ("submit its assessment"). Pages word it for
    the reader: nobody is told their own party is being waited for as if it were another."""

    party: object
    what: str

    def line_for(self, party_id: int | None) -> str:
        if self.party.id == party_id:
            return f"{self.party.name} (your party) has yet to {self.what}"
        return f"Waiting for {self.party.name} to {self.what}"


@dataclass
class Stepper:
    cycle: ReviewCycle
    steps: list[Step]
    submissions: list[Submission]
    agreements: dict[int, StageAgreement]  # party id -> live agreement to leave the current stage
    parties: list[RecordParty]
    waiting: list["Waiting"] = field(default_factory=list)
    overdue: bool = False

    @property
    def all_submitted(self) -> bool:
        return all(s.submitted_at for s in self.submissions)


def stepper(cycle: ReviewCycle, today: date) -> Stepper:
    dues = stage_due_dates(cycle)
    order = cycle.stages
    position = len(order) if cycle.stage == CLOSED else order.index(cycle.stage)
    needs = {key: NEEDS.get(f"{cycle.kind}_{key}", NEEDS[key]) for key in order}
    steps = [
        Step(key, STAGE_LABELS[key], "done" if i < position else ("current" if i == position else "upcoming"),
             dues[key], needs[key])
        for i, key in enumerate(order)
    ]
    subs = submissions(cycle)
    # Whom the stage waits for: the cycle's parties, but no longer one that left the partnership.
    parties = parties_waited_for(cycle) if cycle.stage != CLOSED else [s.party for s in subs]
    waited = {p.id for p in parties}
    agreements = {a.party_id: a for a in live_agreements(cycle)} if cycle.stage != CLOSED else {}
    waiting = []
    if cycle.stage == "review" and cycle.revealed_at is None:
        waiting = [Waiting(s.party, "submit its assessment") for s in subs
                   if s.submitted_at is None and s.party.id in waited]
    elif cycle.stage != CLOSED:
        what = ("close the assessment" if cycle.is_maturity else "close the cycle") if cycle.stage == order[-1] \
            else f"move on to {STAGE_LABELS[order[order.index(cycle.stage) + 1]]}"
        waiting = [Waiting(p, f"agree to {what}") for p in parties if p.id not in agreements]
    overdue = cycle.stage != CLOSED and dues[cycle.stage] < today
    return Stepper(cycle, steps, subs, agreements, parties, waiting, overdue)
