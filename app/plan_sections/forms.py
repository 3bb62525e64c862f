"""The section edit form, built from the section type's declaration.

Inputs are named after where their value goes:

    narrative                          the Markdown narrative
    fields-<name>[-amount|-currency|-<party id>]
    items-<kind>-<n>-id                an item's stable id ("" for a new row)
    items-<kind>-<n>-<field>[...]      its values
    items-<kind>-<n>-remove            ticked: the row is dropped on save

Rows keep the order in which their `-id` inputs arrive, which is the page's order:
moving a row in the page (with the arrow buttons, or with script) reorders it. Every
value is kept as typed, so a form that fails validation comes back exactly as sent.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from app.inputs import parse_id
from app.plan_sections.context import PlanContext
from app.plan_sections.fields import FieldError
from app.plan_sections.schema import ITEM_ID, ITEMS_MAX, ItemKind, SectionType, normalise_narrative

_ROW_ID = re.compile(r"^items-([a-z_]+)-([0-9]{1,6})-id$")
FORM_CHANGED_KEEPING = (
    "This form was changed after the page gave it out (a hidden value is not one the editor set), "
    "so nothing was saved. Copy what you typed, reload the editor and make your changes again."
)


@dataclass
class Row:
    index: int
    id: str
    raw: dict[str, Any]
    removed: bool = False

    @property
    def is_new(self) -> bool:
        return not self.id


@dataclass
class EditState:
    """Everything the edit form shows: values as typed, and errors keyed by input name."""

    narrative: str
    fields: dict[str, Any]
    rows: dict[str, list[Row]]
    base_revision_id: int | None
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def next_index(self, kind_key: str) -> int:
        return max((row.index for row in self.rows[kind_key]), default=-1) + 1


def input_name(kind: ItemKind, row: Row, field_name: str) -> str:
    return f"items-{kind.key}-{row.index}-{field_name}"


def blank_row(section_type: SectionType, kind: ItemKind, index: int, ctx: PlanContext) -> Row:
    return Row(index, "", {f.name: f.raw_from_value(f.empty if f.default is None else f.default, ctx)
                           for f in kind.fields})


def state_from_content(
    section_type: SectionType, content: dict, base_revision_id: int | None, ctx: PlanContext
) -> EditState:
    rows = {}
    for kind in section_type.item_kinds:
        items = content["items"].get(kind.key, [])
        rows[kind.key] = [
            Row(n, item["id"], {f.name: f.raw_from_value(item.get(f.name), ctx) for f in kind.fields})
            for n, item in enumerate(items)
        ]
        if not rows[kind.key]:
            # An empty list starts with one blank row; left blank, it is ignored on save.
            rows[kind.key].append(blank_row(section_type, kind, 0, ctx))
    return EditState(
        narrative=content["narrative"],
        fields={f.name: f.raw_from_value(content["fields"].get(f.name), ctx) for f in section_type.fields},
        rows=rows,
        base_revision_id=base_revision_id,
    )


def state_from_form(section_type: SectionType, form, ctx: PlanContext) -> EditState:
    """What the form says, as typed. The page's hidden values (the base revision, each row's item
    id, the review cycle it was opened from) must be as the page gave them: otherwise the state
    carries a "form" error and is not saved, never read as "no base" or "a new item"."""
    base = form.get("base_revision_id") or ""
    hidden_ok = base == "" or parse_id(base) is not None
    hidden_ok &= all(parse_id(form.get(name) or "") is not None for name in ("cycle", "adaptation") if form.get(name))
    rows: dict[str, list[Row]] = {kind.key: [] for kind in section_type.item_kinds}
    seen = set()
    for key in form:
        match = _ROW_ID.match(key)
        if not match or match.group(1) not in rows or key in seen:
            continue
        seen.add(key)
        kind = section_type.kind_by_key[match.group(1)]
        if len(rows[kind.key]) >= ITEMS_MAX:
            continue
        index = int(match.group(2))
        prefix = f"items-{kind.key}-{index}"
        item_id = form.get(f"{prefix}-id") or ""
        hidden_ok &= item_id == "" or bool(ITEM_ID.match(item_id))
        rows[kind.key].append(Row(
            index=index,
            id=item_id if len(item_id) <= 40 else "",
            raw={f.name: f.raw_from_form(form, f"{prefix}-{f.name}", ctx) for f in kind.fields},
            removed=bool(form.get(f"{prefix}-remove")),
        ))
    return EditState(
        narrative=form.get("narrative", ""),
        fields={f.name: f.raw_from_form(form, f"fields-{f.name}", ctx) for f in section_type.fields},
        rows=rows,
        base_revision_id=parse_id(base),
        note=form.get("note", ""),
        errors={} if hidden_ok else {"form": FORM_CHANGED_KEEPING},
    )


def is_action(section_type: SectionType, action: str) -> bool:
    """Whether `action` is one of the editor's own buttons ("save", "preview", "add:<kind>",
    "up:<kind>:<n>", "down:<kind>:<n>")."""
    if action in ("save", "preview"):
        return True
    match = re.fullmatch(r"(add):([a-z_]+)|(up|down):([a-z_]+):([0-9]{1,6})", action)
    return match is not None and (match.group(2) or match.group(4)) in section_type.kind_by_key


def apply_action(section_type: SectionType, state: EditState, action: str, ctx: PlanContext) -> str | None:
    """Add or move a row as the no-script buttons ask ("add:<kind>", "up:<kind>:<n>",
    "down:<kind>:<n>"). Returns the id of the input to focus, or None for an unknown action."""
    verb, _, rest = action.partition(":")
    kind_key, _, index_text = rest.partition(":")
    kind = section_type.kind_by_key.get(kind_key)
    if kind is None:
        return None
    rows = state.rows[kind.key]
    if verb == "add" and len(rows) < ITEMS_MAX:
        row = blank_row(section_type, kind, state.next_index(kind.key), ctx)
        rows.append(row)
        return input_name(kind, row, kind.fields[0].name)
    if verb in ("up", "down") and index_text.isdigit():
        position = next((p for p, r in enumerate(rows) if r.index == int(index_text)), None)
        if position is None:
            return None
        other = position - 1 if verb == "up" else position + 1
        if 0 <= other < len(rows):
            rows[position], rows[other] = rows[other], rows[position]
        return f"items-{kind.key}-{index_text}-{verb}"
    return None


def content_from_state(section_type: SectionType, state: EditState, ctx: PlanContext) -> tuple[dict, dict[str, str]]:
    """The content the form describes, and errors keyed by input name.

    Removed rows and new rows left entirely blank are left out. Item ids are passed on
    as sent: the save service decides which are known and gives new items theirs.
    """
    errors: dict[str, str] = {}
    content = section_type.empty_content()
    content["narrative"] = normalise_narrative(state.narrative, errors)
    for f in section_type.fields:
        try:
            content["fields"][f.name] = f.parse(state.fields.get(f.name), ctx)
        except FieldError as error:
            errors[f"fields-{f.name}"] = str(error)
    if not any(key.startswith("fields-") for key in errors):
        errors.update({f"fields-{name}": m for name, m in section_type.rule_errors(content).items()})

    for kind in section_type.item_kinds:
        for row in state.rows[kind.key]:
            if row.removed or (row.is_new and all(f.untouched(row.raw.get(f.name), ctx) for f in kind.fields)):
                continue
            item: dict[str, Any] = {"id": row.id or None}
            row_errors = {}
            for f in kind.fields:
                try:
                    item[f.name] = f.parse(row.raw.get(f.name), ctx)
                except FieldError as error:
                    row_errors[f.name] = str(error)
            if not row_errors:
                row_errors = kind.rule_errors(item)
            errors.update({input_name(kind, row, name): message for name, message in row_errors.items()})
            content["items"][kind.key].append(item)
    return content, errors


def error_list(section_type: SectionType, state: EditState) -> list[tuple[str | None, str, str]]:
    """(input id to jump to, what it is, message) for the summary above the form, in form order."""
    labels: dict[str, str] = {"narrative": "Narrative"}
    for f in section_type.fields:
        labels[f"fields-{f.name}"] = f.label
    for kind in section_type.item_kinds:
        labels[f"items-{kind.key}"] = kind.label
        for position, row in enumerate(state.rows[kind.key], start=1):
            for f in kind.fields:
                labels[input_name(kind, row, f.name)] = f"{kind.singular} {position}: {f.label}"
    labels["note"] = "Edit note"
    order = list(labels)
    known = sorted((name for name in state.errors if name in labels), key=order.index)
    listed = [(name, labels[name], state.errors[name]) for name in known]
    return listed + [(None, "", message) for name, message in state.errors.items() if name not in labels]
