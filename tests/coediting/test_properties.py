"""Properties of diff and merge that must hold for any content, checked on generated examples."""

import copy
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.coediting.content import normalise_content, split_lines
from app.coediting.diffing import diff_content, diff_text
from app.coediting.merging import _Merge, merge_content, resolve

quick = settings(max_examples=100, deadline=None)

# Few distinct lines and ids, so generated sides often touch the same spots.
LINES = ["alpha\n", "beta\n", "\n", "gamma delta\n", "Straße, ünïcode!\n", "crlf line\r\n", "- item\n", "日本語\n"]
lines = st.lists(st.sampled_from(LINES), max_size=10)
narratives = st.builds(lambda body, tail: "".join(body) + tail, lines, st.sampled_from(["", "last", "end\r"]))
any_text = st.one_of(narratives, st.text(max_size=60))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=4,
)
FIELD_NAMES = ["contract_model", "term_start", "value", "notes"]
ITEM_FIELDS = ["title", "likelihood", "impact", "owner_party"]
IDS = ["r1", "r2", "r3", "r4", "r5", "r6"]


def item_lists(ids=IDS):
    item = st.builds(
        lambda item_id, values: {"id": item_id, **values},
        st.sampled_from(ids),
        st.dictionaries(st.sampled_from(ITEM_FIELDS), st.integers(1, 3) | st.sampled_from(["a", "b"]), max_size=3),
    )
    return st.lists(item, max_size=6, unique_by=lambda item: item["id"])


contents = st.fixed_dictionaries(
    {},
    optional={
        "narrative": narratives,
        "fields": st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=4),
        "items": st.dictionaries(st.sampled_from(["risk", "person"]), item_lists(), max_size=2),
    },
)


def ids_of(content, kind):
    return [item["id"] for item in content.get("items", {}).get(kind) or []]


def by_id(content, kind):
    return {item["id"]: item for item in content.get("items", {}).get(kind) or []}


# Diff ------------------------------------------------------------------------------------


@quick
@given(any_text, any_text)
def test_diff_text_rebuilds_both_texts(old, new):
    ops = diff_text(old, new)
    assert "".join(op.text for op in ops if op.op != "insert") == old
    assert "".join(op.text for op in ops if op.op != "delete") == new
    assert all(op.text for op in ops)
    kinds = [op.op for op in ops]
    assert all(a != b for a, b in pairwise(kinds))  # neighbouring ops are joined
    assert ("insert", "delete") not in set(pairwise(kinds))  # a replacement deletes first


@quick
@given(contents)
def test_the_diff_of_content_with_itself_is_empty(content):
    diff = diff_content(content, copy.deepcopy(content))
    assert diff.is_empty and not diff.changed
    assert diff.summary() == {"narrative": False, "fields": 0, "items": {}}


def common_order_length(first, second):
    table = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            table[i + 1][j + 1] = table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@quick
@given(contents, contents)
def test_a_content_diff_accounts_for_every_change(old, new):
    diff = diff_content(old, new)
    old_fields, new_fields = old.get("fields", {}), new.get("fields", {})
    patched = {name: value for name, value in old_fields.items()}
    for change in diff.fields:
        if change.kind == "removed":
            del patched[change.name]
        else:
            patched[change.name] = change.new
    assert patched == new_fields
    for kind in {"risk", "person"}:
        old_items, new_items = by_id(old, kind), by_id(new, kind)
        kind_diff = diff.items.get(kind)
        if kind_diff is None:
            assert old_items == new_items and ids_of(old, kind) == ids_of(new, kind)
            continue
        assert [item["id"] for item in kind_diff.added] == [i for i in ids_of(new, kind) if i not in old_items]
        assert [item["id"] for item in kind_diff.removed] == [i for i in ids_of(old, kind) if i not in new_items]
        changed = {change.id for change in kind_diff.changed}
        assert changed == {i for i in old_items.keys() & new_items.keys() if old_items[i] != new_items[i]}
        # The moved ids are as few as the longest common order allows, and the rest keep their order.
        kept_old = [i for i in ids_of(old, kind) if i in new_items and i not in kind_diff.moved]
        kept_new = [i for i in ids_of(new, kind) if i in old_items and i not in kind_diff.moved]
        assert kept_old == kept_new
        common_old = [i for i in ids_of(old, kind) if i in new_items]
        common_new = [i for i in ids_of(new, kind) if i in old_items]
        assert len(kept_old) == common_order_length(common_old, common_new)


# Merge: an unchanged side ----------------------------------------------------------------


@quick
@given(contents, contents)
def test_merging_with_an_unchanged_side_gives_the_other_side(base, edited):
    theirs_only = merge_content(base, copy.deepcopy(base), edited)
    assert theirs_only.clean and theirs_only.content == normalise_content(edited)
    ours_only = merge_content(base, edited, copy.deepcopy(base))
    assert ours_only.clean and ours_only.content == normalise_content(edited)


@quick
@given(contents, contents)
def test_the_same_edit_on_both_sides_is_that_edit(base, edited):
    result = merge_content(base, edited, copy.deepcopy(edited))
    assert result.clean and result.content == normalise_content(edited)


@quick
@given(st.lists(st.sampled_from(LINES), max_size=12), st.lists(st.sampled_from(LINES), max_size=12))
def test_the_line_walk_itself_gives_the_changed_side(base, edited):
    # merge_content answers these cases before walking lines; the walk must agree.
    assert _Merge(None).lines(base, list(base), edited) == edited
    assert _Merge(None).lines(base, edited, list(base)) == edited


# Merge: disjoint edits -------------------------------------------------------------------

EDITS = st.sampled_from([None, "ours", "theirs"])


@st.composite
def disjoint_edits(draw):
    """A base and two sides that edit disjoint lines, fields and items; and what merging must give."""
    count = draw(st.integers(0, 16))
    # Odd lines, which neither side edits, are often blank, as between Markdown paragraphs.
    base_lines = [f"line {n}\n" if n % 2 == 0 or draw(st.booleans()) else "\n" for n in range(count)]
    sides = {"ours": list(base_lines), "theirs": list(base_lines)}
    expected_lines = []
    for n, line in enumerate(base_lines):
        # Ours edits lines 0, 4, 8…, theirs lines 2, 6, 10…: an untouched line always lies between.
        editor = {0: "ours", 2: "theirs"}.get(n % 4)
        action = draw(st.sampled_from(["keep", "change", "delete", "add_after"])) if editor else "keep"
        replacement = {"keep": [line], "change": [f"{editor} {n}\n"], "delete": [], "add_after": [line, f"new {n}\n"]}
        if editor:
            sides[editor][n] = replacement[action]
        expected_lines.extend(replacement[action])
    ours_text = "".join(x if isinstance(x, str) else "".join(x) for x in sides["ours"])
    theirs_text = "".join(x if isinstance(x, str) else "".join(x) for x in sides["theirs"])

    base_fields = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=4))
    fields = {"ours": dict(base_fields), "theirs": dict(base_fields)}
    expected_fields = dict(base_fields)
    for name in FIELD_NAMES:
        editor = draw(EDITS)
        if editor is None:
            continue
        if name in base_fields and draw(st.booleans()):
            del fields[editor][name]
            del expected_fields[name]
        else:
            value = draw(json_values)
            fields[editor][name] = value
            expected_fields[name] = value

    base_items = draw(item_lists())
    items = {"ours": [dict(i) for i in base_items], "theirs": [dict(i) for i in base_items]}
    expected_items = {item["id"]: dict(item) for item in base_items}
    for item in base_items:
        editor = draw(EDITS)
        if editor is None:
            continue
        if draw(st.booleans()):
            items[editor] = [i for i in items[editor] if i["id"] != item["id"]]
            del expected_items[item["id"]]
        else:
            edit = draw(st.dictionaries(st.sampled_from(ITEM_FIELDS), st.integers(4, 9), min_size=1, max_size=2))
            next(i for i in items[editor] if i["id"] == item["id"]).update(edit)
            expected_items[item["id"]].update(edit)
    for editor in ("ours", "theirs"):
        for added in draw(item_lists([f"{editor}-{n}" for n in range(3)])):
            items[editor].insert(draw(st.integers(0, len(items[editor]))), added)
            expected_items[added["id"]] = added

    def side(text, name):
        return {"narrative": text, "fields": fields[name], "items": {"risk": items[name]}}

    base = {"narrative": "".join(base_lines), "fields": base_fields, "items": {"risk": base_items}}
    expected = {"narrative": "".join(expected_lines), "fields": expected_fields, "risk": expected_items}
    return base, side(ours_text, "ours"), side(theirs_text, "theirs"), expected


@quick
@given(disjoint_edits())
def test_a_merge_of_disjoint_edits_is_clean_and_has_both_sides_changes(case):
    base, ours, theirs, expected = case
    result = merge_content(base, ours, theirs)
    assert result.clean
    assert result.content["narrative"] == expected["narrative"]
    assert result.content["fields"] == expected["fields"]
    assert by_id(result.content, "risk") == expected["risk"]
    assert len(ids_of(result.content, "risk")) == len(expected["risk"])


# Merge: any three versions ---------------------------------------------------------------


@quick
@given(contents, contents, contents)
def test_merge_never_drops_or_repeats_an_item_it_should_keep(base, ours, theirs):
    result = merge_content(base, ours, theirs)
    for kind in ("risk", "person"):
        merged = ids_of(result.content, kind)
        assert len(merged) == len(set(merged))
        in_base, in_ours, in_theirs = by_id(base, kind), by_id(ours, kind), by_id(theirs, kind)
        assert set(merged) <= in_ours.keys() | in_theirs.keys()
        for item_id in in_ours.keys() | in_theirs.keys():
            if item_id not in in_base:
                assert item_id in merged  # added on a side
            elif item_id in in_ours and item_id in in_theirs:
                assert item_id in merged  # nobody deleted it
            elif in_ours.get(item_id) == in_base[item_id] or in_theirs.get(item_id) == in_base[item_id]:
                assert item_id not in merged  # deleted on one side, untouched on the other
            else:  # deleted on one side, changed on the other: a conflict, their version for now
                assert f"item:{kind}:{item_id}" in {conflict.key for conflict in result.conflicts}
                assert (item_id in merged) == (item_id in in_theirs)


@quick
@given(contents, contents, contents)
def test_merge_is_deterministic_and_theirs_resolves_to_the_tentative_content(base, ours, theirs):
    before = copy.deepcopy((base, ours, theirs))
    result = merge_content(base, ours, theirs)
    assert merge_content(*copy.deepcopy((base, ours, theirs))) == result
    keys = [conflict.key for conflict in result.conflicts]
    assert len(keys) == len(set(keys))
    assert resolve(base, ours, theirs, dict.fromkeys(keys, "theirs")) == result.content
    resolve(base, ours, theirs, dict.fromkeys(keys, "ours"))
    resolve(base, ours, theirs, dict.fromkeys(keys, "base"))
    assert (base, ours, theirs) == before


@quick
@given(narratives, narratives, narratives)
def test_choosing_ours_everywhere_keeps_every_line_ours_changed(base, ours, theirs):
    merged = merge_content({"narrative": base}, {"narrative": ours}, {"narrative": theirs})
    keys = [conflict.key for conflict in merged.conflicts]
    resolved = resolve({"narrative": base}, {"narrative": ours}, {"narrative": theirs}, dict.fromkeys(keys, "ours"))
    if theirs == base:
        assert resolved["narrative"] == ours
    # Every line ours has and base lacks shows up in the result.
    base_lines = set(split_lines(base + "\n"))
    result_lines = split_lines(resolved["narrative"] + "\n")
    for line in split_lines(ours + "\n"):
        if line not in base_lines:
            assert line in result_lines
