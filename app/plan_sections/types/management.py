"""6. Management activities — the operations and processes that run the relationship."""

from app.plan_sections.fields import Choice, LongText, PartyRef, PerParty, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import FREQUENCIES

SECTION = register(SectionType(
    key="management_activities",
    number=6,
    title="Management activities",
    subtitle="Operations and processes",
    guidance=(
        "The recurring activities and processes that run the partnership day to day, who leads "
        "each one and what each party is responsible for in it."
    ),
    item_kinds=[
        ItemKind(
            "activities", "Activities and processes", "Activity", id_prefix="act",
            fields=[
                Text("name", "Activity or process", required=True),
                PartyRef("lead_party", "Lead party", required=True),
                Choice("frequency", "Frequency", choices=FREQUENCIES, required=True),
                PerParty("responsibilities", "Responsibilities per party", max_length=300),
                LongText("description", "How it works", max_length=2000),
            ],
            title="name",
            min_items=3,
            columns=("name", "lead_party", "frequency", "responsibilities"),
            sortable=("name", "lead_party", "frequency"),
        ),
    ],
))
