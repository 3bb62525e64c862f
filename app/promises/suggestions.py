"""What the promise ledger suggests adapting in a review's Adapt stage: a party's special-cause
drop in promises kept on time (in the last two periods), each body that drifts from the cadence
the plan declares, and each party the give-and-get balance flags. Suggestions only: an
adaptation is recorded when someone takes one up."""

from datetime import date

from app.extensions import db
from app.partnerships.models import Partnership
from app.partnerships.parties import record_parties
from app.promises.balance import give_and_get, unit_label
from app.promises.ledger import promises_of
from app.promises.meetings import drift_of
from app.promises.practice import measure_drift
from app.promises.reliability import reliability
from app.registries import AdaptSuggestion
from app.review_cycle.models import ReviewCycle

RECENT_PERIODS = 2


def suggestions(cycle: ReviewCycle, today: date) -> list[AdaptSuggestion]:
    partnership = db.session.get(Partnership, cycle.partnership_id)
    promises = promises_of(cycle.partnership_id, today)
    found = []
    for party in reliability(promises, record_parties(cycle.parties), partnership.review_cadence_months, today):
        for point in party.points[-RECENT_PERIODS:]:
            if not point.special_cause:
                continue
            f = point.figure
            found.append(AdaptSuggestion(
                what=f"Agree how {party.party.name} gets back to keeping its promises on time",
                why=(f"{party.party.name} kept {f.on_time} of {f.due} promises on time in {f.period} "
                     f"({f.share:.0%}), below its control limit of {point.lower:.0%}: a special-cause drop, not "
                     "noise."),
                section_key="management_activities",
            ))
    for drift in drift_of(cycle.partnership_id, today):
        if not drift.drifting:
            continue
        body = drift.body
        last = f"; it last met on {drift.last_held:%-d %B %Y}" if drift.last_held else ""
        found.append(AdaptSuggestion(
            what=f"Meet as the plan says the {body.name} meets ({body.cadence}), or change what the plan says",
            why=f"The {body.name} met in {drift.met} of its last {drift.windows} {body.cadence} windows{last}.",
            section_key="organisational_arrangements" if body.kind == "body" else "communications",
        ))
    for item in measure_drift(partnership):
        found.append(AdaptSuggestion(
            what=f"Record {item.name} as often as the plan says ({item.declared}), or change what the plan says",
            why=f"The business case says {item.name} is measured {item.declared}; the reviews record {item.practice}.",
            section_key="business_case",
        ))
    gap = give_and_get(cycle.partnership_id, today)
    for flag in gap.flags:
        share = flag.latest
        if share.position < 0:  # one suggestion per imbalance: for the party that gives more than it gets
            continue
        others = ", ".join(p.name for p in gap.parties if p.id != flag.party.id) or "the other parties"
        found.append(AdaptSuggestion(
            what=f"Rebalance what {flag.party.name} and {others} give and get in {unit_label(flag.unit)}",
            why=(f"{flag.party.name} gives {float(share.share_given):.0%} of the value given in "
                 f"{unit_label(flag.unit)} and gets {float(share.share_got):.0%} of the value got, outside the "
                 f"±{gap.band_points}-point band in {' and '.join(flag.periods)}."),
            section_key="business_case",
        ))
    return found
