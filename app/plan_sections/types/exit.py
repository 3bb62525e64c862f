"""10. Exit arrangements — the pre-nuptials: triggers, disengagement and who keeps what.

Dispositions point at items of the Asset register and the Knowledge management
register by their stable ids, so they follow those items through later edits.
"""

from app.plan_sections.fields import Choice, Integer, ItemRef, LongText, PartyRef, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import ASSET_DISPOSITIONS

IP_DISPOSITIONS = [
    ("owner_keeps", "Stays with its owner"),
    ("licence_continues", "Licence continues"),
    ("licence_ends", "Licence ends; copies returned or destroyed"),
    ("assigned", "Assigned to the other party"),
    ("joint", "Stays jointly owned"),
    ("to_agree", "To be agreed"),
]

SECTION = register(SectionType(
    key="exit_arrangements",
    number=10,
    title="Exit arrangements",
    subtitle="Pre-nuptials",
    guidance=(
        "Agreed while relations are good: what can end the partnership, how much notice each trigger "
        "needs, the steps to disengage without harming customers, and who keeps which assets and IP."
    ),
    item_kinds=[
        ItemKind(
            "triggers", "Exit triggers", "Trigger", id_prefix="trg",
            fields=[
                Text("trigger", "Trigger", required=True),
                Integer("notice_days", "Notice period", minimum=0, maximum=3650, unit="days"),
                LongText("process", "Process", max_length=2000),
            ],
            title="trigger",
            min_items=1,
            sortable=("trigger", "notice_days"),
        ),
        ItemKind(
            "steps", "Disengagement steps", "Step", id_prefix="stp",
            fields=[
                Text("step", "Step", required=True),
                PartyRef("responsible", "Responsible party", required=True),
                Text("timing", "Timing", max_length=120, placeholder="e.g. within 30 days of notice"),
            ],
            title="step",
            min_items=1,
        ),
        ItemKind(
            "asset_dispositions", "Disposition of assets", "Asset disposition", id_prefix="dsa",
            fields=[
                ItemRef("asset", "Asset", section="asset_register", kind="assets", required=True),
                Choice("disposition", "Disposition", choices=ASSET_DISPOSITIONS, required=True),
                PartyRef("receiving_party", "Goes to"),
                LongText("terms", "Terms", max_length=1500),
            ],
            title="asset",
        ),
        ItemKind(
            "ip_dispositions", "Disposition of IP and knowledge", "IP disposition", id_prefix="dsi",
            fields=[
                ItemRef(
                    "knowledge", "IP or knowledge", section="knowledge_management", kind="knowledge", required=True
                ),
                Choice("disposition", "Disposition", choices=IP_DISPOSITIONS, required=True),
                LongText("terms", "Terms", max_length=1500),
            ],
            title="knowledge",
        ),
    ],
))
