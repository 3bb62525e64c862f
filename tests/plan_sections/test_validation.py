"""Every section type and item kind accepts what its declaration allows and refuses the rest."""

import pytest

from app.accounts.models import Organisation, User
from app.partnerships.models import Membership, Party
from app.plan_sections.context import PlanContext
from app.plan_sections.fields import Field, Money, PartyRef
from app.plan_sections.registry import get_section_type, section_types
from app.plan_sections.schema import ContentError
from tests.support.samples import all_item_kinds, sample_content, sample_item

OUTSIDE_PARTY, OUTSIDER = 99, 999


@pytest.fixture(scope="module")
def ctx():
    """Two parties with two members each, and the sections others point at already filled.

    Validation is pure: these tests need no database (the view and service tests use a real one).
    """
    alpha, beta = Organisation(id=1, name="Alpha Ltd"), Organisation(id=2, name="Beta GmbH")
    parties = {1: Party(id=1, organisation=alpha), 2: Party(id=2, organisation=beta)}
    members = {
        user_id: Membership(user_id=user_id, party_id=party_id, user=User(id=user_id, full_name=name))
        for user_id, party_id, name in (
            (11, 1, "Ada Admin"), (12, 1, "Eve Editor"), (21, 2, "Bob Admin"), (22, 2, "Ed Editor")
        )
    }
    context = PlanContext(partnership_id=1, parties=parties, members=members)
    for key in ("business_case", "asset_register", "knowledge_management"):
        section_type = get_section_type(key)
        context.contents[key] = section_type.validate(sample_content(section_type, context, items_per_kind=2), context)
    return PlanContext(partnership_id=1, parties=parties, members=members, contents=context.contents)


def content_with(section_key: str, kind_key: str, item: dict) -> dict:
    section_type = get_section_type(section_key)
    content = section_type.empty_content()
    content["items"][kind_key] = [item]
    return content


def errors_of(section_key: str, content: dict, ctx, base=None) -> dict:
    with pytest.raises(ContentError) as raised:
        get_section_type(section_key).validate(content, ctx, base=base)
    return raised.value.errors


def test_the_registry_holds_the_ten_sections_in_order():
    assert [t.number for t in section_types()] == list(range(1, 11))
    assert [t.key for t in section_types()] == [
        "organisational_arrangements", "business_case", "asset_register", "risk_assessment",
        "commercial_agreement", "management_activities", "continuous_improvement",
        "knowledge_management", "communications", "exit_arrangements",
    ]


@pytest.mark.parametrize("section_key", [t.key for t in section_types()])
def test_a_fully_filled_section_is_accepted_and_normalised(section_key, ctx):
    section_type = get_section_type(section_key)
    clean = section_type.validate(sample_content(section_type, ctx, items_per_kind=2), ctx)
    assert set(clean) == {"narrative", "fields", "items"}
    assert set(clean["fields"]) == {f.name for f in section_type.fields}
    for kind in section_type.item_kinds:
        items = clean["items"][kind.key]
        assert len(items) == 2
        assert all(item["id"].startswith(kind.id_prefix + "-") for item in items)
        assert set(items[0]) == {"id", *kind.by_name}
    assert section_type.completeness(clean).is_complete or any(k.min_items > 2 for k in section_type.item_kinds)


@pytest.mark.parametrize(("section_key", "kind_key"), all_item_kinds())
def test_every_required_field_of_every_item_kind_is_enforced(section_key, kind_key, ctx):
    kind = get_section_type(section_key).kind_by_key[kind_key]
    required = [f for f in kind.fields if f.required]
    assert required, f"{kind_key} declares no required field"
    for f in required:
        item = sample_item(kind, ctx)
        item[f.name] = None
        errors = errors_of(section_key, content_with(section_key, kind_key, item), ctx)
        assert list(errors) == [f"items-{kind_key}-0-{f.name}"], f.name
        with pytest.raises(Exception, match=r"\.$"):  # the form path refuses a blank input the same way
            f.parse("" if not isinstance(f, Money) else {"amount": "", "currency": "EUR"}, ctx)


@pytest.mark.parametrize(("section_key", "kind_key"), all_item_kinds())
def test_optional_fields_may_stay_empty(section_key, kind_key, ctx):
    kind = get_section_type(section_key).kind_by_key[kind_key]
    item = {f.name: (sample_item(kind, ctx)[f.name] if f.required else None) for f in kind.fields}
    clean = get_section_type(section_key).validate(content_with(section_key, kind_key, item), ctx)
    stored = clean["items"][kind_key][0]
    assert all(stored[f.name] is None for f in kind.fields if not f.required and f.empty is None)


@pytest.mark.parametrize("value", [0, 6, -1, "3", 2.5, True, None])
def test_likelihood_and_impact_are_whole_numbers_from_1_to_5(value, ctx):
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    for name in ("likelihood", "impact"):
        item = sample_item(kind, ctx)
        item[name] = value
        content = content_with("risk_assessment", "risks", item)
        assert f"items-risks-0-{name}" in errors_of("risk_assessment", content, ctx)


def test_the_risk_score_is_derived_never_stored(ctx):
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    item = sample_item(kind, ctx) | {"likelihood": 4, "impact": 5}
    clean = get_section_type("risk_assessment").validate(content_with("risk_assessment", "risks", item), ctx)
    stored = clean["items"]["risks"][0]
    assert "score" not in stored
    assert kind.derived["score"].compute(stored) == 20
    with pytest.raises(ContentError):  # and cannot be typed in
        get_section_type("risk_assessment").validate(content_with("risk_assessment", "risks", item | {"score": 1}), ctx)


@pytest.mark.parametrize("value", ["2026-02-30", "31/12/2026", "2026-1-5", "tomorrow", "1800-01-01", 20260101])
def test_dates_are_real_iso_dates(value, ctx):
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    item = sample_item(kind, ctx) | {"next_review": value}
    content = content_with("risk_assessment", "risks", item)
    assert "items-risks-0-next_review" in errors_of("risk_assessment", content, ctx)


def test_typed_dates_become_iso_strings(ctx):
    date_field = get_section_type("risk_assessment").kind_by_key["risks"].by_name["next_review"]
    assert date_field.parse("2026-05-01", ctx) == "2026-05-01"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        date_field.parse("05/01/2026", ctx)


@pytest.mark.parametrize(
    "value",
    [
        {"amount": "100.00", "currency": "XXX"},
        {"amount": "100.00", "currency": "eur"},
        {"amount": "100.5", "currency": "EUR"},
        {"amount": "100.001", "currency": "EUR"},
        {"amount": "100.00", "currency": "JPY"},
        {"amount": "-5.00", "currency": "EUR"},
        {"amount": 100, "currency": "EUR"},
        {"amount": "NaN", "currency": "EUR"},
        {"amount": "100.00"},
        "100 EUR",
    ],
)
def test_money_needs_an_exact_amount_in_a_listed_currency(value, ctx):
    kind = get_section_type("asset_register").kind_by_key["assets"]
    item = sample_item(kind, ctx) | {"value": value}
    assert "items-assets-0-value" in errors_of("asset_register", content_with("asset_register", "assets", item), ctx)


def test_typed_money_is_stored_canonically(ctx):
    money = get_section_type("asset_register").kind_by_key["assets"].by_name["value"]
    assert money.parse({"amount": "1,250,000", "currency": "USD"}, ctx) == {"amount": "1250000.00", "currency": "USD"}
    assert money.parse({"amount": "99.5", "currency": "EUR"}, ctx) == {"amount": "99.50", "currency": "EUR"}
    assert money.parse({"amount": "125000", "currency": "JPY"}, ctx) == {"amount": "125000", "currency": "JPY"}
    for bad in ({"amount": "12.345", "currency": "EUR"}, {"amount": "lots", "currency": "EUR"},
                {"amount": "10", "currency": "ZZZ"}, {"amount": "1.5", "currency": "JPY"}):
        with pytest.raises(ValueError):
            money.parse(bad, ctx)


def test_party_references_must_be_parties_of_this_partnership(ctx):
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    for value in (OUTSIDE_PARTY, "1", True, None):
        item = sample_item(kind, ctx) | {"owner_party": value}
        assert "items-risks-0-owner_party" in errors_of(
            "risk_assessment", content_with("risk_assessment", "risks", item), ctx
        )


def test_member_references_must_be_members_of_this_partnership(ctx):
    kind = get_section_type("risk_assessment").kind_by_key["risks"]
    for user_id in (OUTSIDER, "11", 11.0):
        item = sample_item(kind, ctx) | {"owner": user_id}
        content = content_with("risk_assessment", "risks", item)
        assert "items-risks-0-owner" in errors_of("risk_assessment", content, ctx)


def test_a_reference_already_stored_stays_acceptable_after_its_target_is_gone(ctx):
    """Someone who left, or an asset since removed: the rows naming them can still be saved unchanged."""
    risks = get_section_type("risk_assessment").kind_by_key["risks"]
    base = content_with("risk_assessment", "risks", sample_item(risks, ctx) | {"owner": 424242, "id": "rsk-0000abcd"})
    errors_of("risk_assessment", base, ctx)  # refused as a new value…
    clean = get_section_type("risk_assessment").validate(base, ctx.with_base(base), base=base)
    assert clean["items"]["risks"][0]["owner"] == 424242  # …kept when it was already there

    exit_kind = get_section_type("exit_arrangements").kind_by_key["asset_dispositions"]
    gone = sample_item(exit_kind, ctx) | {"asset": "ast-deadbeef"}
    stale = content_with("exit_arrangements", "asset_dispositions", gone)
    assert "items-asset_dispositions-0-asset" in errors_of("exit_arrangements", stale, ctx)
    get_section_type("exit_arrangements").validate(stale, ctx.with_base(stale), base=stale)


def test_references_to_other_sections_point_at_their_current_items(ctx):
    kind = get_section_type("continuous_improvement").kind_by_key["initiatives"]
    measure_id = next(iter(ctx.item_titles("business_case", "measures")))
    item = sample_item(kind, ctx) | {"linked_measure": measure_id}
    content = content_with("continuous_improvement", "initiatives", item)
    get_section_type("continuous_improvement").validate(content, ctx)
    item["linked_measure"] = "msr-00000000"
    assert "items-initiatives-0-linked_measure" in errors_of(
        "continuous_improvement", content_with("continuous_improvement", "initiatives", item), ctx
    )


def test_per_party_values_name_only_this_partnerships_parties(ctx):
    kind = get_section_type("management_activities").kind_by_key["activities"]
    foreign = str(OUTSIDE_PARTY)
    item = sample_item(kind, ctx) | {"responsibilities": {foreign: "Not theirs to say"}}
    assert "items-activities-0-responsibilities" in errors_of(
        "management_activities", content_with("management_activities", "activities", item), ctx
    )


@pytest.mark.parametrize(
    ("field_name", "value"),
    [("email", "not-an-address"), ("email", "a@b"), ("name", "x" * 121), ("name", 42)],
)
def test_text_and_email_values_are_checked(field_name, value, ctx):
    kind = get_section_type("organisational_arrangements").kind_by_key["people"]
    item = sample_item(kind, ctx) | {field_name: value}
    assert f"items-people-0-{field_name}" in errors_of(
        "organisational_arrangements", content_with("organisational_arrangements", "people", item), ctx
    )


@pytest.mark.parametrize("value", ["javascript:alert(1)", "ftp://files.example.com", "www.example.com", "https://"])
def test_links_must_be_web_addresses(value, ctx):
    kind = get_section_type("knowledge_management").kind_by_key["knowledge"]
    item = sample_item(kind, ctx) | {"location": value}
    assert "items-knowledge-0-location" in errors_of(
        "knowledge_management", content_with("knowledge_management", "knowledge", item), ctx
    )


def test_numbers_are_stored_as_exact_decimal_strings(ctx):
    target = get_section_type("business_case").kind_by_key["measures"].by_name["target"]
    assert target.parse("97.50", ctx) == "97.5"
    assert target.parse("1,200", ctx) == "1200"
    assert target.parse("0.000", ctx) == "0"
    for bad in ("ninety", "1.23456", "inf"):
        with pytest.raises(ValueError):
            target.parse(bad, ctx)
    kind = get_section_type("business_case").kind_by_key["measures"]
    item = sample_item(kind, ctx) | {"target": "97.50"}  # not canonical: refused from JSON
    assert "items-measures-0-target" in errors_of("business_case", content_with("business_case", "measures", item), ctx)


def test_the_contract_term_must_end_after_it_starts(ctx):
    section_type = get_section_type("commercial_agreement")
    content = section_type.empty_content()
    content["fields"].update(start_date="2026-01-01", end_date="2025-12-31")
    assert errors_of("commercial_agreement", content, ctx) == {"fields-end_date": "The term must end after it starts."}


def test_unknown_fields_and_kinds_are_refused(ctx):
    section_type = get_section_type("risk_assessment")
    for content in (
        {"narrative": "", "fields": {"colour": "red"}, "items": {}},
        {"narrative": "", "fields": {}, "items": {"assets": []}},
        {"narrative": "", "fields": {}, "items": {}, "extra": 1},
        {"narrative": "", "fields": {}, "items": {"risks": "not a list"}},
        {"narrative": "", "fields": {}, "items": {"risks": [{"title": "x", "colour": "red"}]}},
        ["not", "a", "dict"],
    ):
        assert "content" in errors_of("risk_assessment", content, ctx)
    with pytest.raises(ContentError):
        section_type.validate({"narrative": 5}, ctx)


def test_item_ids_are_kept_only_when_the_base_had_them_for_that_kind(ctx):
    section_type = get_section_type("exit_arrangements")
    triggers, steps = section_type.kind_by_key["triggers"], section_type.kind_by_key["steps"]
    first = section_type.validate(
        {"items": {"triggers": [sample_item(triggers, ctx, 1), sample_item(triggers, ctx, 2)],
                   "steps": [sample_item(steps, ctx)]}},
        ctx,
    )
    known_a, known_b = (i["id"] for i in first["items"]["triggers"])
    step_id = first["items"]["steps"][0]["id"]
    second = section_type.validate(
        {"items": {"triggers": [
            first["items"]["triggers"][1],                                  # kept, moved first
            first["items"]["triggers"][0],                                  # kept
            sample_item(triggers, ctx, 3) | {"id": known_a},                # a duplicate id: a new item
            sample_item(triggers, ctx, 4) | {"id": "trg-12345678"},         # never existed: a new item
            sample_item(triggers, ctx, 5) | {"id": step_id},                # another kind's id: a new item
            sample_item(triggers, ctx, 6) | {"id": "<script>"},             # malformed: a new item
        ]}},
        ctx,
        base=first,
    )
    ids = [i["id"] for i in second["items"]["triggers"]]
    assert ids[:2] == [known_b, known_a]
    assert len(set(ids)) == 6
    assert not {"trg-12345678", step_id, "<script>"} & set(ids)
    assert all(i.startswith("trg-") for i in ids)


def test_every_field_kind_is_used_by_some_section():
    used = {type(f) for t in section_types() for f in [*t.fields, *(f for k in t.item_kinds for f in k.fields)]}
    declared = {cls for cls in _subclasses(Field) if cls.__module__ == "app.plan_sections.fields"}
    assert declared - used == set(), "a field kind nobody uses"
    assert PartyRef in used


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_party_that_left_is_not_offered_for_new_items_but_kept_where_it_was_chosen():
    from datetime import UTC, datetime

    from app.plan_sections.fields import FieldError

    alpha, gone = Organisation(id=1, name="Alpha Ltd"), Organisation(id=3, name="Gone Co")
    parties = {1: Party(id=1, organisation=alpha), 3: Party(id=3, organisation=gone, left_at=datetime.now(UTC))}
    field = PartyRef("party", "Contributed by", required=True)
    field.scope = "assets"
    context = PlanContext(partnership_id=1, parties=parties, members={})
    assert ("3", "Gone Co (left the partnership)") in field.options(context)
    with pytest.raises(FieldError, match="Gone Co left the partnership"):
        field.check(3, context)
    field.check(3, context.with_base({"items": {"assets": [{"id": "a1", "party": 3}]}}))  # kept as it was
    field.check(1, context)
