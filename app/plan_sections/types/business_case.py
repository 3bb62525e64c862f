"""2. Business case — objectives, benefits per party and the joint performance measures.

The review cycle reads the measures by their stable ids (see reading.performance_measures).
"""

from decimal import Decimal

from app.plan_sections.fields import Choice, Date, LongText, Money, Number, PartyRef, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import MEASUREMENT_FREQUENCIES

OBJECTIVE_STATUSES = [
    ("not_started", "Not started"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("achieved", "Achieved"),
    ("dropped", "Dropped"),
]
DIRECTIONS = [("higher", "Higher is better"), ("lower", "Lower is better")]


def measures_summary(content: dict, ctx) -> dict:
    """Each measure with the change its target asks for, for the measures panel."""
    kind = SECTION.kind_by_key["measures"]
    rows = []
    for item in content["items"]["measures"]:
        change = None
        if item["baseline"] is not None and item["target"] is not None:
            baseline, target = Decimal(item["baseline"]), Decimal(item["target"])
            if baseline != 0:
                change = round((target - baseline) / abs(baseline) * 100, 1)
        rows.append({
            "id": item["id"],
            "name": item["name"],
            "unit": item["unit"],
            "direction": item["direction"],
            "baseline": kind.by_name["baseline"].display(item["baseline"], ctx),
            "target": kind.by_name["target"].display(item["target"], ctx),
            "change": change,
            "frequency": kind.by_name["frequency"].display(item["frequency"], ctx),
            "owner": kind.by_name["data_owner"].display(item["data_owner"], ctx),
        })
    return {"measures": rows}


SECTION = register(SectionType(
    key="business_case",
    number=2,
    title="Business case",
    subtitle="Objectives and value proposition",
    guidance=(
        "Why the partnership exists and what each party gains: the joint objectives, the benefits "
        "to each party, and the performance measures both sides will score every review cycle."
    ),
    summary=measures_summary,
    item_kinds=[
        ItemKind(
            "objectives", "Objectives", "Objective", id_prefix="obj",
            fields=[
                Text("title", "Objective", required=True),
                LongText("description", "Description", max_length=1500),
                PartyRef("owner_party", "Owner party", required=True),
                Date("target_date", "Target date"),
                Choice("status", "Status", choices=OBJECTIVE_STATUSES, required=True),
            ],
            title="title",
            min_items=1,
            sortable=("title", "owner_party", "target_date", "status"),
        ),
        ItemKind(
            "benefits", "Benefits per party", "Benefit", id_prefix="ben",
            fields=[
                Text("benefit", "Benefit", required=True),
                PartyRef("party", "Benefiting party", required=True),
                Money("value", "Estimated value per year"),
                LongText("realised_by", "How it is realised", max_length=1000),
            ],
            title="benefit",
            min_items=1,
            sortable=("benefit", "party", "value"),
        ),
        ItemKind(
            "measures", "Joint performance measures", "Performance measure", id_prefix="msr",
            fields=[
                Text("name", "Measure", required=True, max_length=120),
                Text("unit", "Unit", required=True, max_length=40, placeholder="%, days, USD per unit"),
                Choice("direction", "Better when", choices=DIRECTIONS, required=True),
                Number("baseline", "Baseline"),
                Number("target", "Target", required=True),
                Choice("frequency", "Measured", choices=MEASUREMENT_FREQUENCIES, required=True),
                PartyRef("data_owner", "Data owner", required=True),
                LongText("definition", "Definition and data source", max_length=1500),
            ],
            title="name",
            min_items=3,
            columns=("name", "unit", "direction", "baseline", "target", "frequency", "data_owner"),
            sortable=("name", "frequency", "data_owner"),
            help="Both parties score these every review cycle; keep them few and measurable.",
        ),
    ],
))
