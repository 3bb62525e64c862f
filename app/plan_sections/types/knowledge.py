"""8. Knowledge management — how we share IP, know-how and data."""

from app.plan_sections.fields import Choice, LongText, PartyRef, Text, Url
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType

TYPES = [
    ("background_ip", "Background IP"),
    ("foreground_ip", "Foreground IP"),
    ("know_how", "Know-how"),
    ("data", "Data"),
    ("software", "Software"),
    ("trade_mark", "Trade mark"),
]
CONFIDENTIALITY = [
    ("public", "Public"),
    ("internal", "Partnership internal"),
    ("confidential", "Confidential"),
    ("restricted", "Strictly confidential"),
]

SECTION = register(SectionType(
    key="knowledge_management",
    number=8,
    title="Knowledge management",
    subtitle="How we share IP",
    guidance=(
        "The intellectual property, know-how and data each party brings or the partnership creates: "
        "who owns it, on what licence the other may use it, how confidential it is and how it is shared."
    ),
    item_kinds=[
        ItemKind(
            "knowledge", "IP and knowledge register", "IP or knowledge", id_prefix="kno",
            fields=[
                Text("name", "Name", required=True),
                Choice("type", "Type", choices=TYPES, required=True),
                PartyRef("owner", "Owner", required=True),
                Choice("confidentiality", "Confidentiality", choices=CONFIDENTIALITY, required=True),
                LongText("licence_terms", "Licence terms", max_length=2000),
                LongText("sharing_rules", "Sharing rules", max_length=2000),
                Url("location", "Where it is kept"),
            ],
            title="name",
            min_items=1,
            columns=("name", "type", "owner", "confidentiality", "location"),
            sortable=("name", "type", "owner", "confidentiality"),
        ),
    ],
))
