"""The demo's reviews: three closed quarterly cycles with believable, varied scores (fairness seen
very differently by the two sides), measures trending towards target, actions kept and missed,
and the current quarter's cycle in the Review stage, where Northwind has submitted and Contoso
has a draft. Built through the services, backdated, so notifications and audit events are real."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from app.demo.workspace import ALEX, DANA, LUIS, PRIYA, Demo
from app.extensions import db
from app.review_cycle import assessments, cycles, improvement, periods, stages
from app.review_cycle.assessments import AssessmentInput, DimensionScore, MeasureActual
from app.types import clock_at, utcnow

NW_SCORES = [  # per closed cycle, oldest first, in the default dimensions' order
    [3, 3, 4, 3, 3, 3, 4, 2],
    [4, 3, 4, 4, 3, 4, 4, 3],
    [4, 4, 4, 4, 4, 4, 4, 3],
]
CT_SCORES = [
    [3, 2, 3, 3, 3, 2, 2, 2],
    [3, 3, 4, 3, 3, 3, 2, 3],
    [4, 4, 4, 4, 3, 4, 2, 3],
]
CURRENT_NW = [4, 4, 5, 4, 4, 4, 4, 4]
COMMENTS = {
    ("nw", "Fairness"): "Gain-share paid on time; the expedite-cost split works as agreed.",
    ("ct", "Fairness"): "Expedite costs above the threshold still land mostly on Contoso; the 50/50 split is "
                        "not applied consistently.",
    ("ct", "Communication"): "Weekly S&OP call helps, but plant managers hear about delays late.",
    ("nw", "Innovation"): "Carbon pilot on two lanes is promising.",
    ("ct", "Responsiveness"): "Much faster on exceptions since the escalation ladder was agreed.",
}
# Measure name -> actual per closed cycle and for the current draft.
ACTUALS = {
    "On-time-in-full delivery": ["95.1", "96.4", "97.2", "97.9"],
    "Logistics cost per unit": ["3.79", "3.66", "3.58", "3.51"],
    "Carbon intensity": ["58", "54", "49", "45"],
    "Dock-to-stock time": ["16", "13", "11", "9"],
    "Inventory accuracy at plant stores": ["97.6", "98.1", "98.6", "98.9"],
}
@dataclass(frozen=True)
class Slip:
    submission: int  # days after day 10 of the cycle (the Review is due on day 12)
    agreement: int  # days Contoso's admin agrees each stage after Northwind's


CT_SLIP = [Slip(0, 0), Slip(1, 2), Slip(5, 6)]

ACTIONS = [  # (cycle index, title, owner key, owner email, due offset days from opening, done offset or None/"drop")
    (0, "Weekly S&OP call with both planning teams", "nw", PRIYA, 30, 21),
    (0, "Agree the expedite-cost split in writing", "ct", DANA, 45, 70),
    (0, "Share dock schedules 48 hours ahead", "ct", LUIS, 30, 25),
    (1, "Exception escalation ladder on the operations board", "nw", ALEX, 30, 28),
    (1, "Pilot electric trucks on the Monterrey lane", "nw", PRIYA, 60, 55),
    (1, "Monthly forecast-accuracy report to Northwind", "ct", LUIS, 30, "drop"),
    (2, "Apply the 50/50 expedite split on every invoice", "nw", ALEX, 30, 40),
    (2, "Joint carbon dashboard", "ct", DANA, 45, 52),
    (2, "Frozen-window rule for forecast changes", "ct", LUIS, 50, None),
]


def _assessment(cycle, party_id: int, scores: list[int], key: str, n: int) -> AssessmentInput:
    """What the party wrote; a score of 0 is a dimension it has not scored yet."""
    actuals = {}
    for measure in cycle.measures:
        if measure["data_owner"] == party_id:
            actual = ACTUALS[measure["name"]][n] if measure["name"] in ACTUALS else measure["target"]
            actuals[measure["id"]] = MeasureActual(Decimal(actual) if actual else None)
    if key == "ct" and n == 2:
        otif = next((m for m in cycle.measures if m["name"] == "On-time-in-full delivery"), None)
        if otif is not None:
            actuals[otif["id"]] = MeasureActual(
                Decimal("96.1"), disputed=True,
                reason="Our receiving data counts 14 late trailers in August that Northwind's does not.",
            )
    return AssessmentInput(
        scores={str(dim["id"]): DimensionScore(score or None, COMMENTS.get((key, dim["name"]), ""))
                for dim, score in zip(cycle.dimensions, scores, strict=False)},
        measures=actuals,
        achievements={
            "nw": "On-time-in-full up again; the escalation ladder cut exception handling from days to hours.",
            "ct": "Dock-to-stock time keeps falling; the carbon pilot is on track.",
        }[key],
        concerns={
            "nw": "Forecast changes inside the frozen window still drive expedites.",
            "ct": "The expedite-cost split is not applied as agreed; it erodes the sense of fairness.",
        }[key],
    )


# What each action improves: a dimension or a measure, by name.
LINKS = {
    "Weekly S&OP call": "Communication", "Agree the expedite-cost split": "Fairness",
    "Share dock schedules": "Dock-to-stock time", "Exception escalation ladder": "Responsiveness",
    "Pilot electric trucks": "Carbon intensity", "Monthly forecast-accuracy": "Communication",
    "Apply the 50/50": "Fairness", "Joint carbon dashboard": "Carbon intensity",
    "Frozen-window rule": "On-time-in-full delivery",
}


def _link(cycle, title: str) -> str:
    target = next((name for start, name in LINKS.items() if title.startswith(start)), None)
    for dim in cycle.dimensions:
        if dim["name"] == target:
            return f"dimension:{dim['id']}"
    for measure in cycle.measures:
        if measure["name"] == target:
            return f"measure:{measure['id']}"
    return ""


def _at(day: date, hours: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hours, tzinfo=utcnow().tzinfo)


def _when(moment: datetime, step, *args, **kwargs):
    """A cycle's step as it happened at `moment`: its record, audit event and notices dated then."""
    with clock_at(moment):
        return step(*args, at=moment, **kwargs)


REVIEW_NEWS = ("review_stage_changed", "review_submitted_by_other_party", "action_assigned")


def past_news_read(partnership_id: int, kinds: tuple[str, ...] = REVIEW_NEWS) -> None:
    """What the past told people (by default, what the closed cycles did) was read long ago."""
    import sqlalchemy as sa

    from app.notifications.models import Notification

    db.session.execute(
        sa.update(Notification)
        .where(Notification.partnership_id == partnership_id, Notification.read_at.is_(None),
               Notification.kind.in_(kinds))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def review_cycles(demo: Demo) -> None:
    partnership = demo.partnership
    months = partnership.review_cadence_months
    today = utcnow().date()
    current = periods.period_of(today, months)
    labels = [current]
    for _ in range(3):
        start, _end = periods.period_bounds(labels[0], months)
        labels.insert(0, periods.period_of(start - timedelta(days=1), months))
    nw, ct = demo.member(ALEX), demo.member(DANA)
    people = {"nw": demo.member(PRIYA), "ct": demo.member(LUIS)}
    admins = [nw, ct]
    for n, label in enumerate(labels[:3]):
        _start, end = periods.period_bounds(label, months)
        opened = _at(end - timedelta(days=75))
        cycle = _when(opened, cycles.open_cycle, nw if n % 2 == 0 else ct, label, opened.date() + timedelta(days=12))
        _when(opened + timedelta(days=6), assessments.submit, people["nw"], cycle,
              _assessment(cycle, nw.party_id, NW_SCORES[n], "nw", n))
        # Contoso slips a little more each quarter (the promise ledger flags the last one):
        # its submission comes later, and its admin agrees each stage days after Northwind's.
        late = CT_SLIP[n]
        _when(opened + timedelta(days=10 + late.submission), assessments.submit, people["ct"], cycle,
              _assessment(cycle, ct.party_id, CT_SCORES[n], "ct", n))
        start = max(12, 10 + late.submission)
        _when(opened + timedelta(days=start, hours=2), stages.agree, nw, cycle, "review")
        _when(opened + timedelta(days=start + late.agreement, hours=3), stages.agree, ct, cycle, "review")
        shift = start - 12 + late.agreement  # the rest of the cycle moves with it
        opened_late = opened + timedelta(days=shift)
        _when(opened_late + timedelta(days=14), improvement.add_adaptation, ct, cycle,
            ["Plant managers join the weekly performance call.",
             "Exceptions over four hours go straight to the operations board.",
             "Expedite costs are split on the invoice, not reconciled quarterly."][n],
            ["Delays reached the plants too late.", "Exceptions sat in inboxes for days.",
             "Contoso sees the split as unfair when it is settled months later."][n],
            ["communications", "management_activities", "commercial_agreement"][n])
        _when(opened_late + timedelta(days=16), stages.agree, nw, cycle, "adapt")
        _when(opened_late + timedelta(days=16 + late.agreement), stages.agree, ct, cycle, "adapt")
        opened_late += timedelta(days=late.agreement)
        made = []
        for index, title, _owner, email, due, done in ACTIONS:
            if index != n:
                continue
            member = demo.member(email)
            action = _when(opened_late + timedelta(days=18), improvement.add_action, member, cycle, {
                "title": title, "description": "", "owner_party_id": member.party_id, "owner_user_id": member.user_id,
                "due_on": opened_late.date() + timedelta(days=due), "link": _link(cycle, title),
            })
            made.append((action, member, done))
        _when(opened_late + timedelta(days=20), stages.agree, nw, cycle, "improve")
        _when(opened_late + timedelta(days=20 + late.agreement), stages.agree, ct, cycle, "improve")
        for action, member, done in made:
            fields = {"title": action.title, "description": action.description,
                      "owner_party_id": action.owner_party_id, "owner_user_id": action.owner_user_id,
                      "due_on": action.due_on, "link": _link(cycle, action.title)}
            if done == "drop":
                _when(opened_late + timedelta(days=40), improvement.update_action, member, action, fields, "dropped")
            elif done is not None:
                _when(opened_late + timedelta(days=22), improvement.update_action, member, action, fields,
                      "in_progress")
                _when(opened_late + timedelta(days=done), improvement.update_action, member, action, fields, "done")
        for admin in admins:
            _when(opened + timedelta(days=74), stages.agree, admin, cycle, "operate")
    past_news_read(partnership.id)
    opened = utcnow() - timedelta(days=6)
    cycle = _when(opened, cycles.open_cycle, nw, labels[3], opened.date() + timedelta(days=14))
    _when(opened + timedelta(days=4), assessments.submit, people["nw"], cycle,
          _assessment(cycle, nw.party_id, CURRENT_NW, "nw", 3))
    draft = _assessment(cycle, ct.party_id, [4, 3, 4, 4, 0, 0, 0, 0], "ct", 3)
    _when(opened + timedelta(days=5), assessments.save_draft, people["ct"], cycle, draft)
    db.session.flush()
