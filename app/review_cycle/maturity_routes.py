"""The maturity assessments page: the schedule, starting one, every assessment so far and the
trend. An assessment itself runs on the review cycle's pages (review_cycle.show and the rest),
which read it as a maturity assessment."""

from flask import flash, redirect, render_template, url_for

from app.partnerships.access import Permission, current_membership, require
from app.partnerships.models import Role
from app.review_cycle import bp, cycles, forms, maturity
from app.review_cycle.maturity_scale import DIMENSIONS, LEVELS
from app.rules import applying
from app.submissions import claim


@bp.get("/partnerships/<int:partnership_id>/maturity")
def maturity_index(partnership_id: int):
    membership = current_membership()
    form = forms.StartMaturityForm(period=cycles.proposed_period(membership.partnership, kind=maturity.KIND))
    return _render(membership, form)


def _render(membership, form, status=200):
    return render_template(
        "review_cycle/maturity.html", form=form, assessments=maturity.assessments_of(membership.partnership_id),
        schedule=maturity.schedule(membership.partnership), trend=maturity.trend_for(membership.partnership_id),
        levels=LEVELS, dimensions=DIMENSIONS, is_admin=membership.role == Role.ADMIN,
    ), status


@bp.post("/partnerships/<int:partnership_id>/maturity")
@require(Permission.EDIT_PARTNERSHIP)
def start_maturity(partnership_id: int):
    membership = current_membership()
    form = forms.StartMaturityForm()
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            cycle = maturity.start_assessment(membership, form.period.data, form.review_due_on.data)
            target = url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle.id)
            submission.led_to(target)
        if applied:
            flash(f"The {cycle.name} has started. Each party now rates the relationship's maturity on its own.",
                  "success")
            return redirect(target)
    return _render(membership, form, 422)
