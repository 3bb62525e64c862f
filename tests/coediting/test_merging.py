import copy
import json
import random

import pytest

from app.coediting.merging import MISSING, Conflict, Custom, ResolutionError, merge_content, resolve


def text(narrative):
    return {"narrative": narrative}


def fields(**values):
    return {"fields": values}


def risks(*items):
    return {"items": {"risk": list(items)}}


def risk(item_id, **fields):
    return {"id": item_id, "title": f"Risk {item_id}", "likelihood": 3, "impact": 2, **fields}


def ids(content, kind="risk"):
    return [item["id"] for item in content["items"][kind]]


# Narrative -------------------------------------------------------------------------------

BASE = "# Scope\n\nWe share the port.\n\nWe review each quarter.\n\nExit needs notice.\n"


def test_edits_to_different_paragraphs_merge():
    ours = BASE.replace("the port", "the port and the depot")
    theirs = BASE.replace("Exit needs notice", "Exit needs six months' notice")
    result = merge_content(text(BASE), text(ours), text(theirs))
    assert result.clean
    assert result.content["narrative"] == (
        "# Scope\n\nWe share the port and the depot.\n\nWe review each quarter.\n\nExit needs six months' notice.\n"
    )


def test_the_same_change_on_both_sides_is_not_a_conflict():
    both = BASE.replace("each quarter", "each month") + "New closing line.\n"
    result = merge_content(text(BASE), text(both), text(both))
    assert result.clean and result.content["narrative"] == both


def test_the_same_change_among_other_changes_is_not_a_conflict():
    same = BASE.replace("each quarter", "each month")
    ours = same.replace("# Scope", "# Our scope")
    theirs = same.replace("Exit needs", "Leaving needs")
    result = merge_content(text(BASE), text(ours), text(theirs))
    assert result.clean
    assert result.content["narrative"] == (
        "# Our scope\n\nWe share the port.\n\nWe review each month.\n\nLeaving needs notice.\n"
    )


def test_both_sides_appending_at_the_end_conflict():
    result = merge_content(text(BASE), text(BASE + "Ours.\n"), text(BASE + "Theirs.\n"))
    assert result.conflicts == (
        Conflict("narrative:1", "narrative", "Narrative, paragraph near line 8", "", "Ours.\n", "Theirs.\n"),
    )
    assert result.content["narrative"] == BASE + "Theirs.\n"


def test_the_same_line_changed_differently_conflicts_and_keeps_theirs_for_now():
    ours = BASE.replace("each quarter", "each month")
    theirs = BASE.replace("each quarter", "twice a year")
    result = merge_content(text(BASE), text(ours), text(theirs))
    (conflict,) = result.conflicts
    assert conflict.key == "narrative:1"
    assert (conflict.base, conflict.ours, conflict.theirs) == (
        "We review each quarter.\n",
        "We review each month.\n",
        "We review twice a year.\n",
    )
    assert conflict.label == "Narrative, paragraph near line 5"
    assert result.content["narrative"] == theirs


def test_conflicts_are_numbered_in_text_order():
    ours = BASE.replace("Scope", "Ours").replace("notice", "our notice")
    theirs = BASE.replace("Scope", "Theirs").replace("notice", "their notice")
    result = merge_content(text(BASE), text(ours), text(theirs))
    assert [c.key for c in result.conflicts] == ["narrative:1", "narrative:2"]
    assert [c.label for c in result.conflicts] == [
        "Narrative, paragraph near line 1",
        "Narrative, paragraph near line 7",
    ]


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged"),
    [
        ("", "", "", ""),
        ("", "new\n", "", "new\n"),
        ("gone\n", "", "gone\n", ""),
        ("a\nb\n", "a\nb\n", "", ""),
        ("", "same", "same", "same"),
    ],
)
def test_empty_texts(base, ours, theirs, merged):
    result = merge_content(text(base), text(ours), text(theirs))
    assert result.clean and result.content["narrative"] == merged


def test_both_sides_writing_into_an_empty_narrative_conflict():
    result = merge_content(text(""), text("ours"), text("theirs"))
    assert [(c.base, c.ours, c.theirs) for c in result.conflicts] == [("", "ours\n", "theirs\n")]
    assert result.content["narrative"] == "theirs"


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged"),
    [
        # Only the line ending changed on one side.
        ("a\nb", "a\nb\n", "a\nb", "a\nb\n"),
        ("a\nb", "a\nb\n", "x\nb", "x\nb\n"),
        ("a\nb\n", "a\nb", "x\nb\n", "x\nb"),
        # An edit near the end does not collide with an edit that only added the final newline.
        ("a\nb\nc", "a\nb\nc\n", "A\nb\nc", "A\nb\nc\n"),
        # Appending to a text without a final newline does not rewrite its last line.
        ("a", "a\nb", "x\na", "x\na\nb"),
    ],
)
def test_trailing_newline_differences_merge(base, ours, theirs, merged):
    result = merge_content(text(base), text(ours), text(theirs))
    assert result.clean
    assert result.content["narrative"] == merged


def test_both_sides_appending_to_a_text_without_final_newline_conflict():
    result = merge_content(text("a"), text("a\nb"), text("a\nc"))
    assert [(c.ours, c.theirs) for c in result.conflicts] == [("b\n", "c\n")]
    assert result.content["narrative"] == "a\nc"


def test_crlf_texts_merge_by_line_and_keep_their_endings():
    base = "one\r\ntwo\r\nthree\r\n"
    result = merge_content(text(base), text("ONE\r\ntwo\r\nthree\r\n"), text("one\r\ntwo\r\nTHREE\r\n"))
    assert result.clean and result.content["narrative"] == "ONE\r\ntwo\r\nTHREE\r\n"


def test_a_side_that_only_switched_to_crlf_conflicts_with_any_edit():
    # Left as it is: the save service normalises line endings before it merges.
    result = merge_content(text("a\nb\n"), text("a\r\nb\r\n"), text("a\nB\n"))
    assert not result.clean


def test_unicode_lines_merge():
    base = "Zoë signs.\nStraße 1.\n日本語の行。\n"
    ours = base.replace("Zoë", "Zoë and Łukasz")
    theirs = base.replace("日本語の行", "日本語の新しい行")
    result = merge_content(text(base), text(ours), text(theirs))
    assert result.clean and result.content["narrative"] == "Zoë and Łukasz signs.\nStraße 1.\n日本語の新しい行。\n"


def checklist():
    """300 lines drawn from six, so each repeats more than 1 % of the time."""
    lines = ["- [ ] Sign off\n", "- [ ] Review\n", "- [x] Review\n", "- [ ] Agree\n", "\n", "---\n"]
    rng = random.Random(7)
    return [rng.choice(lines) for _ in range(300)]


def test_a_long_text_of_repeated_lines_still_merges_line_by_line():
    # With difflib's autojunk nothing here could anchor a match after our insertion, so the
    # rest of the text would be one change, conflicting with their edit near the end.
    base = checklist()
    ours, theirs = list(base), list(base)
    ours.insert(3, "- [ ] Agree the budget\n")
    theirs[200] = "- [x] Sign off\n"
    result = merge_content(text("".join(base)), text("".join(ours)), text("".join(theirs)))
    assert result.clean
    expected = list(ours)
    expected[201] = "- [x] Sign off\n"
    assert result.content["narrative"] == "".join(expected)


def test_lines_deleted_on_both_sides_stay_deleted():
    base = "a\nb\nc\nd\n"
    result = merge_content(text(base), text("a\nc\nd\n"), text("a\nc\nD\n"))
    assert result.clean and result.content["narrative"] == "a\nc\nD\n"


# Fields ----------------------------------------------------------------------------------


def test_a_field_changed_on_one_side_wins():
    base = fields(term_start="2026-01-01", contract_model="gain_share")
    ours = fields(term_start="2026-02-01", contract_model="gain_share")
    theirs = fields(term_start="2026-01-01", contract_model="pain_share")
    result = merge_content(base, ours, theirs)
    assert result.clean
    assert result.content["fields"] == {"term_start": "2026-02-01", "contract_model": "pain_share"}


def test_the_same_field_change_on_both_sides_is_fine():
    value = {"amount": "125000.00", "currency": "EUR"}
    result = merge_content(fields(value=None), fields(value=value), fields(value=dict(value)))
    assert result.clean and result.content["fields"] == {"value": value}


def test_different_changes_to_one_field_conflict():
    base, ours, theirs = (fields(term_start=f"2026-0{month}-01") for month in (1, 2, 3))
    result = merge_content(base, ours, theirs)
    assert result.conflicts == (
        Conflict("field:term_start", "field", "Term start", "2026-01-01", "2026-02-01", "2026-03-01"),
    )
    assert result.content["fields"] == {"term_start": "2026-03-01"}


def test_fields_added_and_removed():
    base = fields(a=1, b=2, c=3)
    ours = fields(a=1, b=2, c=3, d=4)  # adds d
    theirs = fields(a=1, c=3)  # removes b
    result = merge_content(base, ours, theirs)
    assert result.clean and result.content["fields"] == {"a": 1, "c": 3, "d": 4}


def test_none_is_a_value_not_a_removal():
    result = merge_content(fields(a=1), fields(a=None), fields(a=1))
    assert result.content["fields"] == {"a": None}


def test_a_field_removed_on_one_side_and_changed_on_the_other_conflicts():
    result = merge_content(fields(a=1), fields(), fields(a=2))
    (conflict,) = result.conflicts
    assert (conflict.base, conflict.ours, conflict.theirs) == (1, MISSING, 2)
    assert conflict.to_dict() == {
        "key": "field:a",
        "kind": "field",
        "label": "A",
        "base": 1,
        "ours": None,
        "theirs": 2,
        "absent": ["ours"],
    }
    assert result.content["fields"] == {"a": 2}


def test_field_conflicts_come_in_name_order_however_the_dicts_were_stored():
    base = {"fields": {"b": 0, "a": 0}}
    ours = {"fields": {"b": 1, "a": 1}}
    theirs = {"fields": {"a": 2, "b": 2}}
    assert [c.key for c in merge_content(base, ours, theirs).conflicts] == ["field:a", "field:b"]


# Items -----------------------------------------------------------------------------------


def test_items_added_on_either_side_are_kept_where_they_were_added():
    base = risks(risk("r1"), risk("r2"), risk("r3"))
    ours = risks(risk("o1"), risk("r1"), risk("r2"), risk("o2"), risk("r3"))
    theirs = risks(risk("r1"), risk("t1"), risk("r2"), risk("r3"), risk("t2"))
    result = merge_content(base, ours, theirs)
    assert result.clean
    assert ids(result.content) == ["o1", "r1", "t1", "r2", "o2", "r3", "t2"]


def test_an_item_deleted_on_one_side_and_untouched_on_the_other_is_deleted():
    base = risks(risk("r1"), risk("r2"), risk("r3"))
    result = merge_content(base, risks(risk("r1"), risk("r3")), risks(risk("r1"), risk("r2"), risk("r3", impact=5)))
    assert result.clean
    assert result.content["items"]["risk"] == [risk("r1"), risk("r3", impact=5)]


def test_theirs_deleting_an_item_ours_changed_conflicts():
    base = risks(risk("r1", title="Port strike"), risk("r2"))
    ours = risks(risk("r1", title="Port strike", likelihood=5), risk("r2"))
    theirs = risks(risk("r2"))
    result = merge_content(base, ours, theirs)
    (conflict,) = result.conflicts
    assert conflict.key == "item:risk:r1"
    assert conflict.kind == "item_deleted_changed"
    assert conflict.label == "Risk “Port strike” — changed in this edit, deleted in the current version"
    assert conflict.ours == ours["items"]["risk"][0] and conflict.theirs is MISSING
    assert ids(result.content) == ["r2"]  # their deletion stands for now


def test_ours_deleting_an_item_theirs_changed_conflicts():
    base = risks(risk("r1"), risk("r2"))
    theirs = risks(risk("r1", impact=5), risk("r2"))
    result = merge_content(base, risks(risk("r2")), theirs)
    assert [(c.key, c.ours, c.theirs) for c in result.conflicts] == [("item:risk:r1", MISSING, risk("r1", impact=5))]
    assert result.conflicts[0].label == "Risk “Risk r1” — deleted in this edit, changed in the current version"
    assert result.content["items"]["risk"] == [risk("r1", impact=5), risk("r2")]


def test_an_item_changed_on_both_sides_in_different_fields_merges_field_by_field():
    ours, theirs = risks(risk("r1", likelihood=5)), risks(risk("r1", impact=1, owner_party=12))
    result = merge_content(risks(risk("r1")), ours, theirs)
    assert result.clean
    assert result.content["items"]["risk"] == [risk("r1", likelihood=5, impact=1, owner_party=12)]


def test_the_same_item_field_changed_differently_conflicts_on_that_field():
    base = risks(risk("r-6f1c2a", title="Port strike"))
    ours = risks(risk("r-6f1c2a", title="Port strike", likelihood=4, impact=5))
    theirs = risks(risk("r-6f1c2a", title="Port strike", likelihood=1))
    result = merge_content(base, ours, theirs)
    assert result.conflicts == (
        Conflict("item:risk:r-6f1c2a:likelihood", "item_field", "Risk “Port strike” — likelihood", 3, 4, 1),
    )
    assert result.content["items"]["risk"] == [risk("r-6f1c2a", title="Port strike", likelihood=1, impact=5)]


def test_an_item_label_falls_back_to_name_then_id():
    base, ours, theirs = (
        {"items": {"governance_body": [{"id": "g1", "name": "Steering board", "size": n}], "x": [{"id": "x1", "v": n}]}}
        for n in (1, 2, 3)
    )
    labels = [c.label for c in merge_content(base, ours, theirs).conflicts]
    assert labels == ["Governance body “Steering board” — size", "X “x1” — v"]


def test_the_same_id_added_on_both_sides_merges_by_field():
    result = merge_content(risks(), risks({"id": "n1", "impact": 5}), risks({"id": "n1", "likelihood": 1}))
    assert result.clean and result.content["items"]["risk"] == [{"id": "n1", "likelihood": 1, "impact": 5}]
    clash = merge_content(risks(), risks({"id": "n1", "impact": 5}), risks({"id": "n1", "impact": 1}))
    assert [(c.key, c.base, c.ours, c.theirs) for c in clash.conflicts] == [("item:risk:n1:impact", MISSING, 5, 1)]


def test_the_side_that_reordered_sets_the_order():
    base = risks(risk("a"), risk("b"), risk("c"), risk("d"))
    ours = risks(risk("d"), risk("c"), risk("b"), risk("a"))
    theirs = risks(risk("a"), risk("b"), risk("x"), risk("c"), risk("d", impact=5))
    result = merge_content(base, ours, theirs)
    assert result.clean
    assert ids(result.content) == ["d", "c", "b", "x", "a"]
    assert result.content["items"]["risk"][0] == risk("d", impact=5)


def test_when_both_reordered_theirs_leads_and_our_additions_follow_their_predecessor():
    base = risks(risk("a"), risk("b"), risk("c"))
    ours = risks(risk("new"), risk("c"), risk("b"), risk("o"), risk("a"))
    theirs = risks(risk("b"), risk("a"), risk("c"))
    result = merge_content(base, ours, theirs)
    assert result.clean
    assert ids(result.content) == ["new", "b", "o", "a", "c"]


def test_a_reordered_side_that_deleted_an_item_keeps_the_item_the_other_side_changed():
    base = risks(risk("a"), risk("b"), risk("c"))
    ours = risks(risk("c"), risk("a"))  # reordered, deleted b
    theirs = risks(risk("a"), risk("b", impact=5), risk("c"))  # changed b
    result = merge_content(base, ours, theirs)
    assert [c.key for c in result.conflicts] == ["item:risk:b"]
    assert ids(result.content) == ["c", "a", "b"]
    assert ids(resolve(base, ours, theirs, {"item:risk:b": "ours"})) == ["c", "a"]


def test_a_kind_only_one_side_touched_follows_that_side():
    base = {"items": {"risk": [risk("r1")], "person": []}}
    ours = {"items": {"risk": [risk("r1")]}}  # dropped the empty person list
    theirs = {"items": {"risk": [risk("r1")], "person": [], "asset": []}}  # added an empty asset list
    assert merge_content(base, ours, theirs).content["items"] == {"asset": [], "risk": [risk("r1")]}


def test_missing_parts_count_as_empty_and_the_result_has_all_three():
    result = merge_content({}, {"fields": {"a": 1}}, {"narrative": "x"})
    assert result.content == {"narrative": "x", "fields": {"a": 1}, "items": {}}


# Resolving -------------------------------------------------------------------------------


def conflicting():
    base = {
        "narrative": "Intro.\nWe meet monthly.\nEnd.\n",
        "fields": {"term_start": "2026-01-01", "notes": "x"},
        "items": {"risk": [risk("r1", title="Port strike"), risk("r2")]},
    }
    ours = {
        "narrative": "Intro.\nWe meet weekly.\nEnd.\n",
        "fields": {"term_start": "2026-02-01"},
        "items": {"risk": [risk("r1", title="Port strike", likelihood=4), risk("r2", impact=4)]},
    }
    theirs = {
        "narrative": "Intro.\nWe meet quarterly.\nEnd.\n",
        "fields": {"term_start": "2026-03-01", "notes": "y"},
        "items": {"risk": [risk("r1", title="Port strike", likelihood=1)]},
    }
    return base, ours, theirs


def test_conflict_keys():
    result = merge_content(*conflicting())
    assert [c.key for c in result.conflicts] == [
        "narrative:1",
        "field:notes",
        "field:term_start",
        "item:risk:r1:likelihood",
        "item:risk:r2",
    ]


def test_resolving_every_conflict_with_theirs_gives_the_tentative_content():
    base, ours, theirs = conflicting()
    result = merge_content(base, ours, theirs)
    assert resolve(base, ours, theirs, {c.key: "theirs" for c in result.conflicts}) == result.content


def test_resolving_with_ours():
    base, ours, theirs = conflicting()
    keys = [c.key for c in merge_content(base, ours, theirs).conflicts]
    assert resolve(base, ours, theirs, dict.fromkeys(keys, "ours")) == {
        "narrative": "Intro.\nWe meet weekly.\nEnd.\n",
        "fields": {"term_start": "2026-02-01"},
        "items": {"risk": [risk("r1", title="Port strike", likelihood=4), risk("r2", impact=4)]},
    }


def test_resolving_with_base_and_custom_values():
    base, ours, theirs = conflicting()
    choices = {
        "narrative:1": Custom("We meet when needed."),
        "field:notes": "base",
        "field:term_start": Custom("2026-04-01"),
        "item:risk:r1:likelihood": Custom(2),
        "item:risk:r2": "base",
    }
    assert resolve(base, ours, theirs, choices) == {
        "narrative": "Intro.\nWe meet when needed.\nEnd.\n",
        "fields": {"term_start": "2026-04-01", "notes": "x"},
        "items": {"risk": [risk("r1", title="Port strike", likelihood=2), risk("r2")]},
    }


def test_custom_values_can_remove_a_field_or_an_item():
    base, ours, theirs = conflicting()
    choices = {
        "narrative:1": Custom(""),
        "field:notes": Custom(MISSING),
        "field:term_start": "ours",
        "item:risk:r1:likelihood": "theirs",
        "item:risk:r2": Custom(None),
    }
    resolved = resolve(base, ours, theirs, choices)
    assert resolved["narrative"] == "Intro.\nEnd.\n"
    assert resolved["fields"] == {"term_start": "2026-02-01"}
    assert ids(resolved) == ["r1"]


def test_a_custom_item_replaces_the_item():
    base, ours, theirs = conflicting()
    keys = [c.key for c in merge_content(base, ours, theirs).conflicts]
    choices = {**dict.fromkeys(keys, "theirs"), "item:risk:r2": Custom(risk("r2", title="Rewritten"))}
    assert resolve(base, ours, theirs, choices)["items"]["risk"][1] == risk("r2", title="Rewritten")


def test_unresolved_and_unknown_keys_are_refused():
    base, ours, theirs = conflicting()
    with pytest.raises(ResolutionError) as refused:
        resolve(base, ours, theirs, {"narrative:1": "ours", "field:nope": "ours"})
    assert refused.value.unresolved == ("field:notes", "field:term_start", "item:risk:r1:likelihood", "item:risk:r2")
    assert refused.value.unknown == ("field:nope",)
    assert "no choice for field:notes" in str(refused.value) and "no conflict named field:nope" in str(refused.value)


def test_choices_for_a_clean_merge_are_refused():
    with pytest.raises(ResolutionError, match="no conflict named narrative:1"):
        resolve(text("a"), text("b"), text("a"), {"narrative:1": "ours"})
    assert resolve(text("a"), text("b"), text("a"), {}) == {"narrative": "b", "fields": {}, "items": {}}


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        ("field:notes", "mine"),
        ("field:notes", ["ours"]),
        ("narrative:1", Custom(42)),
        ("item:risk:r2", Custom({"id": "other"})),
        ("item:risk:r2", Custom("not an item")),
    ],
)
def test_choices_that_do_not_fit_are_refused(key, choice):
    base, ours, theirs = conflicting()
    keys = [c.key for c in merge_content(base, ours, theirs).conflicts]
    with pytest.raises(ResolutionError, match=key):
        resolve(base, ours, theirs, {**dict.fromkeys(keys, "theirs"), key: choice})


def test_custom_narrative_text_does_not_run_into_the_next_line():
    base, ours, theirs = text("a\nb\nc\n"), text("a\nB\nc\n"), text("a\nbee\nc\n")
    assert resolve(base, ours, theirs, {"narrative:1": Custom("bb")})["narrative"] == "a\nbb\nc\n"
    assert resolve(base, ours, theirs, {"narrative:1": Custom("b1\r\nb2")})["narrative"] == "a\nb1\r\nb2\nc\n"


# The whole result ------------------------------------------------------------------------


def test_a_merge_result_is_json_serialisable():
    result = merge_content(*conflicting())
    data = json.loads(json.dumps(result.to_dict()))
    assert data["content"] == result.content
    assert data["conflicts"][-1] == {
        "key": "item:risk:r2",
        "kind": "item_deleted_changed",
        "label": "Risk “Risk r2” — changed in this edit, deleted in the current version",
        "base": risk("r2"),
        "ours": risk("r2", impact=4),
        "theirs": None,
        "absent": ["theirs"],
    }


def test_merging_is_deterministic_and_leaves_its_inputs_alone():
    inputs = conflicting()
    before = copy.deepcopy(inputs)
    first = merge_content(*inputs)
    assert merge_content(*copy.deepcopy(inputs)) == first
    keys = [c.key for c in first.conflicts]
    resolve(*inputs, dict.fromkeys(keys, "ours"))
    assert inputs == before
