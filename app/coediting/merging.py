"""Three-way merge of section content: an editor's save against what landed since they started.

`base` is the revision the editor started from, `ours` the save they attempt, `theirs`
the current revision. Changes that do not overlap merge; overlapping ones become
conflicts, each with a stable key, and `resolve` settles them with one choice per key.
Inputs are never modified. Results share unchanged values with them rather than copying:
revisions are immutable, and copying a 500-item register costs more than merging it. So
treat the merged content as read-only too, and copy it before changing it in place.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from app.coediting.content import fields_of, index_items, items_of, narrative_of, split_lines


class _Missing:
    """Stands for a value that is not there: a deleted field or item, as opposed to a None value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

SIDES = ("ours", "theirs", "base")
ConflictKind = Literal["narrative", "field", "item_field", "item_deleted_changed"]


@dataclass(frozen=True, slots=True)
class Custom:
    """A resolution that is neither side: new narrative text for a hunk, a field value, or an item
    (None or MISSING to leave a field or item out)."""

    value: Any


ResolutionChoice = Literal["ours", "theirs", "base"] | Custom


@dataclass(frozen=True, slots=True)
class Conflict:
    """A spot both sides changed differently. Sides where the value is absent hold MISSING."""

    key: str
    kind: ConflictKind
    label: str
    base: Any
    ours: Any
    theirs: Any

    def to_dict(self) -> dict:
        sides = {"base": self.base, "ours": self.ours, "theirs": self.theirs}
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            **{side: None if value is MISSING else value for side, value in sides.items()},
            "absent": [side for side, value in sides.items() if value is MISSING],
        }


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged content, with THEIR version standing in at every conflict so it is always valid."""

    content: dict
    conflicts: tuple[Conflict, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def to_dict(self) -> dict:
        return {"content": self.content, "conflicts": [conflict.to_dict() for conflict in self.conflicts]}


class ResolutionError(ValueError):
    """The choices do not settle the merge: keys missing or unknown, or a choice that does not fit."""

    def __init__(self, message: str, unresolved: tuple[str, ...] = (), unknown: tuple[str, ...] = ()):
        super().__init__(message)
        self.unresolved = unresolved
        self.unknown = unknown


def merge_content(base: dict, ours: dict, theirs: dict) -> MergeResult:
    """Merge `ours` and `theirs`, both edited from `base`. Same inputs, same result and conflict keys."""
    merge = _Merge(choices=None)
    content = merge.content(base, ours, theirs)
    return MergeResult(content, tuple(merge.conflicts))


def resolve(base: dict, ours: dict, theirs: dict, choices: dict[str, ResolutionChoice]) -> dict:
    """The final content once every conflict of `merge_content(base, ours, theirs)` has a choice."""
    merge = _Merge(choices)
    content = merge.content(base, ours, theirs)
    keys = {conflict.key for conflict in merge.conflicts}
    unresolved = tuple(conflict.key for conflict in merge.conflicts if conflict.key not in choices)
    unknown = tuple(sorted(key for key in choices if key not in keys))
    if unresolved or unknown:
        problems = []
        if unresolved:
            problems.append("no choice for " + ", ".join(unresolved))
        if unknown:
            problems.append("no conflict named " + ", ".join(unknown))
        raise ResolutionError("Cannot resolve the merge: " + "; ".join(problems) + ".", unresolved, unknown)
    return content


class _Merge:
    """One pass over the content. Without choices each conflict takes THEIR version; with choices,
    the chosen one. Both modes walk the same way, so they meet the same conflicts."""

    def __init__(self, choices: dict[str, ResolutionChoice] | None):
        self.choices = choices
        self.conflicts: list[Conflict] = []

    def content(self, base: dict, ours: dict, theirs: dict) -> dict:
        return {
            "narrative": self.narrative(narrative_of(base), narrative_of(ours), narrative_of(theirs)),
            "fields": self.mapping(fields_of(base), fields_of(ours), fields_of(theirs), self.field_conflict),
            "items": self.items(items_of(base), items_of(ours), items_of(theirs)),
        }

    def settle(self, conflict: Conflict) -> Any:
        self.conflicts.append(conflict)
        if self.choices is None or conflict.key not in self.choices:
            return conflict.theirs
        choice = self.choices[conflict.key]
        if isinstance(choice, Custom):
            return _check_custom(conflict, choice.value)
        if isinstance(choice, str) and choice in SIDES:
            return getattr(conflict, choice)
        raise ResolutionError(f"{conflict.key}: choose ours, theirs, base or a custom value, not {choice!r}.")

    # Narrative ---------------------------------------------------------------------------

    def narrative(self, base: str, ours: str, theirs: str) -> str:
        if ours == theirs or base == theirs:
            return ours
        if base == ours:
            return theirs
        # Merge as if every text ended in a newline, so an edit of the last line does not also
        # count as a change to its line ending; the ending is merged on its own. (So hunks are
        # whole lines, each ending in a newline, even at the end of a text without one.)
        texts = (base, ours, theirs)
        ends = [text.endswith("\n") or not text for text in texts]
        lines = [split_lines(text if ending else text + "\n") for text, ending in zip(texts, ends, strict=True)]
        merged = "".join(self.lines(*lines))
        if not _pick(*ends) and merged.endswith("\n"):
            merged = merged[:-1]
        return merged

    def lines(self, base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
        """merge3's walk: lines all three sides share anchor the merge; between anchors, a side's
        change wins over no change, the same change on both sides is fine, and anything else conflicts."""
        merged: list[str] = []
        hunks = 0
        base_at = ours_at = theirs_at = 0
        for base_start, length, ours_start, theirs_start in _shared_runs(base, ours, theirs):
            if ours_start > ours_at or theirs_start > theirs_at:
                base_part = base[base_at:base_start]
                ours_part = ours[ours_at:ours_start]
                theirs_part = theirs[theirs_at:theirs_start]
                if ours_part == theirs_part or theirs_part == base_part:
                    merged.extend(ours_part)
                elif ours_part == base_part:
                    merged.extend(theirs_part)
                else:
                    hunks += 1
                    conflict = Conflict(
                        f"narrative:{hunks}",
                        "narrative",
                        f"Narrative, paragraph near line {len(merged) + 1}",
                        "".join(base_part),
                        "".join(ours_part),
                        "".join(theirs_part),
                    )
                    text = self.settle(conflict)
                    if length and text and not text.endswith("\n"):
                        text += "\n"  # chosen text must not run into the line after it
                    merged.extend(split_lines(text))
            merged.extend(base[base_start : base_start + length])
            base_at, ours_at, theirs_at = base_start + length, ours_start + length, theirs_start + length
        return merged

    # Fields ------------------------------------------------------------------------------

    def mapping(self, base: dict, ours: dict, theirs: dict, on_conflict) -> dict:
        """Key by key. Output keys follow THEIR order, then keys only ours has; conflicts are met in
        sorted key order so their order does not depend on how the dicts were stored."""
        decided = {}
        contested = []
        for name in _union_keys(theirs, ours):
            value = _pick(base.get(name, MISSING), ours.get(name, MISSING), theirs.get(name, MISSING), _CONTESTED)
            if value is _CONTESTED:
                contested.append(name)
            else:
                decided[name] = value
        for name in sorted(contested):
            versions = (base.get(name, MISSING), ours.get(name, MISSING), theirs.get(name, MISSING))
            decided[name] = on_conflict(name, *versions)
        return {name: decided[name] for name in _union_keys(theirs, ours) if decided[name] is not MISSING}

    def field_conflict(self, name: str, base: Any, ours: Any, theirs: Any) -> Any:
        return self.settle(Conflict(f"field:{name}", "field", _humanise(name).capitalize(), base, ours, theirs))

    # Items -------------------------------------------------------------------------------

    def items(self, base: dict, ours: dict, theirs: dict) -> dict:
        merged = {}
        for kind in sorted(base.keys() | ours.keys() | theirs.keys()):
            kind_items = self.kind_items(kind, base.get(kind) or [], ours.get(kind) or [], theirs.get(kind) or [])
            # A kind's key follows the side that added or dropped it, unless items remain.
            if kind_items or _pick(kind in base, kind in ours, kind in theirs):
                merged[kind] = kind_items
        return merged

    def kind_items(self, kind: str, base: list[dict], ours: list[dict], theirs: list[dict]) -> list[dict]:
        base_by_id, ours_by_id, theirs_by_id = (index_items(kind, items) for items in (base, ours, theirs))
        merged = {}
        for item_id in _union_keys(theirs_by_id, ours_by_id):
            in_base = base_by_id.get(item_id, MISSING)
            in_ours = ours_by_id.get(item_id, MISSING)
            in_theirs = theirs_by_id.get(item_id, MISSING)
            versions = (in_base, in_ours, in_theirs)
            item = _pick(*versions, _CONTESTED)
            if item is _CONTESTED:
                if in_ours is MISSING or in_theirs is MISSING:
                    what = (
                        "deleted in this edit, changed in the current version"
                        if in_ours is MISSING
                        else "changed in this edit, deleted in the current version"
                    )
                    label = f"{_item_label(kind, item_id, in_theirs, in_ours, in_base)} — {what}"
                    conflict = Conflict(f"item:{kind}:{item_id}", "item_deleted_changed", label, *versions)
                    item = self.settle(conflict)
                else:
                    item = self.mapping(
                        {} if in_base is MISSING else in_base,
                        in_ours,
                        in_theirs,
                        self.item_field_conflict(kind, item_id, in_theirs, in_ours, in_base),
                    )
            if item is not MISSING:
                merged[item_id] = item
        return [merged[item_id] for item_id in _merged_order(base, ours, theirs, merged)]

    def item_field_conflict(self, kind: str, item_id: str, *versions: dict):
        def conflict(name: str, base: Any, ours: Any, theirs: Any) -> Any:
            label = f"{_item_label(kind, item_id, *versions)} — {_humanise(name)}"
            return self.settle(Conflict(f"item:{kind}:{item_id}:{name}", "item_field", label, base, ours, theirs))

        return conflict


_CONTESTED = object()


def _pick(base: Any, ours: Any, theirs: Any, contested: Any = None) -> Any:
    """The three-way rule for one value: a change on one side wins, the same change on both is fine.

    Values compare with ==, so 1, 1.0 and True count as the same value.
    """
    if ours == base:
        return theirs
    if theirs == base or ours == theirs:
        return ours
    return contested


def _shared_runs(base: list[str], ours: list[str], theirs: list[str]) -> list[tuple[int, int, int, int]]:
    """Runs of lines unchanged on both sides, as (base start, length, ours start, theirs start),
    ending with an empty run at the three ends.

    difflib runs without its popularity heuristic (merge3's default): past 200 lines it stops
    lines repeated more than 1 % of the time (blank lines, checklist items, table rules) from
    anchoring a match, so a stretch made only of such lines stops matching after an insertion
    and becomes one change, conflicting with anything the other side did there. Nor are blank
    lines junk, though that would make matching three times faster: a blank line between two
    paragraphs one side changed is what keeps the other side's edits beside them apart."""
    ours_runs = SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    theirs_runs = SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    shared = []
    o = t = 0
    while o < len(ours_runs) and t < len(theirs_runs):
        ours_base, ours_start, ours_length = ours_runs[o]
        theirs_base, theirs_start, theirs_length = theirs_runs[t]
        start = max(ours_base, theirs_base)
        end = min(ours_base + ours_length, theirs_base + theirs_length)
        if start < end:
            shared.append((start, end - start, ours_start + start - ours_base, theirs_start + start - theirs_base))
        if ours_base + ours_length < theirs_base + theirs_length:
            o += 1
        else:
            t += 1
    shared.append((len(base), 0, len(ours), len(theirs)))
    return shared


def _merged_order(base: list[dict], ours: list[dict], theirs: list[dict], merged: dict) -> list[str]:
    """The order of the surviving ids: the side that reordered leads (THEIRS if both or neither did),
    and ids only the other side has go after their nearest predecessor there. Every id in `merged`
    comes out exactly once."""
    base_ids = [item["id"] for item in base]
    ours_ids = [item["id"] for item in ours]
    theirs_ids = [item["id"] for item in theirs]
    if _reordered(base_ids, ours_ids) and not _reordered(base_ids, theirs_ids):
        leading, following = ours_ids, theirs_ids
    else:
        leading, following = theirs_ids, ours_ids
    placed = [item_id for item_id in leading if item_id in merged]
    placed_set = set(placed)
    after: dict[str | None, list[str]] = {}
    anchor = None
    for item_id in following:
        if item_id in placed_set:
            anchor = item_id
        elif item_id in merged:
            after.setdefault(anchor, []).append(item_id)
    if not after:
        return placed
    order = list(after.get(None, ()))
    for item_id in placed:
        order.append(item_id)
        order.extend(after.get(item_id, ()))
    return order


def _reordered(base_ids: list[str], side_ids: list[str]) -> bool:
    """Whether the ids both lists hold come in a different order on the side."""
    in_side, in_base = set(side_ids), set(base_ids)
    return [i for i in base_ids if i in in_side] != [i for i in side_ids if i in in_base]


def _union_keys(first: dict, second: dict) -> list:
    return [*first, *(key for key in second if key not in first)]


def _humanise(name: str) -> str:
    return name.replace("_", " ")


def _item_label(kind: str, item_id: str, *versions: Any) -> str:
    """E.g. 'Risk “Port strike”': the item's title or name from the first version that has one."""
    for version in versions:
        if isinstance(version, dict):
            for key in ("title", "name", "label"):
                if isinstance(version.get(key), str) and version[key].strip():
                    return f"{_humanise(kind).capitalize()} “{version[key].strip()}”"
    return f"{_humanise(kind).capitalize()} “{item_id}”"


def _check_custom(conflict: Conflict, value: Any) -> Any:
    if conflict.kind == "narrative" and not isinstance(value, str):
        raise ResolutionError(f"{conflict.key}: a custom narrative must be text.")
    if conflict.kind == "item_deleted_changed":
        if value is None:
            return MISSING
        item_id = conflict.base["id"]  # a deleted-and-changed item always has a base version
        if value is not MISSING and not (isinstance(value, dict) and value.get("id") == item_id):
            raise ResolutionError(f"{conflict.key}: a custom item must keep the id {item_id!r}, or be None to drop it.")
    return value
