"""9. Communications — the pattern of forums and channels both parties keep to."""

from app.plan_sections.fields import Choice, LongText, PartyRef, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import FREQUENCIES

FORMATS = [
    ("in_person", "In person"),
    ("video", "Video call"),
    ("call", "Phone call"),
    ("email", "Email"),
    ("report", "Written report"),
    ("dashboard", "Dashboard"),
    ("workspace", "Shared workspace"),
    ("newsletter", "Newsletter"),
]

SECTION = register(SectionType(
    key="communications",
    number=9,
    title="Communications",
    subtitle="The pattern",
    guidance=(
        "The forums and channels through which the parties keep each other informed: what each is "
        "for, how often it happens, who takes part and which party runs it."
    ),
    item_kinds=[
        ItemKind(
            "channels", "Forums and channels", "Forum or channel", id_prefix="com",
            fields=[
                Text("name", "Forum or channel", required=True),
                LongText("purpose", "Purpose", max_length=1000),
                Choice("format", "Format", choices=FORMATS),
                Choice("frequency", "Frequency", choices=FREQUENCIES, required=True),
                Text("participants", "Participants", max_length=300),
                PartyRef("owner", "Run by", required=True),
            ],
            title="name",
            min_items=2,
            columns=("name", "format", "frequency", "participants", "owner"),
            sortable=("name", "frequency", "owner"),
        ),
    ],
))
