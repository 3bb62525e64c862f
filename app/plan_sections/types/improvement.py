"""7. Continuous improvement & innovation — building on success, tied to the joint measures."""

from collections import defaultdict
from decimal import Decimal

from app.plan_sections.fields import Choice, Date, ItemRef, LongText, MemberRef, Money, PartyRef, Text, format_money
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType

STATUSES = [
    ("idea", "Idea"),
    ("assessing", "Being assessed"),
    ("approved", "Approved"),
    ("in_progress", "In progress"),
    ("implemented", "Implemented"),
    ("not_pursued", "Not pursued"),
]


def pipeline(content: dict, ctx) -> dict:
    """Initiatives per stage, with their estimated value per currency."""
    stages = []
    for key, label in STATUSES:
        items = [i for i in content["items"]["initiatives"] if i["status"] == key]
        values: dict[str, Decimal] = defaultdict(Decimal)
        for item in items:
            if item["estimated_value"]:
                values[item["estimated_value"]["currency"]] += Decimal(item["estimated_value"]["amount"])
        stages.append({
            "key": key, "label": label, "count": len(items),
            "values": [format_money({"amount": str(a), "currency": c}) for c, a in sorted(values.items())],
        })
    return {"stages": stages, "total": len(content["items"]["initiatives"])}


SECTION = register(SectionType(
    key="continuous_improvement",
    number=7,
    title="Continuous improvement & innovation",
    subtitle="Building on success",
    guidance=(
        "Ideas and initiatives either party proposes to do better together, what each is expected "
        "to deliver, and the joint measure that will show it."
    ),
    summary=pipeline,
    item_kinds=[
        ItemKind(
            "initiatives", "Initiatives", "Initiative", id_prefix="ini",
            fields=[
                Text("title", "Initiative", required=True),
                PartyRef("proposed_by", "Proposed by", required=True),
                MemberRef("champion", "Champion"),
                LongText("expected_benefit", "Expected benefit", max_length=2000),
                Money("estimated_value", "Estimated value"),
                ItemRef("linked_measure", "Linked measure", section="business_case", kind="measures"),
                Choice("status", "Status", choices=STATUSES, required=True),
                Date("target_date", "Target date"),
            ],
            title="title",
            min_items=1,
            columns=("title", "proposed_by", "estimated_value", "linked_measure", "status", "target_date"),
            sortable=("title", "proposed_by", "estimated_value", "status", "target_date"),
        ),
    ],
))
