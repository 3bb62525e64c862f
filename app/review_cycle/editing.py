"""A section editor opened from a review cycle (Adapt: `?cycle=<id>&adaptation=<id>`) says so,
and the revision it saves is linked to the cycle (plan_sections.signals)."""

from app.inputs import parse_id
from app.plan_sections.signals import EditorPart
from app.review_cycle.cycles import cycle_of
from app.review_cycle.improvement import link_revision

FEATURE = "review_cycle"


def editor_opened_receiver(membership, *, values, **_kwargs) -> EditorPart | None:
    """The open cycle the editor was opened from (carried by the form), if any."""
    cycle_id = parse_id(values.get("cycle", ""))
    cycle = cycle_of(membership.partnership_id, cycle_id) if cycle_id is not None else None
    if cycle is None or not cycle.is_open:
        return None
    return EditorPart(FEATURE, "review_cycle/_in_editor.html", {
        "cycle_id": cycle.id, "period": cycle.period, "adaptation_id": parse_id(values.get("adaptation", "")),
    })


def edit_saved_receiver(membership, *, revision, parts, **_kwargs) -> None:
    for part in parts:
        if part.feature == FEATURE:
            link_revision(membership, part.values["cycle_id"], revision, part.values["adaptation_id"])
