"""A revealed cycle's results as CSV, one row per fact, so a spreadsheet can filter and pivot it:
each party's score and comment per dimension (with the mean and the perception gap), each
party's actual for every joint performance measure (the data owner's rated against target,
the others' with whether they dispute it), each party's health index, achievements and concerns.

It reads what the results page reads (`report.results_for`), so it holds exactly what every
party sees there, and nothing before the reveal.
"""

from app.downloads import csv_text
from app.review_cycle.models import ReviewCycle
from app.review_cycle.results import RAG_LABELS

HEADER = [
    "Period", "Kind", "Name", "Party", "Score or actual", "Comment or reason", "Mean", "Perception gap",
    "Unit", "Better when", "Baseline", "Target", "Rating", "Disputed",
]


def _number(value) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def result_rows(cycle: ReviewCycle, data: dict) -> list[list]:
    parties = data["parties"]
    names = {party.id: party.name for party in parties}
    rows = []

    def row(kind, name, party_id=None, value="", text="", **more):
        rows.append([cycle.period, kind, name, names.get(party_id, "") if party_id is not None else "All parties",
                     "" if value is None else value, text, more.get("mean", ""), more.get("gap", ""),
                     more.get("unit", ""), more.get("better", ""), more.get("baseline", ""),
                     more.get("target", ""), more.get("rating", ""), more.get("disputed", "")])

    row("Health index", "Health index (0–100)", None, data["index"])
    for party in parties:
        row("Health index", "Health index (0–100)", party.id, data["party_index"].get(party.id))
    for result in data["rows"]:
        shared = {"mean": _number(result.mean), "gap": "" if result.gap is None else result.gap}
        for party in parties:
            row("Score", result.name, party.id, result.scores.get(party.id), result.comments.get(party.id, ""),
                **shared)
    for result in data["measures"]:
        measure = result.measure
        shared = {"unit": measure["unit"], "better": "Higher" if measure["direction"] == "higher" else "Lower",
                  "baseline": measure.get("baseline") or "", "target": measure["target"]}
        row("Measure", measure["name"], result.owner_party_id, result.actual, "", rating=result.rating_label,
            disputed="", **shared)
        for view in result.views:
            row("Measure", measure["name"], view["party_id"], view["actual"], view["reason"],
                rating=RAG_LABELS[view["rating"]] if view["actual"] is not None else "",
                disputed="Yes" if view["disputed"] else "No", **shared)
    for party in parties:
        assessment = data["assessments"][party.id]
        row("Achievements", "Achievements", party.id, "", assessment.achievements)
        row("Concerns", "Concerns", party.id, "", assessment.concerns)
    return rows


def results_csv(cycle: ReviewCycle, data: dict) -> str:
    return csv_text(HEADER, result_rows(cycle, data))
