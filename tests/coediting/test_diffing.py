import copy
import json
import random
from itertools import pairwise

import pytest

from app.coediting import diffing
from app.coediting.content import split_lines, split_words
from app.coediting.diffing import (
    ContentDiff,
    FieldChange,
    ItemChange,
    TextOp,
    diff_content,
    diff_text,
    longest_common_order,
)


def old_text(ops):
    return "".join(op.text for op in ops if op.op != "insert")


def new_text(ops):
    return "".join(op.text for op in ops if op.op != "delete")


def risk(item_id, **fields):
    return {"id": item_id, "title": f"Risk {item_id}", "likelihood": 3, "impact": 2, **fields}


# Lines and words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a\n"]),
        ("a\r\nb", ["a\r\n", "b"]),
        ("\n\nx\n", ["\n", "\n", "x\n"]),
        ("one\u2028two\n", ["one\u2028two\n"]),
    ],
)
def test_lines_split_at_newlines_only_and_keep_their_endings(text, lines):
    assert split_lines(text) == lines


def test_words_are_words_whitespace_runs_and_punctuation_runs():
    words = ["Déjà", " ", "vu", ",", " ", "naïve", "…", "  ", "ok", "?!", "\r\n"]
    assert split_words("Déjà vu, naïve…  ok?!\r\n") == words


# diff_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "ops"),
    [
        ("", "", []),
        ("same", "same", [TextOp("equal", "same")]),
        ("", "new text", [TextOp("insert", "new text")]),
        ("old text", "", [TextOp("delete", "old text")]),
        ("a", "a\n", [TextOp("equal", "a"), TextOp("insert", "\n")]),
        ("a\n", "a", [TextOp("equal", "a"), TextOp("delete", "\n")]),
    ],
)
def test_diff_text_edge_cases(old, new, ops):
    assert diff_text(old, new) == ops


def test_a_changed_word_is_a_delete_then_an_insert_within_the_line():
    ops = diff_text("The quick brown fox.\nSecond line.\n", "The quick red fox.\nSecond line.\n")
    assert ops == [
        TextOp("equal", "The quick "),
        TextOp("delete", "brown"),
        TextOp("insert", "red"),
        TextOp("equal", " fox.\nSecond line.\n"),
    ]


def test_a_space_between_two_changed_words_joins_them_into_one_replacement():
    ops = diff_text("one two three", "uno dos three")
    assert ops == [TextOp("delete", "one two"), TextOp("insert", "uno dos"), TextOp("equal", " three")]


def test_a_new_line_is_one_insert():
    ops = diff_text("first\nthird\n", "first\nsecond\nthird\n")
    assert ops == [TextOp("equal", "first\n"), TextOp("insert", "second\n"), TextOp("equal", "third\n")]


def test_unicode_words_diff_whole():
    ops = diff_text("Crème brûlée für Zoë", "Crème caramel für Zoë")
    assert [op for op in ops if op.op != "equal"] == [TextOp("delete", "brûlée"), TextOp("insert", "caramel")]


def test_crlf_text_diffs_by_word_and_keeps_its_line_endings():
    old, new = "alpha beta\r\ngamma\r\n", "alpha BETA\r\ngamma\r\n"
    ops = diff_text(old, new)
    assert [op for op in ops if op.op != "equal"] == [TextOp("delete", "beta"), TextOp("insert", "BETA")]
    assert old_text(ops) == old and new_text(ops) == new


def test_only_a_line_ending_changed():
    ops = diff_text("a\nb\n", "a\r\nb\n")
    assert old_text(ops) == "a\nb\n" and new_text(ops) == "a\r\nb\n"
    assert [op.op for op in ops] == ["equal", "delete", "insert", "equal"]


def test_ops_never_repeat_a_kind_and_changes_come_delete_first():
    ops = diff_text("a b c d e f g\nh\n", "a X c Y e Z g\nh\ni\n")
    kinds = [op.op for op in ops]
    assert all(first != second for first, second in pairwise(kinds))
    assert "insert" not in [kinds[i] for i in range(len(kinds) - 1) if kinds[i + 1] == "delete"]


def test_a_long_text_with_a_few_edits_diffs_by_word_around_the_edits():
    lines = [f"Paragraph {n} says the alliance will review the plan each quarter.\n\n" for n in range(300)]
    old = "".join(lines)
    lines[120] = lines[120].replace("review", "revise")
    ops = diff_text(old, "".join(lines))
    assert [op for op in ops if op.op != "equal"] == [TextOp("delete", "review"), TextOp("insert", "revise")]


def test_a_long_text_of_repeated_lines_diffs_to_just_the_edits():
    lines = ["- [ ] Sign off\n", "- [ ] Review\n", "- [x] Review\n", "- [ ] Agree\n", "\n", "---\n"]
    rng = random.Random(7)
    base = [rng.choice(lines) for _ in range(300)]  # each line repeats more than 1 % of the time
    edited = list(base)
    edited.insert(3, "- [ ] Agree the budget\n")
    edited[201] = "Changed\n"
    changes = [op for op in diff_text("".join(base), "".join(edited)) if op.op != "equal"]
    assert changes[0] == TextOp("insert", "- [ ] Agree the budget\n")
    assert changes[-1] == TextOp("insert", "Changed")
    assert sum(len(op.text) for op in changes) < 60  # not the rest of the text replaced


def test_a_block_too_big_for_word_diffing_shows_as_lines_replaced(monkeypatch):
    monkeypatch.setattr(diffing, "WORD_PAIRS_LIMIT", 10)
    ops = diff_text("keep\none two three\n", "keep\none too three\n")
    assert ops == [TextOp("equal", "keep\n"), TextOp("delete", "one two three\n"), TextOp("insert", "one too three\n")]


def test_past_the_exact_budget_big_blocks_still_diff_by_word(monkeypatch):
    monkeypatch.setattr(diffing, "EXACT_WORD_PAIRS", 0)
    old = "keep\n" + "word " * 300 + "\n"
    new = "keep\n" + "word " * 150 + "change " + "word " * 149 + "\n"
    ops = diff_text(old, new)
    assert old_text(ops) == old and new_text(ops) == new
    assert TextOp("insert", "change") in ops


# diff_content ----------------------------------------------------------------------------


def test_missing_parts_count_as_empty():
    diff = diff_content({}, {"narrative": "", "fields": {}, "items": {"risk": []}})
    assert diff.is_empty and not diff.changed
    assert diff.summary() == {"narrative": False, "fields": 0, "items": {}}


def test_field_changes_are_sorted_and_say_what_happened():
    old = {"fields": {"term_start": "2026-01-01", "contract_model": "gain_share", "notes": None}}
    new = {"fields": {"term_start": "2026-02-01", "contract_model": "gain_share", "value": {"amount": "1.00"}}}
    assert diff_content(old, new).fields == (
        FieldChange("notes", None, None, "removed"),
        FieldChange("term_start", "2026-01-01", "2026-02-01", "changed"),
        FieldChange("value", None, {"amount": "1.00"}, "added"),
    )


def test_items_added_removed_and_changed_by_id():
    old = {"items": {"risk": [risk("r1"), risk("r2"), risk("r3")]}}
    new = {"items": {"risk": [risk("r1", likelihood=5, owner_party=12), risk("r3"), risk("r4")]}}
    items = diff_content(old, new).items["risk"]
    assert items.added == (risk("r4"),)
    assert items.removed == (risk("r2"),)
    assert items.changed == (
        ItemChange("r1", (FieldChange("likelihood", 3, 5), FieldChange("owner_party", None, 12, "added"))),
    )
    assert items.moved == ()


@pytest.mark.parametrize(
    ("old_order", "new_order", "moved"),
    [
        ("abcd", "bcda", ("a",)),
        ("abcd", "dabc", ("d",)),
        ("ab", "ba", ("a",)),
        ("abcdef", "fbcdea", ("f", "a")),
        ("abc", "axc", ()),  # b removed and x added: nothing moved
        ("abcd", "acbd", ("b",)),  # c moving up explains it as well; ties keep what comes first
    ],
)
def test_moved_items_are_those_outside_the_longest_common_order(old_order, new_order, moved):
    old = {"items": {"risk": [risk(i) for i in old_order]}}
    new = {"items": {"risk": [risk(i) for i in new_order]}}
    assert diff_content(old, new).items.get("risk", diffing.ItemsDiff()).moved == moved


def test_longest_common_order():
    assert longest_common_order([], []) == []
    assert longest_common_order(list("abcde"), list("aebcd")) == list("abcd")
    assert longest_common_order(list("abc"), list("cba")) == ["c"]


def test_summary_counts_each_kind_that_changed():
    old = {"narrative": "a", "items": {"risk": [risk("r1"), risk("r2")], "person": [{"id": "p1"}]}}
    new = {"narrative": "b", "fields": {"x": 1, "y": 2}, "items": {"risk": [risk("r2", impact=5), risk("r1")]}}
    diff = diff_content(old, new)
    assert diff.changed
    assert diff.summary() == {
        "narrative": True,
        "fields": 2,
        "items": {
            "person": {"added": 0, "removed": 1, "changed": 0, "moved": 0},
            "risk": {"added": 0, "removed": 0, "changed": 1, "moved": 1},
        },
    }


def test_a_diff_is_json_serialisable():
    old = {"narrative": "Hello world", "fields": {"value": {"amount": "1.00", "currency": "EUR"}}, "items": {}}
    new = {"narrative": "Hello there", "fields": {}, "items": {"risk": [risk("r1", tags=["a", "b"])]}}
    data = json.loads(json.dumps(diff_content(old, new).to_dict()))
    assert data["narrative"] == {
        "changed": True,
        "ops": [
            {"op": "equal", "text": "Hello "},
            {"op": "delete", "text": "world"},
            {"op": "insert", "text": "there"},
        ],
    }
    assert data["fields"] == [
        {"name": "value", "kind": "removed", "old": {"amount": "1.00", "currency": "EUR"}, "new": None}
    ]
    assert data["items"]["risk"]["added"] == [risk("r1", tags=["a", "b"])]


def test_diff_results_are_frozen():
    diff = diff_content({}, {"narrative": "x"})
    with pytest.raises(AttributeError):
        diff.narrative = None
    assert isinstance(diff, ContentDiff)


def test_diffing_leaves_its_inputs_alone():
    old = {"narrative": "a b", "fields": {"v": {"amount": "1"}}, "items": {"risk": [risk("r1"), risk("r2")]}}
    new = {"narrative": "a c", "fields": {"v": {"amount": "2"}}, "items": {"risk": [risk("r2", impact=1)]}}
    before = copy.deepcopy((old, new))
    diff_content(old, new)
    assert (old, new) == before


@pytest.mark.parametrize(
    "items",
    [[{"id": "r1"}, {"id": "r1"}], [{"title": "no id"}], [{"id": 7}], ["not a dict"]],
)
def test_items_need_unique_string_ids(items):
    with pytest.raises(ValueError, match="risk item"):
        diff_content({"items": {"risk": items}}, {})
