"""What the pages of other features show of attachments, as template globals: the evidence of a
section and its items (the section page), of an improvement action (its page), and of each
measure's actuals (a party's own assessment, and the results once revealed).

The features below attachments never import it; their templates ask `evidence_of_*` when it is
defined, as the section page asks plan versions for a section's agreed state."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, request

from app.attachments import filetypes
from app.attachments.forms import AttachForm
from app.attachments.places import Target, action_target, actual_target, item_target, section_target
from app.attachments.services import Shown, attachments_at, can_change
from app.extensions import db
from app.forms import choices as select_choices
from app.partnerships.access import current_membership
from app.review_cycle.models import Assessment


@dataclass
class Place:
    """One place on a page, with what is attached there."""

    target: Target
    label: str
    anchor: str  # where the place itself is on the page ("item-r-1f…"), or ""
    shown: list[Shown]


@dataclass
class Evidence:
    """What a page block shows: the places, their attachments, and the form to attach to them."""

    places: list[Place]
    form: AttachForm | None  # None when the member may attach to none of them
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(place.shown) for place in self.places)

    @property
    def any(self) -> bool:
        return self.count > 0

    @property
    def files_by_item(self) -> dict[str, tuple[int, int]]:
        """Item id -> (how many files it has, the first one's attachment id), for its table row."""
        return {place.target.item_id: (len(place.shown), place.shown[0].attachment.id)
                for place in self.places if place.target.kind == "item" and place.shown}


def _evidence(places: list[Place]) -> Evidence:
    membership = current_membership()
    found = attachments_at(membership, [p.target for p in places])
    for place in places:
        place.shown = found.get(place.target.ref, [])
    choices = [(p.target.ref, p.label) for p in places if can_change(membership, p.target)]
    form = None
    if choices:
        form = AttachForm(formdata=None, next=request.full_path.rstrip("?"))
        form.place.choices = select_choices(choices)
    return Evidence(places, form, choices)


def evidence_of_section(body) -> Evidence:
    """The section's own files and each item's (items in the plan's order), from its SectionBody."""
    places = [Place(section_target(body.key), f"The {body.type.title} section", "", [])]
    for table in body.tables:
        for row in table.rows:
            places.append(Place(item_target(body.key, row.id), f"{table.kind.singular}: {row.title}",
                                f"item-{row.id}", []))
    return _evidence(places)


def evidence_of_action(action) -> Evidence:
    return _evidence([Place(action_target(action.id), f"The action “{action.title}”", "", [])])


def evidence_of_actuals(cycle, assessment) -> Evidence:
    """The evidence of one party's actuals in a cycle, one place per measure."""
    if assessment is None:
        return Evidence([], None)
    places = [Place(actual_target(assessment.id, str(m.get("id"))), m.get("name", "Measure"), "", [])
              for m in cycle.measures or []]
    return _evidence(places)


def file_type_label(type_key: str) -> str:
    found = filetypes.TYPES.get(type_key)
    return found.label if found is not None else type_key


def add_template_globals(app: Flask) -> None:
    app.add_template_global(file_type_label, "file_type_label")
    app.add_template_global(evidence_of_section, "evidence_of_section")
    app.add_template_global(evidence_of_action, "evidence_of_action")
    app.add_template_global(evidence_of_actuals, "evidence_of_actuals")
    app.add_template_global(evidence_of_revealed_actuals, "evidence_of_revealed_actuals")


def evidence_of_revealed_actuals(cycle) -> list[tuple[str, Evidence]]:
    """Each party's evidence for its actuals that the member may see on the results (its own
    party's, and the others' as submitted once revealed), by party, leaving out parties with none."""
    found = []
    for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.cycle_id == cycle.id)
                                         .order_by(Assessment.party_id)):
        evidence = evidence_of_actuals(cycle, assessment)
        evidence.form = None  # evidence is attached on the assessment, while it is a draft
        if evidence.any:
            found.append((assessment.party.name, evidence))
    return found
