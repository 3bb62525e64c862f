"""The words plans written elsewhere use for our sections and item fields: data, in one place.

Headings and column headers are compared after `normal()` (lower case, numbering and
punctuation gone, "&" read as "and"), so each entry is written once in plain words. A
section's own title, subtitle and key always match too, as does a field's label and name.
"""

import re

SECTION_SYNONYMS: dict[str, tuple[str, ...]] = {
    "organisational_arrangements": (
        "organisational arrangements", "organizational arrangements", "governance", "governance structure",
        "governance arrangements", "relationship governance", "roles and responsibilities", "who is who",
        "whos who", "organisation", "organization", "people", "team", "roles", "key contacts", "contacts",
        "relationship management team", "escalation",
    ),
    "business_case": (
        "business case", "objectives", "joint objectives", "value proposition", "purpose", "benefits",
        "performance measures", "kpis", "key performance indicators", "strategy", "goals", "aims",
    ),
    "asset_register": (
        "asset register", "assets", "resources", "resources and capabilities", "capabilities", "contributions",
        "what we bring", "what each party brings",
    ),
    "risk_assessment": (
        "risk assessment", "risks", "risk", "risk register", "risk management", "risk log", "risks and issues",
        "raid log", "heat map",
    ),
    "commercial_agreement": (
        "commercial agreement", "commercial", "commercials", "commercial terms", "contract", "contracts",
        "contract terms", "contracting", "pricing", "payment terms", "commercial model",
    ),
    "management_activities": (
        "management activities", "operations", "operating model", "processes", "activities",
        "ways of working", "operational management", "joint processes",
    ),
    "continuous_improvement": (
        "continuous improvement", "continuous improvement and innovation", "improvement", "improvements",
        "innovation", "initiatives", "improvement plan", "value creation",
    ),
    "knowledge_management": (
        "knowledge management", "knowledge", "knowledge sharing", "ip", "intellectual property",
        "ip and knowledge", "ip management", "information sharing", "confidentiality", "data sharing",
    ),
    "communications": (
        "communications", "communication", "comms", "communication plan", "communications plan", "meetings",
        "forums", "reporting", "stakeholder communications",
    ),
    "exit_arrangements": (
        "exit arrangements", "exit", "exit strategy", "exit plan", "pre nuptials", "prenuptials", "prenups",
        "disengagement", "termination", "exit management",
    ),
}

# Headings that name the whole plan or its apparatus, never one section (a document's title
# "Enterprise Relationship Management Plan" would otherwise look like "management").
NOT_SECTIONS: tuple[str, ...] = (
    "relationship management plan", "ermp", "rmp", "contents", "table of contents", "document control",
    "version history", "revision history", "glossary", "appendix", "appendices",
)

# Column headers per field name, across every item kind ("owner_party" is an owner party
# wherever it appears). KIND_COLUMN_SYNONYMS adds words that only fit one kind.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "name"),
    "name": ("name", "title"),
    "category": ("category", "type", "class"),
    "owner_party": ("owner", "owner party", "owning party", "owned by", "party", "responsible party"),
    "owner": ("owner person", "risk owner", "named owner"),
    "likelihood": ("likelihood", "probability", "prob", "l", "chance"),
    "impact": ("impact", "severity", "consequence", "i", "effect"),
    "response": ("response", "treatment", "strategy", "approach"),
    "mitigation": ("mitigation", "mitigations", "mitigating actions", "actions", "controls", "mitigation plan"),
    "status": ("status", "state"),
    "next_review": ("next review", "review date", "review by", "review"),
    "party": ("party", "contributed by", "contributor", "provided by", "provider", "from", "organisation"),
    "description": ("description", "details", "notes", "what it is"),
    "value": ("value", "amount", "worth", "estimated value", "value per year", "annual value"),
    "conditions": ("conditions", "conditions of use", "terms of use", "terms", "restrictions"),
    "disposition": ("disposition", "at exit", "on exit", "exit", "disposition at exit", "after exit"),
    "target_date": ("target date", "due", "due date", "by when", "deadline", "target"),
    "unit": ("unit", "units"),
    "direction": ("direction", "better when", "polarity"),
    "baseline": ("baseline", "starting point", "current"),
    "target": ("target", "goal"),
    "frequency": ("frequency", "how often", "cadence", "meets", "measured"),
    "data_owner": ("data owner", "owner", "source owner"),
    "definition": ("definition", "data source", "how measured"),
    "job_title": ("job title", "title", "position", "role title"),
    "role": ("role", "relationship role", "partnering role"),
    "responsibilities": ("responsibilities", "responsible for", "duties"),
    "email": ("email", "e mail", "email address", "contact"),
    "purpose": ("purpose", "why", "objective"),
    "members": ("members", "membership", "attendees"),
    "decision_rights": ("decision rights", "decisions", "authority"),
    "level": ("level", "escalation level", "tier"),
    "who": ("who", "who per party", "contacts"),
    "resolve_days": ("time to resolve", "days to resolve", "resolution time", "days"),
    "benefit": ("benefit", "benefits"),
    "realised_by": ("how it is realised", "realised by", "how"),
    "reference": ("reference", "ref", "clause", "clause number", "no"),
    "summary": ("summary", "what it means", "meaning", "description"),
    "lead_party": ("lead party", "lead", "led by", "owner"),
    "proposed_by": ("proposed by", "raised by", "proposer", "from"),
    "champion": ("champion", "sponsor"),
    "expected_benefit": ("expected benefit", "benefit", "benefits"),
    "estimated_value": ("estimated value", "value"),
    "linked_measure": ("linked measure", "measure", "kpi"),
    "confidentiality": ("confidentiality", "classification", "sensitivity"),
    "licence_terms": ("licence terms", "license terms", "licence", "license", "licensing"),
    "sharing_rules": ("sharing rules", "sharing", "who may use it", "access"),
    "location": ("where it is kept", "location", "link", "url"),
    "format": ("format", "medium", "channel type"),
    "participants": ("participants", "attendees", "audience", "who attends"),
    "trigger": ("trigger", "exit trigger", "event"),
    "notice_days": ("notice period", "notice", "notice days"),
    "process": ("process", "procedure"),
    "step": ("step", "action", "task"),
    "responsible": ("responsible party", "responsible", "who", "owner"),
    "timing": ("timing", "when", "timescale"),
    "receiving_party": ("goes to", "receiving party", "recipient"),
}

KIND_COLUMN_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "risks": {"title": ("risk", "risk title", "risk description", "description", "risk name", "threat")},
    "assets": {"name": ("asset", "asset name", "resource", "capability", "item")},
    "objectives": {"title": ("objective", "goal")},
    "measures": {"name": ("measure", "kpi", "metric", "indicator")},
    "people": {"name": ("person", "full name", "name")},
    "governance_bodies": {"name": ("body", "board", "committee", "forum")},
    "initiatives": {"title": ("initiative", "idea", "improvement")},
    "knowledge": {"name": ("ip", "knowledge", "asset", "item"), "owner": ("owner", "owned by", "party")},
    "channels": {"name": ("forum", "channel", "meeting", "forum or channel"), "owner": ("owner", "run by", "chair")},
    "activities": {"name": ("activity", "process", "activity or process")},
    "clauses": {"title": ("title", "heading", "topic")},
}

# Scale cells people write in words rather than 1–5.
SCALE_WORDS: dict[str, int] = {
    "very low": 1, "vl": 1, "low": 2, "l": 2, "medium": 3, "med": 3, "m": 3, "moderate": 3,
    "high": 4, "h": 4, "very high": 5, "vh": 5,
}
YES = frozenset({"yes", "y", "true", "x", "✓", "✔"})
NO = frozenset({"no", "n", "false", "-", ""})

_NUMBERING = re.compile(
    r"^(?:(?:section|part|chapter|appendix)\s+)?(?:[0-9]+(?:\.[0-9]+)*|[ivxlc]+|[a-z])(?:[.):]+|\s+[-–—:])\s*",
    re.IGNORECASE,
)


def normal(text: str) -> str:
    """Words as compared: lower case, leading numbering ("3.", "2.1", "IV.", "Section 3:") gone,
    "&" read as "and", punctuation and hyphens as spaces."""
    text = " ".join(str(text).split())
    text = re.sub(r"^[0-9]+(?:\.[0-9]+)*\s+", "", text)  # "3 Risk register"
    text = _NUMBERING.sub("", text)
    text = text.lower().replace("&", " and ").replace("’", "").replace("'", "")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())
