"""3. Asset register — what we all bring to the table, and what happens to it at exit."""

from collections import defaultdict
from decimal import Decimal

from app.plan_sections.fields import Choice, LongText, Money, PartyRef, Text, format_money
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import ASSET_DISPOSITIONS

CATEGORIES = [
    ("people", "People & skills"),
    ("facilities", "Facilities & sites"),
    ("equipment", "Equipment & vehicles"),
    ("technology", "Technology & systems"),
    ("data", "Data"),
    ("ip", "Intellectual property"),
    ("brand", "Brand & reputation"),
    ("finance", "Finance & funding"),
    ("network", "Relationships & networks"),
    ("other", "Other"),
]


def value_summary(content: dict, ctx) -> dict:
    """Declared value per contributing party and in total, per currency (never converted)."""
    per_party: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    unvalued = 0
    for item in content["items"]["assets"]:
        counts[item["party"]] += 1
        if item["value"]:
            currency, amount = item["value"]["currency"], Decimal(item["value"]["amount"])
            per_party[item["party"]][currency] += amount
            totals[currency] += amount
        else:
            unvalued += 1
    party_field = SECTION.kind_by_key["assets"].by_name["party"]
    parties = [
        {
            "name": party_field.display(party_id, ctx),
            "count": counts[party_id],
            "values": [format_money({"amount": str(a), "currency": c}) for c, a in sorted(per_party[party_id].items())],
            "share": _share(per_party[party_id], totals),
        }
        for party_id in [*ctx.parties, *[p for p in counts if p not in ctx.parties]]
        if counts[party_id]
    ]
    return {
        "parties": parties,
        "totals": [format_money({"amount": str(a), "currency": c}) for c, a in sorted(totals.items())],
        "count": len(content["items"]["assets"]),
        "unvalued": unvalued,
        "single_currency": len(totals) == 1,
    }


def _share(values: dict[str, Decimal], totals: dict[str, Decimal]) -> int | None:
    """A party's share of the declared value, when everything is in one currency."""
    if len(totals) != 1:
        return None
    currency, total = next(iter(totals.items()))
    return round(values.get(currency, Decimal(0)) / total * 100) if total else None


SECTION = register(SectionType(
    key="asset_register",
    number=3,
    title="Asset register",
    subtitle="What we all bring to the table",
    guidance=(
        "The resources and capabilities each party contributes — people, sites, systems, data, IP, "
        "money — with their value, the conditions on their use, and what happens to them at exit."
    ),
    summary=value_summary,
    item_kinds=[
        ItemKind(
            "assets", "Resources and capabilities", "Resource", id_prefix="ast",
            fields=[
                Text("name", "Resource", required=True),
                Choice("category", "Category", choices=CATEGORIES, required=True),
                PartyRef("party", "Contributed by", required=True),
                LongText("description", "Description", max_length=1500),
                Money("value", "Value"),
                LongText("conditions", "Conditions of use", max_length=1500),
                Choice("disposition", "At exit", choices=ASSET_DISPOSITIONS),
            ],
            title="name",
            min_items=3,
            columns=("name", "category", "party", "value", "disposition"),
            sortable=("name", "category", "party", "value", "disposition"),
        ),
    ],
))
