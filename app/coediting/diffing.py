"""What changed between two revisions of a section: the narrative word by word, fields, items by id.

Everything here is pure: plain content dicts in, frozen dataclasses out, each with a
`to_dict()` that is JSON-serialisable so a diff can be stored or sent as it is. Inputs are
never modified; values in a diff are the inputs' own (see the merging module on why).
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

from app.coediting.content import fields_of, index_items, items_of, narrative_of, split_lines, split_words

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Word-diffing changed blocks exactly costs about len(old) * len(new) token comparisons each.
# A diff spends up to this many that way; past it, difflib's popularity heuristic keeps big
# rewrites fast (below it the heuristic only makes diffs worse: it stops common words and
# spaces from anchoring matches). A block past the limit is shown as whole lines replaced.
EXACT_WORD_PAIRS = 250_000
WORD_PAIRS_LIMIT = 4_000_000


@dataclass(frozen=True, slots=True)
class TextOp:
    op: Literal["equal", "insert", "delete"]
    text: str

    def to_dict(self) -> dict:
        return {"op": self.op, "text": self.text}


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field added, removed or changed; `old` is None when added and `new` is None when removed."""

    name: str
    old: Any
    new: Any
    kind: Literal["added", "removed", "changed"] = "changed"

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class ItemChange:
    id: str
    fields: tuple[FieldChange, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "fields": [change.to_dict() for change in self.fields]}


@dataclass(frozen=True, slots=True)
class ItemsDiff:
    """Changes to one kind of item. Added items in their new order, removed ones in their old order."""

    added: tuple[dict, ...] = ()
    removed: tuple[dict, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    moved: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "moved": len(self.moved),
        }

    def to_dict(self) -> dict:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [change.to_dict() for change in self.changed],
            "moved": list(self.moved),
        }


@dataclass(frozen=True, slots=True)
class NarrativeDiff:
    """Word-level ops that rebuild both texts; `changed` says whether the texts differ at all."""

    ops: tuple[TextOp, ...]
    changed: bool

    def to_dict(self) -> dict:
        return {"changed": self.changed, "ops": [op.to_dict() for op in self.ops]}


@dataclass(frozen=True, slots=True)
class ContentDiff:
    narrative: NarrativeDiff
    fields: tuple[FieldChange, ...] = ()
    # Only kinds with changes, sorted by kind.
    items: dict[str, ItemsDiff] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.narrative.changed and not self.fields and not self.items

    @property
    def changed(self) -> bool:
        return not self.is_empty

    def summary(self) -> dict:
        """Counts for lists and badges, e.g. {"narrative": True, "fields": 2, "items": {"risk": {...}}}."""
        return {
            "narrative": self.narrative.changed,
            "fields": len(self.fields),
            "items": {kind: diff.counts() for kind, diff in self.items.items()},
        }

    def to_dict(self) -> dict:
        return {
            "narrative": self.narrative.to_dict(),
            "fields": [change.to_dict() for change in self.fields],
            "items": {kind: diff.to_dict() for kind, diff in self.items.items()},
        }


def diff_text(old: str, new: str) -> list[TextOp]:
    """A word-level diff for reading: joining the equal and delete ops gives `old`, equal and insert give `new`.

    Lines are matched first, then words only inside the blocks of lines that changed,
    which keeps a long text with a few edits fast. A replacement is a delete then an insert.
    """
    if old == new:
        return [TextOp(EQUAL, old)] if old else []
    old_lines, new_lines = split_lines(old), split_lines(new)
    pieces: list[tuple[str, str]] = []
    exact_pairs_left = EXACT_WORD_PAIRS
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append((EQUAL, "".join(old_lines[i1:i2])))
        elif tag == "delete":
            pieces.append((DELETE, "".join(old_lines[i1:i2])))
        elif tag == "insert":
            pieces.append((INSERT, "".join(new_lines[j1:j2])))
        else:
            old_block, new_block = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
            exact_pairs_left -= _diff_words(old_block, new_block, exact_pairs_left, pieces)
    return _tidy(pieces)


def _diff_words(old: str, new: str, exact_pairs_left: int, pieces: list[tuple[str, str]]) -> int:
    """Add the word-level pieces of one changed block; returns the exact comparisons spent."""
    old_words, new_words = split_words(old), split_words(new)
    pairs = len(old_words) * len(new_words)
    if pairs > WORD_PAIRS_LIMIT:
        pieces.extend(((DELETE, old), (INSERT, new)))
        return 0
    exact = pairs <= exact_pairs_left
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=not exact)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append((EQUAL, "".join(old_words[i1:i2])))
            continue
        if i1 < i2:
            pieces.append((DELETE, "".join(old_words[i1:i2])))
        if j1 < j2:
            pieces.append((INSERT, "".join(new_words[j1:j2])))
    return pairs if exact else 0


def _tidy(pieces: list[tuple[str, str]]) -> list[TextOp]:
    """Join neighbouring pieces into as few ops as read well.

    A lone space between two changes is folded into them ("a b" -> "x y" reads as one
    replacement, not two), and each run of changes becomes one delete then one insert.
    """
    ops: list[TextOp] = []
    deleted: list[str] = []
    inserted: list[str] = []
    last = len(pieces) - 1
    for index, (op, text) in enumerate(pieces):
        if not text:
            continue
        if op == EQUAL:
            between_changes = (deleted or inserted) and index < last and pieces[index + 1][0] != EQUAL
            if between_changes and text.isspace() and "\n" not in text:
                deleted.append(text)
                inserted.append(text)
                continue
            _flush(ops, deleted, inserted)
            if ops and ops[-1].op == EQUAL:
                ops[-1] = TextOp(EQUAL, ops[-1].text + text)
            else:
                ops.append(TextOp(EQUAL, text))
        elif op == DELETE:
            deleted.append(text)
        else:
            inserted.append(text)
    _flush(ops, deleted, inserted)
    return ops


def _flush(ops: list[TextOp], deleted: list[str], inserted: list[str]) -> None:
    if deleted:
        ops.append(TextOp(DELETE, "".join(deleted)))
        deleted.clear()
    if inserted:
        ops.append(TextOp(INSERT, "".join(inserted)))
        inserted.clear()


def diff_content(old: dict, new: dict) -> ContentDiff:
    """Everything that changed from `old` to `new` section content. Inputs are not modified."""
    old_text, new_text = narrative_of(old), narrative_of(new)
    narrative = NarrativeDiff(tuple(diff_text(old_text, new_text)), old_text != new_text)
    fields = field_changes(fields_of(old), fields_of(new))
    old_items, new_items = items_of(old), items_of(new)
    items = {}
    for kind in sorted(old_items.keys() | new_items.keys()):
        kind_diff = diff_items(kind, old_items.get(kind) or [], new_items.get(kind) or [])
        if not kind_diff.is_empty:
            items[kind] = kind_diff
    return ContentDiff(narrative, fields, items)


_ABSENT = object()


def field_changes(old: dict, new: dict, skip: str | None = None) -> tuple[FieldChange, ...]:
    """Added, removed and changed values between two dicts, by name in sorted order."""
    changes = []
    for name in sorted(old.keys() | new.keys()):
        if name == skip:
            continue
        before, after = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if before is _ABSENT:
            changes.append(FieldChange(name, None, after, "added"))
        elif after is _ABSENT:
            changes.append(FieldChange(name, before, None, "removed"))
        elif before != after:
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def diff_items(kind: str, old: list[dict], new: list[dict]) -> ItemsDiff:
    """Items of one kind matched by id. `moved` lists the ids, in their new order, outside the
    longest common subsequence of the ids kept on both sides: the fewest moves that explain the order."""
    old_by_id, new_by_id = index_items(kind, old), index_items(kind, new)
    removed = tuple(item for item in old if item["id"] not in new_by_id)
    added = []
    changed = []
    for item in new:
        before = old_by_id.get(item["id"])
        if before is None:
            added.append(item)
        elif before != item:
            changed.append(ItemChange(item["id"], field_changes(before, item, skip="id")))
    kept_in_old_order = [item["id"] for item in old if item["id"] in new_by_id]
    kept_in_new_order = [item["id"] for item in new if item["id"] in old_by_id]
    moved = ()
    if kept_in_old_order != kept_in_new_order:
        in_place = set(longest_common_order(kept_in_old_order, kept_in_new_order))
        moved = tuple(item_id for item_id in kept_in_new_order if item_id not in in_place)
    return ItemsDiff(tuple(added), removed, tuple(changed), moved)


def longest_common_order(first: list[str], second: list[str]) -> list[str]:
    """The longest common subsequence of two orderings of the same distinct ids.

    With distinct ids it is the longest increasing run of second-positions taken in the
    first order, found in O(n log n) (patience sorting). Ties are broken the same way every
    time, towards ids placed earlier in `second`.
    """
    position = {item_id: index for index, item_id in enumerate(second)}
    ranks = [position[item_id] for item_id in first]
    tails: list[int] = []  # tails[k]: smallest rank ending an increasing run of length k + 1
    tail_at: list[int] = []  # index into `ranks` of that tail
    previous = [-1] * len(ranks)
    for index, rank in enumerate(ranks):
        length = bisect_left(tails, rank)
        if length == len(tails):
            tails.append(rank)
            tail_at.append(index)
        else:
            tails[length] = rank
            tail_at[length] = index
        previous[index] = tail_at[length - 1] if length else -1
    run = []
    index = tail_at[-1] if tail_at else -1
    while index != -1:
        run.append(first[index])
        index = previous[index]
    run.reverse()
    return run

