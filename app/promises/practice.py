"""Plan against practice: where the signed plan no longer describes what the partners do.

- *bodies and forums* that missed two or more of their last eight windows (meetings.py);
- *measures* the business case says are measured more often than anything records them: a
  review records one actual per measure per cycle, so a measure declared monthly in a
  partnership that reviews quarterly is recorded a third as often as the plan says;
- *sections* whose review is overdue against the partnership's section review cadence.

Each item says what the plan declares and what practice shows, and where to change the plan.
"""

from datetime import date

from app.extensions import db
from app.links import path_for
from app.partnerships.models import REVIEW_CADENCES, Partnership
from app.plan_sections.progress import plan_overview
from app.plan_sections.reading import performance_measures
from app.promises.meetings import FREQUENCY_WORDS, drift_of
from app.registries import DriftItem
from app.review_cycle import periods

# How many months a measure's declared frequency spans (shorter than a month: under one).
FREQUENCY_MONTHS = {"daily": 0, "weekly": 0, "fortnightly": 0, "monthly": 1, "quarterly": 3, "half_yearly": 6,
                    "yearly": 12}


def body_drift(partnership_id: int, today: date) -> list[DriftItem]:
    found = []
    for drift in drift_of(partnership_id, today):
        if not drift.drifting:
            continue
        body = drift.body
        last = f"; last on {drift.last_held:%-d %B %Y}" if drift.last_held else ""
        found.append(DriftItem(
            kind="Meets", name=body.name, declared=body.cadence,
            practice=f"met in {drift.met} of its last {drift.windows} windows{last}",
            link=path_for("promises.meetings_page", partnership_id=partnership_id,
                          _anchor=f"body-{body.kind}-{body.ref}"),
            section_key="organisational_arrangements" if body.kind == "body" else "communications",
        ))
    return found


def measure_drift(partnership: Partnership) -> list[DriftItem]:
    """Measures declared more often than a review records them (once a cycle)."""
    cadence = partnership.review_cadence_months
    found = []
    for measure in performance_measures(partnership.id):
        months = FREQUENCY_MONTHS.get(measure.get("frequency"))
        if months is None or months >= cadence:
            continue
        found.append(DriftItem(
            kind="Measured", name=measure["name"], declared=FREQUENCY_WORDS[measure["frequency"]],
            practice=f"one actual a review, {REVIEW_CADENCES.get(cadence, f'every {cadence} months').lower()}",
            link=path_for("coediting.section", partnership_id=partnership.id, section_key="business_case",
                          _anchor=f"item-{measure['id']}"),
            section_key="business_case",
        ))
    return found


def section_drift(partnership: Partnership) -> list[DriftItem]:
    """Sections past their review, against the partnership's section review cadence."""
    cadence = REVIEW_CADENCES.get(partnership.section_review_cadence_months,
                                  f"every {partnership.section_review_cadence_months} months").lower()
    found = []
    for state in plan_overview(partnership).sections:
        if not state.stale:
            continue
        last = state.reviewed_at or (state.revision.created_at if state.revision else None)
        found.append(DriftItem(
            kind="Reviewed", name=state.type.title, declared=cadence,
            practice=(f"last reviewed {last:%-d %B %Y}, due {state.review_due:%-d %B %Y}" if last
                      else f"due {state.review_due:%-d %B %Y}"),
            link=path_for("coediting.section", partnership_id=partnership.id, section_key=state.key),
            section_key=state.key,
        ))
    return found


def plan_against_practice(partnership_id: int, today: date) -> list[DriftItem]:
    """Every drift the partnership shows today: bodies, measures, section reviews."""
    partnership = db.session.get(Partnership, partnership_id)
    return [*body_drift(partnership_id, today), *measure_drift(partnership), *section_drift(partnership)]


def drift_in(cycle, today: date) -> list[DriftItem]:
    """What a review's results show: bodies drifting at the end of the cycle's period (or today,
    for a period under way) and measures recorded less often than declared."""
    partnership = db.session.get(Partnership, cycle.partnership_id)
    bounds = None
    for months in periods.PERIOD_PATTERNS:
        bounds = bounds or periods.period_bounds(cycle.period, months)
    as_of = min(today, bounds[1]) if bounds else today
    return [*body_drift(cycle.partnership_id, as_of), *measure_drift(partnership)]
