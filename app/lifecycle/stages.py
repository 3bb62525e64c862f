"""The eight stages of a collaborative relationship's lifecycle, and the evidence each one asks for.

This module is the mapping, kept as data: each stage lists its rules; each rule has an id, a short
explanation in Jointly's own words, a check over a loaded `Snapshot` of the partnership, the page
where its evidence lives and the page where someone adds what is missing. Adding a rule is one
entry here (and its tests); nothing else branches on stages or rules.

A rule is due from its own stage on, or from an earlier one (`due_from`): the exit plan is
written while the partners work together, long before anyone activates it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.lifecycle.evidence import Snapshot
from app.partnerships.access import Permission
from app.plan_sections.registry import get_section_type


@dataclass(frozen=True)
class Place:
    """A page of the partnership: where evidence is read, or where it is added.

    `values(snapshot)` gives the route's values besides the partnership id, or None when the
    page does not exist for this partnership (no signed version to show yet)."""

    endpoint: str
    label: str
    values: Callable[[Snapshot], dict | None] = lambda _snapshot: {}
    anchor: str | None = None
    permission: Permission = Permission.VIEW
    fallback: "Place | None" = None  # where to go when this page does not exist yet


@dataclass(frozen=True)
class Finding:
    met: bool
    evidence: tuple[str, ...] = ()  # what Jointly holds, one short line each
    missing: str | None = None  # what is not there yet


@dataclass(frozen=True)
class Rule:
    id: str
    explanation: str
    check: Callable[[Snapshot], Finding]
    evidence_at: Place
    add_at: Place
    due_from: int | None = None  # a stage number; None: the rule's own stage


@dataclass(frozen=True)
class Stage:
    number: int
    key: str
    name: str
    summary: str
    rules: tuple[Rule, ...]


# -- places ---------------------------------------------------------------------------------------

def _title(section_key: str) -> str:
    return get_section_type(section_key).title


def section_page(section_key: str) -> Place:
    return Place("coediting.section", _title(section_key), lambda _s: {"section_key": section_key})


def section_editor(section_key: str, kind_key: str | None = None) -> Place:
    label = f"Add to {_title(section_key)}" if kind_key else f"Edit {_title(section_key)}"
    return Place("coediting.edit", label, lambda _s: {"section_key": section_key},
                 anchor=f"kind-{kind_key}" if kind_key else None, permission=Permission.EDIT_PLAN)


OVERVIEW = Place("partnerships.show", "Overview")
SETTINGS = Place("consent.settings", "Change it in Settings", permission=Permission.EDIT_PARTNERSHIP)
MEMBERS = Place("partnerships.members", "Members")
INVITE = Place("invitations.new", "Invite a party", permission=Permission.INVITE)
VERSIONS = Place("plan_versions.index", "Versions")
ISSUE_VERSION = Place("plan_versions.new", "Issue a version for signature", permission=Permission.EDIT_PARTNERSHIP)
REVIEWS = Place("review_cycle.index", "Reviews")
RUN_REVIEWS = Place("review_cycle.index", "Go to the reviews", permission=Permission.EDIT_PARTNERSHIP)
PLAN = Place("plan_sections.overview", "Plan")
REVIEW_SECTIONS = Place("plan_sections.overview", "Bring the plan up to date", permission=Permission.EDIT_PLAN)
AUDIT_TRAIL = Place("audit_trail.trail", "Audit trail", lambda _s: {"action": "partnership.updated"},
                    permission=Permission.VIEW_AUDIT)


def _latest_signed(snapshot: Snapshot) -> dict | None:
    return {"version_id": snapshot.baseline.id} if snapshot.baseline else None


def _latest_revealed(snapshot: Snapshot) -> dict | None:
    return {"cycle_id": snapshot.revealed[-1].id} if snapshot.revealed else None


def _latest_closed(snapshot: Snapshot) -> dict | None:
    return {"cycle_id": snapshot.closed[-1].id} if snapshot.closed else None


def _latest_action(snapshot: Snapshot) -> dict | None:
    return {"cycle_id": snapshot.actions[-1].cycle_id} if snapshot.actions else None


SIGNED_VERSION = Place("plan_versions.show", "Signed version", _latest_signed, fallback=VERSIONS)
RESULTS = Place("review_cycle.results", "Review results", _latest_revealed, fallback=REVIEWS)
REPORT = Place("review_cycle.report_page", "Review report", _latest_closed, fallback=REVIEWS)
CYCLE_ACTIONS = Place("review_cycle.show", "Review and its actions", _latest_action, fallback=REVIEWS)


# -- checks ---------------------------------------------------------------------------------------

def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def has_items(section_key: str, kind_key: str, noun: str, nouns: str | None = None) -> Callable[[Snapshot], Finding]:
    """At least one item of `kind_key` in the section."""

    def check(snapshot: Snapshot) -> Finding:
        count = len(snapshot.items(section_key, kind_key))
        if count:
            return Finding(True, (f"{_plural(count, noun, nouns)} in {_title(section_key)}",))
        return Finding(False, missing=f"No {noun} in {_title(section_key)} yet")

    return check


def from_every_party(section_key: str, kind_key: str, party_field: str, noun: str,
                     nouns: str | None = None) -> Callable[[Snapshot], Finding]:
    """At least one item of `kind_key` per party taking part, the party named in `party_field`."""

    def check(snapshot: Snapshot) -> Finding:
        items = snapshot.items(section_key, kind_key)
        covered = {item.get(party_field) for item in items}
        lacking = [snapshot.party_names.get(p, "a party") for p in snapshot.party_ids if p not in covered]
        parties = _plural(len(snapshot.party_ids), "party", "parties")
        evidence = (f"{_plural(len(items), noun, nouns)} in {_title(section_key)}, from "
                    f"{len(snapshot.party_ids) - len(lacking)} of {parties}",) if items else ()
        if lacking:
            return Finding(False, evidence, f"None for {', '.join(lacking)} yet")
        return Finding(True, evidence)

    return check


def purpose_stated(snapshot: Snapshot) -> Finding:
    if snapshot.purpose.strip():
        return Finding(True, ("The partnership's purpose statement",))
    return Finding(False, missing="No purpose statement")


def parties_joined(snapshot: Snapshot) -> Finding:
    count = len(snapshot.party_ids)
    if count >= 2:
        return Finding(True, (f"{_plural(count, 'party', 'parties')} take part",))
    return Finding(False, missing="Only one organisation takes part so far")


def commercial_terms(snapshot: Snapshot) -> Finding:
    model = snapshot.fields("commercial_agreement").get("contract_model")
    clauses = snapshot.items("commercial_agreement", "clauses")
    evidence = tuple(line for line in (
        "The contract model is recorded" if model else None,
        f"{_plural(len(clauses), 'key clause')} recorded" if clauses else None,
    ) if line)
    return Finding(True, evidence) if evidence else Finding(
        False, missing="Neither a contract model nor a key clause is recorded")


def plan_signed(snapshot: Snapshot) -> Finding:
    if snapshot.baseline is None:
        return Finding(False, missing="No plan version is signed by every party yet")
    evidence = [f"{_plural(len(snapshot.signed_versions), 'signed version')}; the baseline is "
                f"{snapshot.baseline.label}, signed {snapshot.baseline.signed_at:%d %b %Y}"]
    recorded = [e for e in snapshot.events if e.action == "plan.version_baseline"]
    if recorded:
        evidence.append(f"Recorded in the audit trail: {_plural(len(recorded), 'signed baseline')}")
    return Finding(True, tuple(evidence))


def review_results(snapshot: Snapshot) -> Finding:
    revealed = snapshot.revealed
    if revealed:
        return Finding(True, (f"{_plural(len(revealed), 'review')} scored by every party, latest "
                              f"{revealed[-1].period}",))
    return Finding(False, missing="No review has been scored by every party yet")


def actions_agreed(snapshot: Snapshot) -> Finding:
    if snapshot.actions:
        return Finding(True, (f"{_plural(len(snapshot.actions), 'improvement action')} agreed in reviews",))
    return Finding(False, missing="No improvement action agreed in a review yet")


def review_closed(snapshot: Snapshot) -> Finding:
    closed = snapshot.closed
    if closed:
        return Finding(True, (f"{_plural(len(closed), 'review')} closed with every party's agreement, latest "
                              f"{closed[-1].period} (its report)",))
    return Finding(False, missing="No review has gone all the way round and closed yet")


def actions_done(snapshot: Snapshot) -> Finding:
    done = [a for a in snapshot.actions if a.status == "done"]
    if done:
        return Finding(True, (f"{_plural(len(done), 'improvement action')} done",))
    return Finding(False, missing="No improvement action is done yet")


def plan_current(snapshot: Snapshot) -> Finding:
    started = len(snapshot.contents)
    if not started:
        return Finding(False, missing="No section of the plan is written yet")
    stale = snapshot.stale_section_titles
    if stale:
        return Finding(False, (f"{started - len(stale)} of {_plural(started, 'written section')} current",),
                       f"Overdue for review: {', '.join(stale)}")
    return Finding(True, (f"Every written section ({started}) changed or reviewed within its cadence",))


def exit_decided(snapshot: Snapshot) -> Finding:
    recorded = snapshot.status_changes_to("exiting") + snapshot.status_changes_to("ended")
    if recorded:
        return Finding(True, tuple(
            f"Status changed to {e.details['status'][-1]} on {e.occurred_at:%d %b %Y} (audit trail)" for e in recorded))
    return Finding(False, missing="No decision to exit is on record")


# -- the stages -----------------------------------------------------------------------------------

BUSINESS_CASE, ORGANISATION, EXIT = "business_case", "organisational_arrangements", "exit_arrangements"

STAGES: tuple[Stage, ...] = (
    Stage(1, "operational_awareness", "Operational awareness",
          "Why the organisations work with partners at all, and what they expect this partnership to achieve.", (
              Rule("purpose-stated", "The partnership says in a sentence or two what it is for.",
                   purpose_stated, OVERVIEW, SETTINGS),
              Rule("objectives-set", "The business case names at least one objective with an owner.",
                   has_items(BUSINESS_CASE, "objectives", "objective"),
                   section_page(BUSINESS_CASE), section_editor(BUSINESS_CASE, "objectives")),
          )),
    Stage(2, "knowledge", "Knowledge",
          "What each side stands to gain, what could go wrong, and what knowledge is at stake.", (
              Rule("benefits-per-party", "Every party has at least one benefit it expects, written down.",
                   from_every_party(BUSINESS_CASE, "benefits", "party", "benefit"),
                   section_page(BUSINESS_CASE), section_editor(BUSINESS_CASE, "benefits")),
              Rule("risks-identified", "The risk assessment lists at least one risk to watch.",
                   has_items("risk_assessment", "risks", "risk"),
                   section_page("risk_assessment"), section_editor("risk_assessment", "risks")),
              Rule("knowledge-register", "The knowledge register records IP or know-how the partners bring or make.",
                   has_items("knowledge_management", "knowledge", "entry", "entries"),
                   section_page("knowledge_management"), section_editor("knowledge_management", "knowledge")),
          )),
    Stage(3, "internal_assessment", "Internal assessment",
          "Each organisation checks what it can bring and who on its side will carry the relationship.", (
              Rule("assets-from-every-party", "Every party puts at least one resource or capability on the register.",
                   from_every_party("asset_register", "assets", "party", "resource"),
                   section_page("asset_register"), section_editor("asset_register", "assets")),
              Rule("people-from-every-party", "Every party names at least one person and their role.",
                   from_every_party(ORGANISATION, "people", "party", "person", "people"),
                   section_page(ORGANISATION), section_editor(ORGANISATION, "people")),
          )),
    Stage(4, "partner_selection", "Partner selection",
          "The partners have found each other and settled the terms they work under.", (
              Rule("parties-joined", "At least two organisations take part in the workspace.",
                   parties_joined, MEMBERS, INVITE),
              Rule("commercial-terms", "The commercial agreement records its contract model or key clauses.",
                   commercial_terms, section_page("commercial_agreement"), section_editor("commercial_agreement")),
          )),
    Stage(5, "working_together", "Working together",
          "A jointly signed plan, and the bodies, ladders and channels the partners run it through.", (
              Rule("plan-signed", "Every party has signed a version of the plan.",
                   plan_signed, SIGNED_VERSION, ISSUE_VERSION),
              Rule("governance-bodies", "A joint governance body exists, with its members and decision rights.",
                   has_items(ORGANISATION, "governance_bodies", "governance body", "governance bodies"),
                   section_page(ORGANISATION), section_editor(ORGANISATION, "governance_bodies")),
              Rule("escalation-ladder", "Disagreements have a ladder to climb, level by level.",
                   has_items(ORGANISATION, "escalation_levels", "escalation level"),
                   section_page(ORGANISATION), section_editor(ORGANISATION, "escalation_levels")),
              Rule("communication-pattern", "The partners know where and how often they talk.",
                   has_items("communications", "channels", "forum or channel", "forums and channels"),
                   section_page("communications"), section_editor("communications", "channels")),
          )),
    Stage(6, "value_creation", "Value creation",
          "The partners measure what the relationship delivers and agree how to make it deliver more.", (
              Rule("measures-defined", "Joint performance measures say how success is counted.",
                   has_items(BUSINESS_CASE, "measures", "performance measure"),
                   section_page(BUSINESS_CASE), section_editor(BUSINESS_CASE, "measures")),
              Rule("initiatives", "The plan carries at least one improvement or innovation initiative.",
                   has_items("continuous_improvement", "initiatives", "initiative"),
                   section_page("continuous_improvement"), section_editor("continuous_improvement", "initiatives")),
              Rule("review-results", "A review has been scored blind by every party and its results shared.",
                   review_results, RESULTS, RUN_REVIEWS),
              Rule("actions-agreed", "A review ended in improvement actions with owners and due dates.",
                   actions_agreed, CYCLE_ACTIONS, RUN_REVIEWS),
          )),
    Stage(7, "staying_together", "Staying together",
          "The relationship is reviewed again and again, promises are kept and the plan stays current.", (
              Rule("review-closed", "A review has gone through every stage and closed with every party's agreement.",
                   review_closed, REPORT, RUN_REVIEWS),
              Rule("actions-done", "Improvement actions get done, not just agreed.",
                   actions_done, CYCLE_ACTIONS, RUN_REVIEWS),
              Rule("plan-current", "No written section of the plan is overdue for its review.",
                   plan_current, PLAN, REVIEW_SECTIONS),
          )),
    Stage(8, "exit_strategy_activation", "Exit strategy activation",
          "How the partners part well: planned while they work together, carried out when the time comes.", (
              Rule("exit-triggers", "The plan says what would end the partnership and the notice each side gives.",
                   has_items(EXIT, "triggers", "exit trigger"),
                   section_page(EXIT), section_editor(EXIT, "triggers"), due_from=5),
              Rule("disengagement-steps", "The steps of an orderly exit are listed, each with a responsible party.",
                   has_items(EXIT, "steps", "disengagement step"),
                   section_page(EXIT), section_editor(EXIT, "steps"), due_from=5),
              Rule("exit-decided", "Once the partners decide to part, the decision is on the record.",
                   exit_decided, AUDIT_TRAIL, SETTINGS),
          )),
)

STAGE_COUNT = len(STAGES)
RULES = {rule.id: rule for stage in STAGES for rule in stage.rules}
