"""Matching an imported plan to the ten sections: headings by name and synonym, tables to items
where their columns fit (each cell read the way people write it), other tables kept as text."""

import pytest

from app.partnerships.access import load_membership
from app.plan_import.matching import (
    Unreadable,
    match_columns,
    read_cell,
    section_import,
    split_parts,
    suggest_section,
    table_preview,
)
from app.plan_sections import reading
from app.plan_sections.registry import get_section_type


@pytest.mark.parametrize(("heading", "key"), [
    ("Organisational arrangements", "organisational_arrangements"),
    ("Governance", "organisational_arrangements"),
    ("1. GOVERNANCE", "organisational_arrangements"),
    ("2.1 Business case", "business_case"),
    ("Objectives and value proposition", "business_case"),
    ("Assets", "asset_register"),
    ("3. Risk register", "risk_assessment"),
    ("Risks", "risk_assessment"),
    ("risk register and heat map", "risk_assessment"),
    ("Contract", "commercial_agreement"),
    ("5) Commercial", "commercial_agreement"),
    ("Operations and processes", "management_activities"),
    ("Continuous Improvement & Innovation", "continuous_improvement"),
    ("Knowledge & IP", "knowledge_management"),
    ("IP", "knowledge_management"),
    ("Comms", "communications"),
    ("IV. Communications plan", "communications"),
    ("Section 10: Exit (pre-nuptials)", "exit_arrangements"),
    ("Pre-nuptials", "exit_arrangements"),
    ("Exit", "exit_arrangements"),
    ("Enterprise Relationship Management Plan", None),
    ("Table of contents", None),
    ("Operating rhythm", None),
    ("", None),
])
def test_headings_match_sections_by_title_and_synonyms_whatever_the_case_and_numbering(heading, key):
    assert suggest_section(heading) == key


def test_the_document_is_cut_at_the_level_its_section_headings_use():
    blocks = [
        {"type": "heading", "level": 1, "text": "Our relationship management plan"},
        {"type": "text", "markdown": "Version 3."},
        {"type": "heading", "level": 2, "text": "1. Governance"},
        {"type": "text", "markdown": "Jointly steered."},
        {"type": "heading", "level": 3, "text": "Steering board"},
        {"type": "text", "markdown": "Meets quarterly."},
        {"type": "heading", "level": 2, "text": "Operating rhythm"},
        {"type": "heading", "level": 2, "text": "2. Risks"},
    ]
    parts = split_parts(blocks)
    assert [(p["heading"], p["suggested"], len(p["blocks"])) for p in parts] == [
        ("Our relationship management plan", None, 1),
        ("1. Governance", "organisational_arrangements", 3),  # the subheading stays inside
        ("Operating rhythm", None, 0),
        ("2. Risks", "risk_assessment", 0),
    ]


def test_text_before_the_first_heading_is_a_part_of_its_own():
    parts = split_parts([{"type": "text", "markdown": "Draft."}, {"type": "heading", "level": 1, "text": "Risks"}])
    assert [(p["heading"], p["suggested"]) for p in parts] == [("", None), ("Risks", "risk_assessment")]


def test_columns_match_fields_by_label_name_and_synonym_case_insensitively_each_field_once():
    risks = get_section_type("risk_assessment").kind_by_key["risks"]
    header = ["Risk description", "PROBABILITY", "severity", "Owner party", "Notes", "Next review"]
    columns = match_columns(risks, header)
    assert columns == {0: "title", 1: "likelihood", 2: "impact", 3: "owner_party", 5: "next_review"}
    assets = get_section_type("asset_register").kind_by_key["assets"]
    assert match_columns(assets, ["Asset", "Contributed by", "Value", "At exit", "Notes"]) == {
        0: "name", 1: "party", 2: "value", 3: "disposition", 4: "description"}


@pytest.fixture
def ctx(two_parties):
    return reading.load_context(two_parties.partnership.id)


@pytest.fixture
def alpha(two_parties):
    return load_membership(two_parties.partnership.id, two_parties.a.admin).party_id


def field(section, kind, name):
    return get_section_type(section).kind_by_key[kind].by_name[name]


def test_cells_read_the_way_people_write_them(ctx, alpha, two_parties):
    likelihood = field("risk_assessment", "risks", "likelihood")
    texts = ("3", "4 - likely", "High", "almost certain", "VL")
    assert [read_cell(likelihood, text, ctx, alpha) for text in texts] == [3, 4, 4, 5, 1]
    value = field("asset_register", "assets", "value")
    assert read_cell(value, "€1,200,000", ctx, alpha) == {"amount": "1200000.00", "currency": "EUR"}
    assert read_cell(value, "GBP 350k", ctx, alpha) == {"amount": "350000.00", "currency": "GBP"}
    review = field("risk_assessment", "risks", "next_review")
    assert [read_cell(review, t, ctx, alpha) for t in ("31/03/2027", "30 June 2027", "2027-09-30", "Dec 2026")] == [
        "2027-03-31", "2027-06-30", "2027-09-30", "2026-12-01"]
    category = field("risk_assessment", "risks", "category")
    assert read_cell(category, "Technology", ctx, alpha) == "technology"  # "Technology & cyber"
    party = field("asset_register", "assets", "party")
    assert read_cell(party, "beta gmbh", ctx, alpha) == two_parties.b.party.id
    assert read_cell(party, "Beta", ctx, alpha) == two_parties.b.party.id
    with pytest.raises(Unreadable):
        read_cell(party, "Northwind", ctx, alpha)
    with pytest.raises(Unreadable):
        read_cell(likelihood, "sometimes", ctx, alpha)


def test_a_risk_table_becomes_risks_with_defaults_and_unmatched_columns_named(ctx, alpha, two_parties):
    rows = [
        ["Risk", "Category", "Owner", "Probability", "Severity", "Mitigation", "RAG"],
        ["Port strike", "Operational", "Beta GmbH", "High", "Major", "Second port.", "Red"],
        ["Data breach", "Technology", "", "2", "5", "", "Amber"],
    ]
    preview = table_preview(get_section_type("risk_assessment"), rows, ctx, alpha)
    assert preview.kind.key == "risks" and preview.problems == []
    assert preview.unmatched == ["RAG"]
    first, second = preview.items
    # "Owner" names a party, not a person: it fills the owner party.
    assert first["owner_party"] == two_parties.b.party.id and "owner" not in first
    assert preview.columns[2] == "owner_party"
    assert (first["likelihood"], first["impact"], first["mitigation"]) == (4, 4, "Second port.")
    assert first["status"] == "open" and first["response"] == "reduce"  # the defaults of a new risk
    # No owner given: the importing party, said so in the preview.
    assert second["owner_party"] == alpha and second["category"] == "technology"
    assert preview.filled == {"Response": "Reduce", "Status": "Open"}


def test_a_table_whose_rows_cannot_all_be_items_stays_text_and_says_why(ctx, alpha):
    section = get_section_type("risk_assessment")
    rows = [["Risk", "Category", "Likelihood", "Impact"], ["Floods", "Weather", "3", "3"],
            ["Strikes", "People", "", "2"]]
    preview = table_preview(section, rows, ctx, alpha)
    assert preview.items == []
    assert preview.problems == [
        "Row 1: Category “Weather” is not one of the choices.",
        "Row 2: no likelihood, which every risk needs.",
    ]
    unrelated = table_preview(section, [["Milestone", "Payment"], ["Go-live", "10%"]], ctx, alpha)
    assert unrelated.kind is None and unrelated.problems == [
        "No column is headed “Risk”, so the table is kept as it is, in the text."]


def test_a_section_import_keeps_subheadings_and_text_tables_in_its_narrative(ctx, alpha):
    parts = [{"heading": "Risks", "level": 1, "suggested": "risk_assessment", "blocks": [
        {"type": "text", "markdown": "We review monthly."},
        {"type": "heading", "level": 2, "text": "Heat map"},
        {"type": "table", "rows": [["Risk", "Category", "Likelihood", "Impact"], ["Floods", "Operational", "3", "4"]]},
        {"type": "table", "rows": [["Milestone", "When"], ["Review", "Q1"]]},
    ]}]
    imported = section_import("risk_assessment", parts, ctx, alpha)
    assert imported.narrative == (
        "We review monthly.\n\n# Heat map\n\n| Milestone | When |\n| --- | --- |\n| Review | Q1 |")
    assert [r["title"] for r in imported.items["risks"]] == ["Floods"]
