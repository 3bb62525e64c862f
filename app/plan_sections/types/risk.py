"""4. Risk assessment — keeping an eye out for the unexpected, with the 5×5 heat map."""

from markupsafe import Markup

from app.plan_sections.fields import Choice, Date, LongText, MemberRef, PartyRef, Scale, Text
from app.plan_sections.heat_colours import cell_fill
from app.plan_sections.registry import register
from app.plan_sections.schema import Derived, ItemKind, SectionType

CATEGORIES = [
    ("operational", "Operational"),
    ("financial", "Financial"),
    ("commercial", "Commercial"),
    ("strategic", "Strategic"),
    ("relationship", "Relationship"),
    ("people", "People"),
    ("technology", "Technology & cyber"),
    ("legal", "Legal & compliance"),
    ("reputational", "Reputational"),
    ("health_safety", "Health & safety"),
    ("environmental", "Environmental"),
]
RESPONSES = [
    ("avoid", "Avoid"),
    ("reduce", "Reduce"),
    ("transfer", "Transfer"),
    ("share", "Share"),
    ("accept", "Accept"),
]
STATUSES = [
    ("open", "Open"),
    ("treating", "Being treated"),
    ("monitoring", "Monitoring"),
    ("closed", "Closed"),
]
LIKELIHOOD = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
IMPACT = ("Negligible", "Minor", "Moderate", "Major", "Severe")

# Ratings of a likelihood × impact score (1–25), lowest first.
RATINGS = [
    ("low", "Low", 1, 4),
    ("medium", "Medium", 5, 9),
    ("high", "High", 10, 14),
    ("critical", "Critical", 15, 25),
]


def rating_of(score: int | None) -> tuple[str, str] | None:
    if score is None:
        return None
    for key, label, low, high in RATINGS:
        if low <= score <= high:
            return key, label
    return None


def score_of(item: dict) -> int | None:
    if item.get("likelihood") is None or item.get("impact") is None:
        return None
    return item["likelihood"] * item["impact"]


def score_display(item: dict):
    score = score_of(item)
    rating = rating_of(score)
    if rating is None:
        return ""
    return Markup(
        '<span class="score score--{0}"><b>{1}</b> {2}</span>'
        '<span class="score__factors" title="likelihood {3} × impact {4}">'
        '<span aria-hidden="true">L{3} × I{4}</span>'
        '<span class="visually-hidden">likelihood {3} × impact {4}</span></span>'
    ).format(rating[0], score, rating[1], item["likelihood"], item["impact"])


def heat_map(content: dict, ctx) -> dict:
    """Risk counts per likelihood × impact cell (closed risks left out), and counts by status."""
    risks = content["items"]["risks"]
    live = [r for r in risks if r["status"] != "closed"]
    grid = []
    for likelihood in range(5, 0, -1):
        row = []
        for impact in range(1, 6):
            score = likelihood * impact
            key, label = rating_of(score)
            titles = [r["title"] for r in live if r["likelihood"] == likelihood and r["impact"] == impact]
            row.append({
                "likelihood": likelihood, "impact": impact, "score": score,
                "rating": key, "rating_label": label, "count": len(titles), "titles": titles,
                "fill": cell_fill(key, len(titles)),
            })
        grid.append(row)
    by_status = [
        {"key": key, "label": label, "count": sum(1 for r in risks if r["status"] == key)} for key, label in STATUSES
    ]
    by_rating = [
        {"key": key, "label": label, "low": low, "high": high,
         "count": sum(1 for r in live if low <= score_of(r) <= high)}
        for key, label, low, high in reversed(RATINGS)
    ]
    top = sorted(live, key=lambda r: (-score_of(r), r["title"].lower()))[:5]
    return {
        "grid": grid,
        "likelihood_labels": LIKELIHOOD,
        "impact_labels": IMPACT,
        "by_status": by_status,
        "by_rating": by_rating,
        "live": len(live),
        "total": len(risks),
        "top": [
            {"id": r["id"], "title": r["title"], "score": score_of(r), "rating": rating_of(score_of(r))} for r in top
        ],
    }


SECTION = register(SectionType(
    key="risk_assessment",
    number=4,
    title="Risk assessment",
    subtitle="Keeping an eye out for the unexpected",
    guidance=(
        "The risks to the partnership and to each party, rated by likelihood and impact, each with "
        "an owner, a response and a date to look at it again."
    ),
    summary=heat_map,
    item_kinds=[
        ItemKind(
            "risks", "Risks", "Risk", id_prefix="rsk",
            fields=[
                Text("title", "Risk", required=True),
                Choice("category", "Category", choices=CATEGORIES, required=True),
                PartyRef("owner_party", "Owner party", required=True),
                MemberRef("owner", "Owner"),
                Scale("likelihood", "Likelihood", labels=LIKELIHOOD, required=True),
                Scale("impact", "Impact", labels=IMPACT, required=True),
                Choice("response", "Response", choices=RESPONSES, required=True, default="reduce"),
                LongText("mitigation", "Mitigation", max_length=2000),
                Choice("status", "Status", choices=STATUSES, required=True, default="open"),
                Date("next_review", "Next review"),
            ],
            title="title",
            min_items=3,
            derived=(
                Derived("score", "Score", score_of, display=score_display),
            ),
            columns=("title", "category", "owner_party", "score", "status", "next_review"),
            # Likelihood and impact show in the score column.
            details=("owner", "response", "mitigation"),
            sortable=("title", "category", "owner_party", "score", "status", "next_review"),
        ),
    ],
))
