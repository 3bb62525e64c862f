"""The places an attachment hangs on: a section, an item of a section, an improvement action, a
party's actual of a measure in a review. How a form names one (`Target.ref`), whether it exists in
a partnership, how a page names it and where it is shown."""

from dataclasses import dataclass

from app.attachments.models import Attachment
from app.extensions import db
from app.links import path_for
from app.plan_sections.reading import current_content
from app.plan_sections.registry import get_section_type
from app.review_cycle.models import Assessment, ImprovementAction, ReviewCycle


@dataclass(frozen=True)
class Target:
    """Where an attachment hangs, as the forms and URLs name it."""

    kind: str
    section_key: str | None = None
    item_id: str | None = None
    action_id: int | None = None
    assessment_id: int | None = None
    measure_id: str | None = None

    @property
    def ref(self) -> str:
        if self.kind == "section":
            return f"section:{self.section_key}"
        if self.kind == "item":
            return f"item:{self.section_key}:{self.item_id}"
        if self.kind == "action":
            return f"action:{self.action_id}"
        return f"actual:{self.assessment_id}:{self.measure_id}"

    @classmethod
    def of(cls, attachment: Attachment) -> "Target":
        return cls(attachment.target_kind, attachment.section_key, attachment.item_id, attachment.action_id,
                   attachment.assessment_id, attachment.measure_id)


def section_target(section_key: str) -> Target:
    return Target("section", section_key=section_key)


def item_target(section_key: str, item_id: str) -> Target:
    return Target("item", section_key=section_key, item_id=item_id)


def action_target(action_id: int) -> Target:
    return Target("action", action_id=action_id)


def actual_target(assessment_id: int, measure_id: str) -> Target:
    return Target("actual", assessment_id=assessment_id, measure_id=measure_id)


# --- Places -----------------------------------------------------------------------------------


def find_item(partnership_id: int, section_key: str, item_id: str) -> tuple[str, dict] | None:
    """(kind key, item) of the item with this id in the section's current content, or None."""
    for kind_key, items in (current_content(partnership_id, section_key).get("items") or {}).items():
        for item in items:
            if item.get("id") == item_id:
                return kind_key, item
    return None


def cycle_of_assessment(assessment_id: int) -> tuple[Assessment, ReviewCycle] | None:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        return None
    return assessment, db.session.get(ReviewCycle, assessment.cycle_id)


def check_target(partnership_id: int, target: Target) -> None:
    """LookupError unless the place exists in this partnership (a form naming another's finds nothing)."""
    if target.kind in ("section", "item"):
        if not target.section_key or get_section_type(target.section_key) is None:
            raise LookupError(target.ref)
        if target.kind == "item" and find_item(partnership_id, target.section_key, target.item_id or "") is None:
            raise LookupError(target.ref)
    elif target.kind == "action":
        action = db.session.get(ImprovementAction, target.action_id) if target.action_id else None
        if action is None or action.partnership_id != partnership_id:
            raise LookupError(target.ref)
    elif target.kind == "actual":
        found = cycle_of_assessment(target.assessment_id) if target.assessment_id else None
        if found is None or found[1].partnership_id != partnership_id:
            raise LookupError(target.ref)
        if target.measure_id not in {str(m.get("id")) for m in found[1].measures or []}:
            raise LookupError(target.ref)
    else:
        raise LookupError(target.kind)


def item_place(section_type, item_kind, item: dict) -> str:
    """An item as a place, by its title as stored: "Risk assessment: Supplier insolvency"."""
    value = item.get(item_kind.title) if item_kind is not None else None
    label = value.strip() if isinstance(value, str) else ""
    return f"{section_type.title}: {label}" if label else section_type.title


def describe_target(attachment: Attachment) -> str:
    """The place in words, for the audit trail and pages: "Risk register: Supplier insolvency"."""
    return describe_place(attachment.partnership_id, Target.of(attachment))


def describe_place(partnership_id: int, target: Target) -> str:
    if target.kind in ("section", "item"):
        section_type = get_section_type(target.section_key)
        title = section_type.title if section_type else target.section_key
        if target.kind == "section":
            return title
        found = find_item(partnership_id, target.section_key, target.item_id)
        if found is None:
            return f"{title}: an item since removed"
        kind_key, item = found
        return item_place(section_type, section_type.kind_by_key.get(kind_key), item)
    if target.kind == "action":
        action = db.session.get(ImprovementAction, target.action_id)
        return f"Improvement action: {action.title}" if action else "Improvement action"
    found = cycle_of_assessment(target.assessment_id)
    if found is None:
        return "A measure's actual"
    assessment, cycle = found
    names = {str(m.get("id")): m.get("name", "") for m in cycle.measures or []}
    return f"{cycle.title}: {assessment.party.name}'s actual of {names.get(target.measure_id, 'a measure')}"


def parse_place(ref: str | None) -> Target | None:
    """The place a form names ("item:risk_assessment:r-1"), or None when it names none."""
    parts = (ref or "").split(":")
    kind = parts[0]
    try:
        if kind == "section" and len(parts) == 2:
            return Target("section", section_key=parts[1])
        if kind == "item" and len(parts) == 3:
            return Target("item", section_key=parts[1], item_id=parts[2])
        if kind == "action" and len(parts) == 2:
            return Target("action", action_id=int(parts[1]))
        if kind == "actual" and len(parts) == 3:
            return Target("actual", assessment_id=int(parts[1]), measure_id=parts[2])
    except ValueError:
        return None
    return None


def place_path(attachment: Attachment, *, own_party_id: int | None = None) -> str:
    """Where the attachment is shown on its place's page (its anchor there). A party's actual is
    shown on its assessment to the party itself, on the results to the others."""
    anchor = f"attachment-{attachment.id}"
    kind = attachment.target_kind
    if kind in ("section", "item"):
        return path_for("coediting.section", partnership_id=attachment.partnership_id,
                        section_key=attachment.section_key, _anchor=anchor)
    if kind == "action":
        action = db.session.get(ImprovementAction, attachment.action_id)
        return path_for("review_cycle.action", partnership_id=attachment.partnership_id, cycle_id=action.cycle_id,
                        action_id=action.id, _anchor=anchor)
    assessment = db.session.get(Assessment, attachment.assessment_id)
    endpoint = "review_cycle.assessment" if assessment.party_id == own_party_id else "review_cycle.results"
    return path_for(endpoint, partnership_id=attachment.partnership_id, cycle_id=assessment.cycle_id, _anchor=anchor)
