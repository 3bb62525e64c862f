"""Diffs and conflicts as people read them: labels from the section declarations, values shown
the way the plan shows them (party and people names, money, dates), long unchanged stretches
of the narrative folded away. Templates render these with templates/coediting/_diff.html."""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from app.coediting.diffing import EQUAL, ContentDiff, TextOp, diff_text
from app.plan_sections.context import PlanContext
from app.plan_sections.schema import ItemKind, SectionType

# Unchanged narrative kept around each change, in lines; longer stretches fold to a count.
CONTEXT_LINES = 2
NONE = "—"


@dataclass
class Piece:
    """A stretch of a narrative diff: "equal", "insert", "delete", or "skip" (`text` is the line count)."""

    op: str
    text: Any


@dataclass
class Value:
    label: str
    shown: Any  # str or Markup, as the plan shows it


@dataclass
class FieldChangeView:
    label: str
    old: Any
    new: Any
    kind: str  # "added", "removed", "changed"
    # For texts of a sentence or more, the change word by word (shown instead of old → new).
    pieces: list["Piece"] | None = None


@dataclass
class ItemView:
    title: str
    values: list[Value]


@dataclass
class ItemChangeView:
    title: str
    changes: list[FieldChangeView]


@dataclass
class KindDiffView:
    kind_key: str
    label: str
    singular: str
    added: list[ItemView] = field(default_factory=list)
    removed: list[ItemView] = field(default_factory=list)
    changed: list[ItemChangeView] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


@dataclass
class SectionDiffView:
    type: SectionType
    narrative: list[Piece]
    narrative_changed: bool
    fields: list[FieldChangeView]
    kinds: list[KindDiffView]

    @property
    def changed(self) -> bool:
        return self.narrative_changed or bool(self.fields) or bool(self.kinds)

    def summary(self) -> str:
        """“Narrative, 1 key term, 2 risks added, 1 changed” — for collapsed lists."""
        parts = []
        if self.narrative_changed:
            parts.append("narrative")
        if self.fields:
            parts.append(f"{len(self.fields)} key term{'s' if len(self.fields) != 1 else ''}")
        for kind in self.kinds:
            counts = [(len(kind.added), "added"), (len(kind.removed), "removed"),
                      (len(kind.changed), "changed"), (len(kind.moved), "moved")]
            said = [f"{n} {word}" for n, word in counts if n]
            if said:
                parts.append(f"{kind.label.lower()}: {', '.join(said)}")
        return "; ".join(parts).capitalize() if parts else "No changes"


def fold_narrative(ops: list[TextOp] | tuple[TextOp, ...], context: int = CONTEXT_LINES) -> list[Piece]:
    """The ops with long unchanged stretches cut to `context` lines either side of a change."""
    pieces: list[Piece] = []
    last = len(ops) - 1
    for index, op in enumerate(ops):
        if op.op != EQUAL:
            pieces.append(Piece(op.op, op.text))
            continue
        lines = op.text.split("\n")
        keep_head = context if index > 0 else 0  # after a change
        keep_tail = context if index < last else 0  # before a change
        if len(lines) <= keep_head + keep_tail + 2:
            pieces.append(Piece(EQUAL, op.text))
            continue
        head = "\n".join(lines[: keep_head + 1]) if keep_head else ""
        tail = "\n".join(lines[-(keep_tail + 1):]) if keep_tail else ""
        skipped = len(lines) - (keep_head + 1 if keep_head else 0) - (keep_tail + 1 if keep_tail else 0)
        if head:
            pieces.append(Piece(EQUAL, head + "\n"))
        pieces.append(Piece("skip", max(skipped, 1)))
        if tail:
            pieces.append(Piece(EQUAL, tail))
    return pieces


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _shown(f, value, ctx: PlanContext):
    if value is None or value in ("", {}, []):
        return NONE
    if f is None:
        return str(value)
    try:
        shown = f.display(value, ctx)
    except (KeyError, TypeError, ValueError):  # a value from an older declaration
        shown = str(value)
    return shown if shown not in ("", None) else NONE


WORDY = 40  # characters: a text this long reads better as a word diff than as old → new


def _field_changes(changes, fields_by_name: dict, ctx: PlanContext) -> list[FieldChangeView]:
    views = []
    for change in changes:
        f = fields_by_name.get(change.name)
        old, new = _shown(f, change.old, ctx), _shown(f, change.new, ctx)
        pieces = None
        # Plain texts only: shown values with markup (links, per-party lists) keep old → new.
        plain = type(old) is str and type(new) is str and old != NONE and new != NONE
        if change.kind == "changed" and plain and max(len(old), len(new)) >= WORDY:
            pieces = [Piece(op.op, op.text) for op in diff_text(old, new)]
        views.append(FieldChangeView(f.label if f is not None else _label(change.name), old, new, change.kind, pieces))
    return views


def item_values(kind: ItemKind, item: dict, ctx: PlanContext) -> list[Value]:
    return [
        Value(f.label, _shown(f, item.get(f.name), ctx))
        for f in kind.fields
        if f.name != kind.title and item.get(f.name) not in (None, "", {}, [])
    ]


def section_diff(
    section_type: SectionType, diff: ContentDiff, old: dict, new: dict, ctx: PlanContext
) -> SectionDiffView:
    """`diff` (from diff_content(old, new)) labelled and shown for people."""
    kinds = []
    new_items = new.get("items") or {}
    old_items = old.get("items") or {}
    for kind in section_type.item_kinds:
        kind_diff = diff.items.get(kind.key)
        if kind_diff is None:
            continue
        both = [*old_items.get(kind.key, []), *new_items.get(kind.key, [])]
        titles = {i["id"]: kind.item_title(i, ctx) for i in both}
        kinds.append(KindDiffView(
            kind.key,
            kind.label,
            kind.singular,
            added=[ItemView(kind.item_title(i, ctx), item_values(kind, i, ctx)) for i in kind_diff.added],
            removed=[ItemView(kind.item_title(i, ctx), item_values(kind, i, ctx)) for i in kind_diff.removed],
            changed=[
                ItemChangeView(titles.get(c.id, c.id), _field_changes(c.fields, kind.by_name, ctx))
                for c in kind_diff.changed
            ],
            moved=[titles.get(item_id, item_id) for item_id in kind_diff.moved],
        ))
    return SectionDiffView(
        section_type,
        fold_narrative(diff.narrative.ops),
        diff.narrative.changed,
        _field_changes(diff.fields, section_type.field_by_name, ctx),
        kinds,
    )


# -- conflicts ----------------------------------------------------------------------------------


@dataclass
class Side:
    name: str  # "base", "theirs", "ours"
    heading: str
    absent: bool
    shown: Any = None  # a field's value as shown
    pieces: list[Piece] | None = None  # narrative: the side against the base, word by word
    item: ItemView | None = None  # deleted-or-changed items: the whole item


@dataclass
class ConflictView:
    number: int  # 1-based, for input names and headings
    key: str
    kind: str
    label: str
    sides: list[Side]
    field: Any = None  # the declared field, for a custom value typed with its own input
    custom_raw: Any = None  # the custom input's starting value (what the editor attempted)
    choice_labels: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def allows_custom(self) -> bool:
        return self.kind == "narrative" or self.field is not None


def conflict_views(
    section_type: SectionType,
    conflicts: list[dict],
    headings: dict[str, str],
    contents: list[dict],
    ctx: PlanContext,
) -> list[ConflictView]:
    """Each stored conflict (Conflict.to_dict()) ready for the conflict page; `contents` (the
    versions involved) name the items the conflicts are about."""
    titles = {}
    for content in reversed(contents):  # the first content's titles win
        for kind in section_type.item_kinds:
            for item in (content.get("items") or {}).get(kind.key, []):
                titles[(kind.key, item["id"])] = kind.item_title(item, ctx)
    views = []
    for number, c in enumerate(conflicts, start=1):
        absent = set(c.get("absent") or ())
        parts = c["key"].split(":")
        f = None
        label = c["label"]
        item_kind = section_type.kind_by_key.get(parts[1]) if parts[0] == "item" and len(parts) > 2 else None
        if parts[0] == "field" and len(parts) == 2:
            f = section_type.field_by_name.get(parts[1])
            label = f.label if f is not None else label
        elif item_kind is not None:
            item_title = titles.get((item_kind.key, parts[2]), parts[2])
            if len(parts) == 4:
                f = item_kind.by_name.get(parts[3])
                if parts[3] == item_kind.title:  # the title itself changed: name the item as it was
                    was = c.get("base") if isinstance(c.get("base"), str) and c.get("base") else item_title
                    label = f"Title of {item_kind.singular.lower()} “{was}”"
                else:
                    label = f"{item_kind.singular} “{item_title}”: {f.label if f else _label(parts[3])}"
            else:
                label = f"{item_kind.singular} “{item_title}”: deleted on one side, changed on the other"
        sides = []
        for side in ("base", "theirs", "ours"):
            value = c.get(side)
            view = Side(side, headings[side], side in absent)
            if c["kind"] == "narrative":
                if side == "base":
                    view.pieces = [Piece(EQUAL, value or "")]
                else:
                    view.pieces = [Piece(op.op, op.text) for op in diff_text(c.get("base") or "", value or "")]
            elif c["kind"] == "item_deleted_changed":
                if isinstance(value, dict) and item_kind is not None:
                    view.item = ItemView(item_kind.item_title(value, ctx), item_values(item_kind, value, ctx))
            else:
                view.shown = NONE if view.absent else _shown(f, value, ctx)
            sides.append(view)
        choice_labels = {"theirs": "Keep theirs", "ours": "Keep yours", "base": "Keep the original"}
        if c["kind"] == "item_deleted_changed":
            for side in ("theirs", "ours", "base"):
                who = {"theirs": ", as they did", "ours": ", as you did", "base": ""}[side]
                changed = {"theirs": " as they changed it", "ours": " as you changed it", "base": " as it was"}[side]
                choice_labels[side] = f"Delete it{who}" if side in absent else f"Keep it{changed}"
        custom_raw = None
        if c["kind"] == "narrative":
            custom_raw = c.get("ours") or ""
        elif f is not None:
            custom_raw = f.raw_from_value(c.get("ours"), ctx)
        views.append(ConflictView(number, c["key"], c["kind"], label, sides, f, custom_raw, choice_labels))
    return views


def narrative_pieces(old: str, new: str) -> list[Piece]:
    return fold_narrative(diff_text(old, new))
