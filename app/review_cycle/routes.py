"""The review cycle's pages. Views parse, call one service, and render or redirect; what a
member may see of another party's assessment is decided by assessments.visible_assessments."""

from flask import Response, abort, flash, g, jsonify, redirect, render_template, request, url_for

from app import jobs
from app.consent import services as consent
from app.downloads import content_disposition, file_name
from app.formatting import to_local
from app.forms import ConfirmForm
from app.inputs import form_choice
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.partnerships.models import Role
from app.plan_sections.reading import load_context
from app.plan_sections.registry import section_types
from app.registries import ADAPT_SUGGESTIONS
from app.review_cycle import assessments, bp, corrections, cycles, export, forms, improvement, maturity, report, stages
from app.review_cycle import dimensions as health_dimensions  # the module; `dimensions` is a view here
from app.review_cycle.models import (
    ACTION_STATUS_LABELS,
    CLOSED,
    STAGES,
    HealthDimension,
    ImprovementAction,
    ReviewCycle,
)
from app.review_cycle.stepper import stepper
from app.rules import applying
from app.submissions import claim
from app.types import utcnow


def _today():
    return utcnow().date()


def _is_admin(membership) -> bool:
    return membership.role == Role.ADMIN


@bp.get("/partnerships/<int:partnership_id>/reviews")
def index(partnership_id: int):
    membership = current_membership()
    partnership = membership.partnership
    form = forms.OpenCycleForm(period=cycles.proposed_period(partnership))
    return _render_index(membership, cycles.cycles_of(partnership_id), form)


def _render_index(membership, cycles, form, status=200):
    partnership = membership.partnership
    trend = report.trend_for(partnership_id=partnership.id)
    return render_template(
        "review_cycle/index.html", cycles=cycles, form=form,
        open_cycle=next((c for c in cycles if c.is_open), None), is_admin=_is_admin(membership), trend=trend,
        kept=report.kept_for(partnership.id, _today()),
    ), status


# Opening a cycle, agreeing for a party and changing the dimensions are an admin's (EDIT_PARTNERSHIP).
@bp.post("/partnerships/<int:partnership_id>/reviews")
@require(Permission.EDIT_PARTNERSHIP)
def open_cycle(partnership_id: int):
    membership = current_membership()
    form = forms.OpenCycleForm()
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            cycle = cycles.open_cycle(membership, form.period.data, form.review_due_on.data)
            target = url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle.id)
            submission.led_to(target)
        if applied:
            flash(f"The {cycle.period} review is open. Each party now scores the relationship on its own.", "success")
            return redirect(target)
    return _render_index(membership, cycles.cycles_of(partnership_id), form, 422)


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>")
def show(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    form = None
    if cycle.stage == "adapt" and request.args.get("what"):  # a suggestion taken up: its words, to edit
        form = _adaptation_form()
        form.what.data = request.args.get("what", "")[:improvement.TEXT_MAX]
        form.why.data = request.args.get("why", "")[:improvement.TEXT_MAX]
        section = request.args.get("section", "")
        form.section_key.data = section if section in {key for key, _label in form.section_key.choices} else ""
    return _render_show(membership, cycle, adaptation_form=form)


def _adaptation_form(formdata=None):
    form = forms.AdaptationForm(formdata=formdata) if formdata is not None else forms.AdaptationForm()
    form.section_key.choices = [("", "No particular section")] + [(t.key, f"{t.number}. {t.title}")
                                                                   for t in section_types()]
    return form


def _action_form(cycle, formdata=None, obj=None, *, party_id=None):
    form = forms.ActionForm(formdata=formdata, obj=obj) if (formdata is not None or obj is not None) \
        else forms.ActionForm()
    ctx = load_context(cycle.partnership_id)
    waited = {p.id for p in cycles.parties_waited_for(cycle)}  # the cycle's parties still taking part
    form.owner_party_id.choices = [(p.id, p.name) for p in ctx.parties.values()
                                   if p.id in waited or (obj is not None and p.id == obj.owner_party_id)]
    # Every member, named with their party (what people without JavaScript choose from; the server
    # refuses someone of another party); review_cycle.js narrows the list to the owner party's people.
    form.owner_user_id.choices = [(None, "Nobody yet")] + [
        (m.user_id, f"{m.user.full_name} ({ctx.parties[m.party_id].name})", {"data-party": m.party_id})
        for m in ctx.members.values()
    ]
    form.owner_user_id.render_kw = {"data-owner-party": form.owner_party_id.id}
    form.link.choices = [("", "Nothing in particular")] + improvement.link_options(cycle)
    form.status.choices = list(ACTION_STATUS_LABELS.items())
    if obj is not None and formdata is None:
        form.link.data = f"{obj.link_kind}:{obj.link_ref}" if obj.link_kind else ""
    elif formdata is None and party_id is not None:
        form.owner_party_id.data = party_id  # a new action: the writer's own party, by default
    return form


def _render_show(membership, cycle, *, adaptation_form=None, action_form=None, status=200):
    today = _today()
    return render_template(
        "review_cycle/show.html",
        cycle=cycle,
        steps=stepper(cycle, today), today=today, is_admin=_is_admin(membership),
        own=assessments.own_assessment(cycle, membership.party_id),
        in_cycle=cycles.is_party_of(cycle, membership.party_id),
        blocked=stages.what_blocks(cycle),
        adaptations=improvement.adaptations_of(cycle), revisions=improvement.linked_revisions(cycle),
        actions=improvement.actions_of(cycle),
        adaptation_form=adaptation_form or _adaptation_form(),
        suggestions=[s for source in ADAPT_SUGGESTIONS.all() for s in source(cycle, today)]
        if cycle.stage == "adapt" else [],
        action_form=action_form or _action_form(cycle, party_id=membership.party_id),
        section_titles={t.key: t.title for t in section_types()},
        can_edit=membership.role in (Role.ADMIN, Role.EDITOR),
        stages=STAGES, closed=CLOSED,
    ), status


@bp.route("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/assessment", methods=["GET", "POST"])
@require(Permission.EDIT_PLAN)
def assessment(partnership_id: int, cycle_id: int):
    """Save the draft; "submit" checks it as a submission and saves it, then asks to confirm;
    "confirm" submits the draft exactly as it was checked."""
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    own = assessments.own_assessment(cycle, membership.party_id)
    if request.method != "POST":
        return _render_assessment(membership, cycle, own, _values_of(own), {})
    action = form_choice("action", ("save", "submit", "confirm"), default="save")
    if action == "confirm":
        return _confirm_submission(membership, cycle, own)
    with applying(show=False) as applied:
        given = forms.read_assessment(cycle, request.form)
        if action == "submit":
            own = assessments.save_for_submission(membership, cycle, given)
            # What was checked, read before the commit: afterwards the row is read again and may already
            # hold a save that raced this one, which the confirmation must not show as checked.
            checked_at, checked = own.updated_at.isoformat(), _values_of(own)
        else:
            assessments.save_draft(membership, cycle, given)
    if not applied:
        return _refused_assessment(membership, cycle, own, request.form, applied.violation)
    if action == "submit":
        return _render_assessment(membership, cycle, own, checked, {}, confirming=True, checked_at=checked_at)
    flash("Your draft is saved. Only your party can see it.", "success")
    return redirect(url_for("review_cycle.assessment", partnership_id=partnership_id, cycle_id=cycle_id))


def _confirm_submission(membership, cycle, own):
    partnership_id, cycle_id = cycle.partnership_id, cycle.id
    if own is None or request.form.get("checked_at") != own.updated_at.isoformat():
        # Someone of the party saved the draft after it was checked: check it again.
        flash("The draft changed after it was checked (a colleague saved it): read it again before submitting.",
              "error")
        return redirect(url_for("review_cycle.assessment", partnership_id=partnership_id, cycle_id=cycle_id))
    with applying(show=False) as applied:
        assessments.submit(membership, cycle, assessments.AssessmentInput.of(own))
    if not applied:
        return _refused_assessment(membership, cycle, own, _values_of(own), applied.violation)
    revealed = cycles.cycle_of(partnership_id, cycle_id).revealed_at is not None
    corrected = len(own.submissions) > 1
    flash(f"{membership.party.name}'s {'corrected ' if corrected else ''}review of {cycle.period} is submitted."
          + ((" The results now use the correction." if corrected else
              " Every party has now submitted: the results are in.") if revealed else
             " The other scores appear once every party has submitted."), "success")
    target = "review_cycle.results" if revealed else "review_cycle.show"
    return redirect(url_for(target, partnership_id=partnership_id, cycle_id=cycle_id))


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/assessment/correction")
@require(Permission.EDIT_PARTNERSHIP)
def propose_correction(partnership_id: int, cycle_id: int):
    """An admin asks every other party to reopen their party's submitted assessment."""
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    form = forms.CorrectionForm()
    own = assessments.own_assessment(cycle, membership.party_id)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_assessment(membership, cycle, own, _values_of(own), {}, 422, correction_form=form)
    with applying(form) as applied:
        proposal = corrections.propose_correction(membership, cycle, form.reason.data or "")
    if not applied:
        status = applied.violation.status if isinstance(applied.violation, consent.ConsentError) else 422
        return _render_assessment(membership, cycle, own, _values_of(own), {}, status, correction_form=form)
    if proposal.status == "agreed":
        flash("Your assessment is open again (no other party takes part to be asked): correct it and submit it.",
              "success")
    else:
        flash("You asked to correct your assessment. It reopens when every other party agrees; until the "
              "results are in they learn only that a correction was asked for.", "success")
    return redirect(url_for("review_cycle.assessment", partnership_id=partnership_id, cycle_id=cycle_id))


def _refused_assessment(membership, cycle, own, values, violation):
    """An invalid assessment is shown again with its errors; another broken rule is flashed on the cycle."""
    if isinstance(violation, assessments.InvalidAssessment):
        return _render_assessment(membership, cycle, own, values, forms.input_errors(violation), 422)
    flash(violation.message, "error")
    return redirect(url_for("review_cycle.show", partnership_id=cycle.partnership_id, cycle_id=cycle.id))


def _values_of(own) -> dict:
    """The stored draft as the form's input names."""
    values = {}
    if own is None:
        return values
    for key, entry in own.scores.items():
        values[f"score-{key}"] = str(entry.get("score") or "")
        values[f"comment-{key}"] = entry.get("comment") or ""
    for key, entry in own.measures.items():
        values[f"actual-{key}"] = entry.get("actual") or ""
        values[f"disputed-{key}"] = "1" if entry.get("disputed") else ""
        values[f"reason-{key}"] = entry.get("reason") or ""
    values["achievements"], values["concerns"] = own.achievements, own.concerns
    return values


def _render_assessment(membership, cycle, own, values, errors, status=200, *, confirming=False,
                       checked_at=None, correction_form=None):
    ctx = load_context(cycle.partnership_id)
    reopened = cycle.is_open and membership.party_id in assessments.reopened_party_ids(cycle)
    submitted = own is not None and own.submitted_at is not None
    return render_template(
        "review_cycle/assessment.html", cycle=cycle,
        own=own, values=values, errors=errors, parties=ctx.parties, reopened=reopened, confirming=confirming,
        checked_at=checked_at,
        editable=(cycle.stage == "review" or reopened) and not submitted and not confirming,
        correction=corrections.open_correction(own) if own is not None else None,
        can_correct=submitted and cycle.is_open and _is_admin(membership),
        correction_form=correction_form or forms.CorrectionForm(formdata=None),
        maturity=maturity.form_guide() if cycle.is_maturity else None,
    ), status


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/assessment/autosave")
@require(Permission.EDIT_PLAN)
def autosave(partnership_id: int, cycle_id: int):
    """The draft saved as someone types (static/js/review_cycle.js); answers JSON."""
    g.background_request = True
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    with applying(show=False) as applied:
        own = assessments.save_draft(membership, cycle, forms.read_assessment(cycle, request.form))
    if isinstance(applied.violation, assessments.InvalidAssessment):
        return jsonify(saved=False, errors=forms.input_errors(applied.violation)), 422
    if not applied:
        return jsonify(saved=False, message=applied.violation.message), 409
    # The time as every page shows it: in the person's own time zone (their setting, not the browser's).
    local = to_local(own.updated_at)
    return jsonify(saved=True, at=own.updated_at.isoformat(), at_text=f"{local:%H:%M} {local.tzname()}")


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/results")
def results(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    data = report.results_for(cycle, membership, _today()) if cycle.revealed_at is not None else None
    return render_template("review_cycle/results.html", cycle=cycle, data=data, steps=stepper(cycle, _today()))


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/results.csv")
def results_export(partnership_id: int, cycle_id: int):
    """The results as CSV: only once revealed (before, nobody may read another party's scores)."""
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    if cycle.revealed_at is None:
        abort(404)
    data = report.results_for(cycle, membership, _today())
    filename = file_name(membership.partnership.name, cycle.kind, cycle.period, "results", extension="csv")
    headers = {"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"}
    text = maturity.results_csv(cycle, data) if cycle.is_maturity else export.results_csv(cycle, data)
    return Response(text, mimetype="text/csv", headers=headers)


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/agree")
@require(Permission.EDIT_PARTNERSHIP)
def agree(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    stage = form_choice("stage", STAGES)
    target = url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle_id)
    with applying() as applied:
        advanced = stages.agree(membership, cycle, stage)
    if not applied:
        return redirect(target)
    cycle = cycles.cycle_of(partnership_id, cycle_id)
    if not advanced:
        flash(f"{membership.party.name} agrees. The cycle moves on once every party has agreed.", "success")
    elif cycle.stage == CLOSED:
        flash(f"Every party agreed: the {cycle.period} review is closed and its report is ready.", "success")
        return redirect(url_for("review_cycle.report_page", partnership_id=partnership_id, cycle_id=cycle_id))
    else:
        flash(f"Every party agreed: the cycle is now in {cycle.stage_label}.", "success")
    return redirect(target)


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/adaptations")
@require(Permission.EDIT_PLAN)
def add_adaptation(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    form = _adaptation_form(request.form)
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            improvement.add_adaptation(membership, cycle, form.what.data, form.why.data, form.section_key.data)
            target = url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle_id, _anchor="adapt")
            submission.led_to(target)
        if applied:
            flash("The adaptation is recorded.", "success")
            return redirect(target)
    return _render_show(membership, cycle, adaptation_form=form, status=422)


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/actions")
@require(Permission.EDIT_PLAN)
def add_action(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    form = _action_form(cycle, request.form)
    form.status.data = "open"
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            improvement.add_action(membership, cycle, form.fields_dict())
            target = url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle_id, _anchor="improve")
            submission.led_to(target)
        if applied:
            flash("The action is recorded.", "success")
            return redirect(target)
    return _render_show(membership, cycle, action_form=form, status=422)


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/actions/<int:action_id>")
def action(partnership_id: int, cycle_id: int, action_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    item = get_in_partnership_or_404(ImprovementAction, action_id, cycle_id=cycle.id)
    return _render_action(membership, cycle, item, _action_form(cycle, obj=item))


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/actions/<int:action_id>")
@require(Permission.EDIT_PLAN)
def update_action(partnership_id: int, cycle_id: int, action_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    item = get_in_partnership_or_404(ImprovementAction, action_id, cycle_id=cycle.id)
    form = _action_form(cycle, request.form)
    if form.validate_on_submit():
        with applying(form) as applied:
            improvement.update_action(membership, item, form.fields_dict(), form.status.data)
        if applied:
            flash("The action is updated.", "success")
            return redirect(url_for("review_cycle.show", partnership_id=partnership_id, cycle_id=cycle_id,
                                    _anchor="improve"))
    return _render_action(membership, cycle, item, form, 422)


def _render_action(membership, cycle, item, form, status=200):
    return render_template(
        "review_cycle/action.html", cycle=cycle,
        action=item, form=form, today=_today(), promotion=improvement.promotion_waiting(item),
        editable=cycle.stage in ("improve", "operate") and membership.role in (Role.ADMIN, Role.EDITOR),
    ), status


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/actions/<int:action_id>/promote")
@require(Permission.EDIT_PLAN)
def promote(partnership_id: int, cycle_id: int, action_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    item = get_in_partnership_or_404(ImprovementAction, action_id, cycle_id=cycle.id)
    with applying() as applied:
        outcome = improvement.promote_action(membership, item)
    if applied:
        if outcome.status == "proposed":
            flash("Proposed: the action becomes an initiative of the plan's Continuous improvement section when "
                  "every other party agrees (the section is agreed).", "success")
        else:
            flash("The action is now an initiative in the plan's Continuous improvement section.", "success")
    return redirect(url_for("review_cycle.action", partnership_id=partnership_id, cycle_id=cycle_id,
                            action_id=action_id))


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/report")
def report_page(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    data = report.report_for(cycle, membership, _today()) if cycle.stage == CLOSED else None
    return render_template("review_cycle/report.html",
                           cycle=cycle, data=data, cycle_parties=cycles.parties_of_cycle(cycle))


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/report.pdf")
def report_pdf(partnership_id: int, cycle_id: int):
    membership = current_membership()
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    if cycle.stage != CLOSED:
        abort(404)
    stored = report.stored_report(cycle.id)
    if stored is None:
        return render_template(
            "review_cycle/report_preparing.html",
            cycle=cycle, problem=jobs.problem_for(report.REPORT_JOB, f"cycle:{cycle.id}"),
            form=ConfirmForm(formdata=None),
        ), 202
    filename = file_name(membership.partnership.name, cycle.kind, cycle.period, extension="pdf")
    return stored.data, 200, {"Content-Type": "application/pdf", "X-Content-SHA256": stored.sha256,
                              "Content-Disposition": content_disposition(filename),
                              "Cache-Control": "private, no-store"}


@bp.get("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/report.pdf/status")
def report_pdf_status(partnership_id: int, cycle_id: int):
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    stored = report.stored_report(cycle.id) if cycle.stage == CLOSED else None
    problem = jobs.problem_for(report.REPORT_JOB, f"cycle:{cycle.id}") if stored is None else None
    return jsonify(ready=stored is not None, failed=bool(problem and problem.gave_up))


@bp.post("/partnerships/<int:partnership_id>/reviews/<int:cycle_id>/report.pdf")
@require(Permission.EDIT_PLAN)
def prepare_report_pdf(partnership_id: int, cycle_id: int):
    """Queue the report's PDF again ("try again" after a failure); idempotent."""
    cycle = get_in_partnership_or_404(ReviewCycle, cycle_id)
    if cycle.stage != CLOSED:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = jobs.problem_for(report.REPORT_JOB, f"cycle:{cycle.id}")
    with applying():
        if problem is not None:
            jobs.retry_problem(problem)
        else:
            jobs.enqueue_on_commit(report.REPORT_JOB, cycle.id)
    return redirect(url_for("review_cycle.report_pdf", partnership_id=partnership_id, cycle_id=cycle_id))


@bp.get("/partnerships/<int:partnership_id>/reviews/dimensions")
def dimensions(partnership_id: int):
    return _render_dimensions(current_membership(), forms.DimensionForm())


@bp.post("/partnerships/<int:partnership_id>/reviews/dimensions")
@require(Permission.EDIT_PARTNERSHIP)
def add_dimension(partnership_id: int):
    membership = current_membership()
    form = forms.DimensionForm()
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            dimension = health_dimensions.add_dimension(membership, form.name.data)
            target = url_for("review_cycle.dimensions", partnership_id=partnership_id)
            submission.led_to(target)
        if applied:
            flash(f"“{dimension.name}” will be scored from the next cycle.", "success")
            return redirect(target)
    return _render_dimensions(membership, form, 422)


def _render_dimensions(membership, form, status=200, *, rename_errors=None):
    partnership_id = membership.partnership_id
    found = health_dimensions.dimensions(partnership_id, include_retired=True)
    return render_template(
        "review_cycle/dimensions.html", form=form,
        dimensions=found, defaults=health_dimensions.DEFAULT_DIMENSIONS if not found else [],
        is_admin=_is_admin(membership), rename_errors=rename_errors or {},
    ), status


@bp.post("/partnerships/<int:partnership_id>/reviews/dimensions/<int:dimension_id>")
@require(Permission.EDIT_PARTNERSHIP)
def dimension(partnership_id: int, dimension_id: int):
    membership = current_membership()
    found = get_in_partnership_or_404(HealthDimension, dimension_id)
    change = form_choice("change", ("rename", "retire", "restore"), default="rename")
    with applying(show=False) as applied:
        if change == "retire":
            health_dimensions.set_dimension_retired(membership, found, True)
        elif change == "restore":
            health_dimensions.set_dimension_retired(membership, found, False)
        else:
            health_dimensions.rename_dimension(membership, found, request.form.get("name", ""))
    if applied:
        flash("The dimensions are saved; past cycles keep theirs.", "success")
    elif applied.violation.field == "name":
        typed = request.form.get("name", "")
        return _render_dimensions(membership, forms.DimensionForm(formdata=None), 422,
                                  rename_errors={dimension_id: (applied.violation.message, typed)})
    else:
        flash(applied.violation.message, "error")
    return redirect(url_for("review_cycle.dimensions", partnership_id=partnership_id))
