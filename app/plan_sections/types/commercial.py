"""5. Commercial agreement — flexible contracting: model, term, value and key clauses."""

from app.plan_sections.fields import Boolean, Choice, Date, Integer, LongText, Money, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType

CONTRACT_MODELS = [
    ("fixed_price", "Fixed price"),
    ("unit_rates", "Unit rates"),
    ("cost_plus", "Cost plus fee"),
    ("target_cost", "Target cost with gain/pain share"),
    ("open_book", "Open book"),
    ("framework", "Framework with call-offs"),
    ("revenue_share", "Revenue share"),
    ("outcome_based", "Outcome-based"),
    ("other", "Other"),
]


def term_dates_in_order(content: dict) -> dict[str, str]:
    fields = content["fields"]
    errors = {}
    if fields["start_date"] and fields["end_date"] and fields["end_date"] <= fields["start_date"]:
        errors["end_date"] = "The term must end after it starts."
    if fields["end_date"] and fields["renewal_date"] and fields["renewal_date"] > fields["end_date"]:
        errors["renewal_date"] = "Decide on renewal before the term ends."
    return errors


SECTION = register(SectionType(
    key="commercial_agreement",
    number=5,
    title="Commercial agreement",
    subtitle="Flexible contracting",
    guidance=(
        "The contract behind the relationship in plain words: its model, term and value, how prices, "
        "gains and pains are shared, how and when invoices are paid, and how changes are agreed."
    ),
    rules=(term_dates_in_order,),
    fields=[
        Choice("contract_model", "Contract model", choices=CONTRACT_MODELS, complete=True),
        Text("reference", "Contract reference", max_length=80),
        Date("start_date", "Term starts", complete=True),
        Date("end_date", "Term ends"),
        Date("renewal_date", "Renewal decision by"),
        Integer("notice_days", "Notice period", minimum=0, maximum=3650, unit="days"),
        Boolean("auto_renews", "Renews automatically unless notice is given"),
        Money("annual_value", "Annual contract value", complete=True),
        Text("payment_terms", "Payment terms", max_length=200, complete=True,
             placeholder="e.g. 45 days from invoice, monthly in arrears"),
        LongText("pricing", "Pricing", max_length=3000, complete=True),
        LongText("gain_share", "Gain-share", max_length=3000),
        LongText("pain_share", "Pain-share", max_length=3000),
        LongText("change_control", "Change control", max_length=3000, complete=True),
    ],
    item_kinds=[
        ItemKind(
            "clauses", "Key clauses", "Key clause", id_prefix="cls",
            fields=[
                Text("reference", "Clause", max_length=40, placeholder="e.g. 14.2"),
                Text("title", "Title", required=True),
                LongText("summary", "What it means in practice", max_length=2000),
            ],
            title="title",
            min_items=1,
            sortable=("reference", "title"),
        ),
    ],
))
