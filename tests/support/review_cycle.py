"""Building review cycles for tests through the services: measures in the business case, a
cycle opened by an admin, assessments submitted, stages agreed."""

from datetime import date

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from app.review_cycle import assessments, cycles, improvement, stages
from app.review_cycle.assessments import AssessmentInput
from app.review_cycle.forms import read_assessment


def measures_content(party_a_id: int, party_b_id: int) -> dict:
    def measure(name, unit, direction, baseline, target, owner):
        return {"name": name, "unit": unit, "direction": direction, "baseline": baseline, "target": target,
                "frequency": "monthly", "data_owner": owner, "definition": None}

    return {
        "narrative": "Why we work together.",
        "items": {
            "objectives": [], "benefits": [],
            "measures": [
                measure("On-time delivery", "%", "higher", "91", "98", party_a_id),
                measure("Cost per unit", "USD", "lower", "4.2", "3.8", party_b_id),
                measure("Claims", "count", "lower", None, "10", party_a_id),
            ],
        },
    }


def add_measures(partnership, admin_user) -> list[dict]:
    membership = load_membership(partnership.id, admin_user)
    parties = [p.id for p in partnership.parties]
    section = reading.section_for(partnership.id, "business_case")
    writing.save_section(membership, section, measures_content(parties[0], parties[-1]), section.current_revision_id)
    db.session.commit()
    return reading.performance_measures(partnership.id)


def assessment_form(cycle, party_id: int, score: int = 4, *, comment: str = "", text: str = "",
                    actual: str = "95") -> dict:
    form = {}
    for n, dim in enumerate(cycle.dimensions):
        form[f"score-{dim['id']}"] = str(score if n else max(1, min(5, score)))
        form[f"comment-{dim['id']}"] = comment
    for measure in cycle.measures:
        if measure["data_owner"] == party_id:
            form[f"actual-{measure['id']}"] = actual
    form["achievements"] = text
    form["concerns"] = text
    return form


def assessment_input(cycle, party_id: int, score: int = 4, **kwargs) -> AssessmentInput:
    """What `assessment_form` posts, read as the assessment form reads it: the services' input."""
    return read_assessment(cycle, assessment_form(cycle, party_id, score, **kwargs))


def open_cycle(partnership, admin_user, period: str | None = None):
    membership = load_membership(partnership.id, admin_user)
    cycle = cycles.open_cycle(membership, period or cycles.proposed_period(partnership))
    db.session.commit()
    return cycle


def submit(cycle, user, score: int = 4, **kwargs):
    membership = load_membership(cycle.partnership_id, user)
    assessments.submit(membership, cycle, assessment_input(cycle, membership.party_id, score, **kwargs))
    db.session.commit()


def agree_all(cycle, admins):
    for admin in admins:
        stages.agree(load_membership(cycle.partnership_id, admin), cycle, cycle.stage)
    db.session.commit()
    db.session.refresh(cycle)


def add_action(cycle, user, title: str = "Weekly planning call", due: date = date(2030, 1, 31), **extra):
    membership = load_membership(cycle.partnership_id, user)
    action = improvement.add_action(membership, cycle, {
        "title": title, "description": extra.get("description", ""), "owner_party_id": membership.party_id,
        "owner_user_id": extra.get("owner_user_id", membership.user_id), "due_on": due, "link": extra.get("link", ""),
    })
    db.session.commit()
    return action


def cycle_in_improve(partnership, first, second):
    """A cycle both parties reviewed (scores 4 and 3), with an adaptation, agreed past Adapt
    into Improve: improvement actions can be added."""
    add_measures(partnership, first)
    cycle = open_cycle(partnership, first)
    submit(cycle, first, 4, comment="Fine.")
    submit(cycle, second, 3, comment="Could be better.")
    agree_all(cycle, [first, second])
    improvement.add_adaptation(
        load_membership(partnership.id, second), cycle, "Meet weekly.", "Delays.", "communications"
    )
    db.session.commit()
    agree_all(cycle, [first, second])
    return cycle
