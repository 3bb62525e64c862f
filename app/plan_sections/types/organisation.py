"""1. Organisational arrangements — who's who and what they do."""

from app.plan_sections.fields import Choice, Email, Integer, LongText, PartyRef, PerParty, Text
from app.plan_sections.registry import register
from app.plan_sections.schema import ItemKind, SectionType
from app.plan_sections.vocabulary import FREQUENCIES

RELATIONSHIP_ROLES = [
    ("executive_sponsor", "Executive sponsor"),
    ("alliance_manager", "Alliance manager"),
    ("operational_lead", "Operational lead"),
    ("commercial_lead", "Commercial lead"),
    ("finance", "Finance"),
    ("legal", "Legal & compliance"),
    ("technical_lead", "Technical lead"),
    ("subject_expert", "Subject-matter expert"),
    ("other", "Other"),
]

SECTION = register(SectionType(
    key="organisational_arrangements",
    number=1,
    title="Organisational arrangements",
    subtitle="Who's who and what they do",
    guidance=(
        "How the partnership is organised on each side: sponsors and alliance managers, "
        "the governance bodies and what they decide, and how an issue climbs the escalation ladder."
    ),
    item_kinds=[
        ItemKind(
            "people", "People", "Person", id_prefix="ppl",
            fields=[
                Text("name", "Name", required=True, max_length=120),
                PartyRef("party", "Party", required=True),
                Text("job_title", "Job title", max_length=120),
                Choice("role", "Relationship role", choices=RELATIONSHIP_ROLES, required=True),
                LongText("responsibilities", "Responsibilities", max_length=1000),
                Email("email", "Email"),
            ],
            title="name",
            min_items=2,
            columns=("name", "party", "role", "job_title", "email"),
            sortable=("name", "party", "role"),
        ),
        ItemKind(
            "governance_bodies", "Governance bodies", "Governance body", id_prefix="gov",
            fields=[
                Text("name", "Name", required=True, max_length=120),
                LongText("purpose", "Purpose", max_length=1000),
                Text("members", "Members", max_length=300),
                Choice("frequency", "Meets", choices=FREQUENCIES),
                LongText("decision_rights", "Decision rights", max_length=1500),
            ],
            title="name",
            min_items=1,
            columns=("name", "members", "frequency"),
        ),
        ItemKind(
            "escalation_levels", "Escalation ladder", "Escalation level", id_prefix="esc",
            fields=[
                Integer("level", "Level", minimum=1, maximum=9, required=True),
                Text("name", "Name", required=True, max_length=80, placeholder="e.g. Operational"),
                PerParty("who", "Who, per party", max_length=200),
                Integer("resolve_days", "Time to resolve", minimum=1, maximum=365, unit="days"),
            ],
            title="name",
            min_items=1,
            columns=("level", "name", "who", "resolve_days"),
            help="Start with level 1, where most issues should be settled.",
        ),
    ],
))
