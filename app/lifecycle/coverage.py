"""Where a partnership stands in the lifecycle, and how well each stage is evidenced.

The stage is derived from the partnership's status and evidence, so the two never disagree:
a partnership that is exiting is in the exit stage, and only an exiting or ended one is.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.lifecycle.evidence import Snapshot
from app.lifecycle.stages import RULES, STAGE_COUNT, STAGES, Finding, Place, Rule, Stage
from app.links import path_for
from app.partnerships.access import Permission
from app.partnerships.models import PartnershipStatus

_NUMBER = {stage.key: stage.number for stage in STAGES}
PARTNER_SELECTION = _NUMBER["partner_selection"]
WORKING_TOGETHER = _NUMBER["working_together"]
VALUE_CREATION = _NUMBER["value_creation"]
STAYING_TOGETHER = _NUMBER["staying_together"]
EXIT = _NUMBER["exit_strategy_activation"]
# Who may add what a rule misses, told to those who may not.
WHO_ADDS = {Permission.EDIT_PLAN: "Editors and admins add it", Permission.EDIT_PARTNERSHIP: "Admins add it",
            Permission.INVITE: "Admins add it", Permission.VIEW_AUDIT: "Admins see it"}
# The evidence that says the partners have chosen each other.
SELECTION_RULES = ("parties-joined", "commercial-terms")


@dataclass(frozen=True)
class Position:
    number: int
    completed: bool = False  # the exit is carried out: the partnership has ended

    @property
    def stage(self) -> Stage:
        return STAGES[self.number - 1]

    @property
    def label(self) -> str:
        return "Exit completed" if self.completed else self.stage.name


def current_position(snapshot: Snapshot) -> Position:
    """The stage the partnership is in: exiting and ended partnerships are in the exit stage (the
    latter with its exit completed); forming ones select their partner until they have chosen
    one (the other party joined and terms recorded) or signed a plan; active ones work together,
    create value once a review's results are in and stay together once a review has closed,
    provided every party signed the plan."""
    status = PartnershipStatus(snapshot.status)
    if status is PartnershipStatus.ENDED:
        return Position(EXIT, completed=True)
    if status is PartnershipStatus.EXITING:
        return Position(EXIT)
    if status is PartnershipStatus.FORMING:
        chosen = snapshot.baseline is not None or all(RULES[r].check(snapshot).met for r in SELECTION_RULES)
        return Position(WORKING_TOGETHER if chosen else PARTNER_SELECTION)
    if snapshot.baseline is None:
        return Position(WORKING_TOGETHER)
    if snapshot.closed:
        return Position(STAYING_TOGETHER)
    if snapshot.revealed:
        return Position(VALUE_CREATION)
    return Position(WORKING_TOGETHER)


@dataclass(frozen=True)
class Link:
    path: str
    label: str
    adds: bool  # it leads to where the missing evidence is added


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    finding: Finding
    due: bool
    link: Link | None
    who_adds: str | None = None  # for a reader who may not add what is missing

    @property
    def short(self) -> bool:
        return self.due and not self.finding.met


@dataclass(frozen=True)
class StageCoverage:
    stage: Stage
    results: list[RuleResult]
    position: str  # "done", "current" or "ahead"

    @property
    def met(self) -> int:
        return sum(1 for r in self.results if r.finding.met)

    @property
    def short(self) -> bool:
        return any(r.short for r in self.results)

    @property
    def state(self) -> str:
        """covered (every rule met), short (a due rule unmet), so_far (every due rule met, others
        not due yet) or later (no rule due yet)."""
        if self.met == len(self.results):
            return "covered"
        if self.short:
            return "short"
        return "so_far" if any(r.due for r in self.results) else "later"


@dataclass(frozen=True)
class LifecycleMap:
    position: Position
    stages: list[StageCoverage]

    @property
    def short(self) -> list[StageCoverage]:
        return [s for s in self.stages if s.short]

    @property
    def covered(self) -> list[StageCoverage]:
        return [s for s in self.stages if s.state == "covered"]

    @property
    def count(self) -> int:
        return STAGE_COUNT


def _link(place: Place, snapshot: Snapshot, adds: bool) -> Link | None:
    values = place.values(snapshot)
    if values is None:
        return _link(place.fallback, snapshot, adds) if place.fallback is not None else None
    path = path_for(place.endpoint, partnership_id=snapshot.partnership_id, _anchor=place.anchor, **values)
    return Link(path, place.label, adds)


def _result(rule: Rule, stage: Stage, snapshot: Snapshot, position: Position,
            may: Callable[[object], bool]) -> RuleResult:
    finding = rule.check(snapshot)
    due = (rule.due_from or stage.number) <= position.number
    link, who_adds = None, None
    if not finding.met:
        if may(rule.add_at.permission):
            link = _link(rule.add_at, snapshot, adds=True)
        else:
            who_adds = WHO_ADDS.get(rule.add_at.permission)
    if link is None and may(rule.evidence_at.permission):
        link = _link(rule.evidence_at, snapshot, adds=False)
    return RuleResult(rule, finding, due, link, who_adds)


def lifecycle_map(snapshot: Snapshot, may: Callable[[object], bool]) -> LifecycleMap:
    """Every stage with its rules checked. `may(permission)` says which pages the reader may open:
    a link goes where the missing evidence is added for those allowed to add it, otherwise to where
    the evidence lives (when the reader may see it)."""
    position = current_position(snapshot)
    stages = []
    for stage in STAGES:
        where = "done" if stage.number < position.number or position.completed else (
            "current" if stage.number == position.number else "ahead")
        stages.append(StageCoverage(stage, [_result(rule, stage, snapshot, position, may) for rule in stage.rules],
                                    where))
    return LifecycleMap(position, stages)
