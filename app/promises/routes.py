"""The promise ledger's pages: the ledger (filters, reliability, CSV) and each promise's page,
where the parties to it answer for it; the meetings of the plan's bodies (cadence and drift, a
meeting's record and its form), the decision register, escalations and give and get. Every URL
is under the partnership, behind the one membership gate; a key the ledger does not hold, or a
body the plan does not name, is a 404."""

from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for

from app.consent import services as consent
from app.downloads import content_disposition, csv_line, file_name
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters, page_arg
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, has_permission, require
from app.promises import balance, bp, escalations, meetings, practice, release, services
from app.promises.charts import balance_chart, p_chart
from app.promises.forms import (
    AnswerForm,
    ConfirmForm,
    ContestForm,
    EscalateForm,
    EscalationForm,
    LedgerFilterForm,
    MeetingForm,
    ReleaseForm,
    ResolveForm,
)
from app.promises.ledger import LedgerFilters, filtered, promises_of
from app.promises.models import Escalation, Meeting
from app.promises.reliability import reliability
from app.review_cycle.charts import party_colour
from app.rules import applying
from app.types import utcnow

PER_PAGE = 50
FILTER_ARGS = ("party", "source", "outcome", "due_from", "due_to", "disputed")
RELIABILITY_PERIODS = 8


def _filters(parties) -> tuple[LedgerFilterForm, LedgerFilters]:
    form = LedgerFilterForm(request.args)
    form.set_parties(parties)
    form.validate()  # a bad value is shown beside its field and left out of the filter

    def value(field):
        return None if field.errors else (field.data or None)

    return form, LedgerFilters(
        party_id=value(form.party), source=value(form.source), outcome=value(form.outcome),
        due_from=value(form.due_from), due_to=None if form.due_to.errors else form.due_to.data,
        disputed=bool(form.disputed.data),
    )


def _parties(promises, membership):
    seen = {}
    for party in membership.partnership.parties:
        seen[party.id] = party
    for promise in promises:
        seen.setdefault(promise.promisor.id, promise.promisor)
    return list(seen.values())


@bp.get("/partnerships/<int:partnership_id>/promises")
def index(partnership_id: int):
    membership = current_membership()
    promises = promises_of(partnership_id)
    parties = _parties(promises, membership)
    form, filters = _filters(parties)
    shown = filtered(promises, filters)[::-1]  # the latest due first
    query = {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}
    page, pages = page_arg(), max(1, -(-len(shown) // PER_PAGE))
    if page > pages:
        return redirect(url_for("promises.index", partnership_id=partnership_id, page=pages, **query))
    months = membership.partnership.review_cadence_months
    return render_template(
        "promises/index.html", form=form, filters=filters, promises=shown[(page - 1) * PER_PAGE:page * PER_PAGE],
        matching=len(shown), total=len(promises), query=query, page=page, pages=pages,
        reliability=[(figures, p_chart(figures, party_colour(position))) for position, figures in
                     enumerate(reliability(promises, parties, months, utcnow().date(),
                                                      last=RELIABILITY_PERIODS))],
        open_count=sum(1 for p in promises if p.state == "open"), disputed_count=sum(1 for p in promises if p.disputed),
    )


CSV_HEADER = ("Due", "Source", "Promise", "Promised by", "Person", "Promised to", "Outcome", "Kept on",
              "Days late", "How it is known", "Disputed", "Promisor's view")


def _csv_row(promise) -> list:
    record = promise.record
    view = ""
    if promise.disputed:
        view = f"Kept on {record.contested_kept_on.isoformat()}: {record.contested_note}"
    return [promise.due_on.isoformat(), promise.source_label, promise.title, promise.promisor.name,
            promise.person or "", "; ".join(p.name for p in promise.promisees), promise.outcome_label,
            promise.kept_on.isoformat() if promise.kept_on else "", promise.lateness or "",
            promise.known_from, "yes" if promise.disputed else "", view]


@bp.get("/partnerships/<int:partnership_id>/promises.csv")
def export(partnership_id: int):
    membership = current_membership()
    promises = promises_of(partnership_id)
    _form, filters = _filters(_parties(promises, membership))
    rows = [csv_line(CSV_HEADER), *(csv_line(_csv_row(p)) for p in filtered(promises, filters))]
    filename = file_name("promises", membership.partnership.name, f"{utcnow():%Y-%m-%d}", extension="csv")
    return Response("".join(rows), mimetype="text/csv", headers={"Content-Disposition": content_disposition(filename)})


def _promise_or_404(key: str):
    try:
        return services.find(current_membership(), key)
    except LookupError:
        abort(404)


def _render_show(key: str, *, confirm_form=None, contest_form=None, release_form=None, status=200):
    membership = current_membership()
    promise = _promise_or_404(key)
    seen = promise.record.version if promise.record is not None else 0
    confirm_form = confirm_form or ConfirmForm(formdata=None, seen=seen, kept_on=None)
    choices = services.confirm_choices(promise)
    confirm_form.outcome.choices = [c for c in confirm_form.outcome.choices if c[0] in choices]
    return render_template(
        "promises/show.html", promise=promise, seen=seen,
        confirm_form=confirm_form, contest_form=contest_form or ContestForm(formdata=None, seen=seen),
        release_form=release_form or ReleaseForm(formdata=None), answer_form=AnswerForm(formdata=None, seen=seen),
        may_confirm=services.may_confirm(membership, promise), may_contest=services.may_contest(membership, promise),
        may_accept_contest=services.may_accept_contest(membership, promise),
        may_withdraw_contest=services.may_withdraw_contest(membership, promise),
        may_release=release.may_propose_release(membership, promise),
        open_release=release.open_release(promise, membership.partnership_id),
        today=utcnow().date(),
    ), status


@bp.get("/partnerships/<int:partnership_id>/promises/<key>")
def show(partnership_id: int, key: str):
    return _render_show(key)


def _status(violation) -> int:
    return getattr(violation, "status", 409) if not violation.field else 422


@bp.post("/partnerships/<int:partnership_id>/promises/<key>/confirm")
@require(Permission.EDIT_PLAN)
def confirm(partnership_id: int, key: str):
    _promise_or_404(key)
    form = ConfirmForm()
    form.outcome.choices = ConfirmForm.outcome.kwargs["choices"]
    if not form.validate_on_submit():
        return _render_show(key, confirm_form=form, status=422 if form.errors else 400)
    with applying(form) as applied:
        services.confirm(current_membership(), key, form.outcome.data, form.kept_on.data, form.note.data,
                         form.seen_version())
    if not applied:
        return _render_show(key, confirm_form=form, status=_status(applied.violation))
    return redirect(url_for("promises.show", partnership_id=partnership_id, key=key), 303)


@bp.post("/partnerships/<int:partnership_id>/promises/<key>/contest")
@require(Permission.EDIT_PLAN)
def contest(partnership_id: int, key: str):
    _promise_or_404(key)
    form = ContestForm()
    if not form.validate_on_submit():
        return _render_show(key, contest_form=form, status=422 if form.errors else 400)
    with applying(form) as applied:
        services.contest(current_membership(), key, form.kept_on.data, form.note.data, form.seen_version())
    if not applied:
        return _render_show(key, contest_form=form, status=_status(applied.violation))
    return redirect(url_for("promises.show", partnership_id=partnership_id, key=key), 303)


def _answer(partnership_id: int, key: str, act):
    _promise_or_404(key)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_show(key, status=400)
    with applying(form) as applied:
        act(current_membership(), key, form.seen_version())
    if not applied:
        return _render_show(key, status=_status(applied.violation))
    return redirect(url_for("promises.show", partnership_id=partnership_id, key=key), 303)


@bp.post("/partnerships/<int:partnership_id>/promises/<key>/withdraw-contest")
@require(Permission.EDIT_PLAN)
def withdraw_contest(partnership_id: int, key: str):
    return _answer(partnership_id, key, services.withdraw_contest)


@bp.post("/partnerships/<int:partnership_id>/promises/<key>/accept-contest")
@require(Permission.EDIT_PLAN)
def accept_contest(partnership_id: int, key: str):
    return _answer(partnership_id, key, services.accept_contest)


@bp.post("/partnerships/<int:partnership_id>/promises/<key>/release")
@require(Permission.EDIT_PLAN)
def propose_release(partnership_id: int, key: str):
    promise = _promise_or_404(key)
    form = ReleaseForm()
    if not form.validate_on_submit():
        return _render_show(key, release_form=form, status=422 if form.errors else 400)
    with applying(form) as applied:
        proposal = release.propose_release(current_membership(), promise, form.reason.data)
    if not applied:
        return _render_show(key, release_form=form, status=_status(applied.violation))
    return redirect(consent.proposal_path(proposal), 303)


# -- meetings and the decision register ---------------------------------------------------------

DECISION_ROWS = 5
ACTION_ROWS = 3


def _body_or_404(key: str | None):
    body = meetings.body_of(current_membership().partnership_id, key or "")
    if body is None:
        abort(404)
    return body


def _meeting_rows(body, formdata=None) -> tuple[dict, list[dict], list[dict]]:
    """The attendance, decision and action rows as the page shows them (what was typed, when
    posted)."""
    parties = current_membership().partnership.parties
    attendance = {p.id: {"party": p, "ticked": bool(formdata and formdata.get(f"attended-{p.id}")),
                         "people": (formdata or {}).get(f"people-{p.id}", ""),
                         "count": (formdata or {}).get(f"count-{p.id}", "")} for p in parties}
    decisions = [{"n": n, "text": (formdata or {}).get(f"decision-{n}", ""),
                  "right": (formdata or {}).get(f"right-{n}", "")} for n in range(DECISION_ROWS)]
    actions = [{"n": n, "text": (formdata or {}).get(f"action-{n}", ""),
                "party": (formdata or {}).get(f"action-party-{n}", ""),
                "due": (formdata or {}).get(f"action-due-{n}", "")} for n in range(ACTION_ROWS)]
    return attendance, decisions, actions


def _render_new_meeting(body, form, formdata=None, problems=None, status=200):
    attendance, decisions, actions = _meeting_rows(body, formdata)
    if problems:  # the summary lists the fields' own problems too
        problems = {**{name: errors[0] for name, errors in form.errors.items() if name != "csrf_token"},
                    **problems}
    return render_template("promises/new_meeting.html", body=body, form=form, attendance=attendance,
                           decisions=decisions, actions=actions, problems=problems or {}), status


@bp.get("/partnerships/<int:partnership_id>/meetings")
def meetings_page(partnership_id: int):
    membership = current_membership()
    recorded = meetings.meetings_of(partnership_id)
    partnership = membership.partnership
    return render_template("promises/meetings.html", drift=meetings.drift_of(partnership_id, meetings=recorded),
                           measures=practice.measure_drift(partnership), sections=practice.section_drift(partnership),
                           recorded=recorded[:50], may_record=has_permission(membership, Permission.EDIT_PLAN))


@bp.get("/partnerships/<int:partnership_id>/meetings/new")
@require(Permission.EDIT_PLAN)
def new_meeting(partnership_id: int):
    body = _body_or_404(request.args.get("body"))
    return _render_new_meeting(body, MeetingForm(formdata=None, body=body.key))


def _read_rows(body, formdata) -> tuple[dict[int, str], dict[int, int], list, list, dict[str, str]]:
    """The rows the form posts: attendance, headcounts, decisions, and the actions raised (with
    the row each came from, so a problem is shown beside its own row)."""
    problems: dict[str, str] = {}
    parties = current_membership().partnership.parties
    attendance = {p.id: formdata.get(f"people-{p.id}", "") for p in parties if formdata.get(f"attended-{p.id}")}
    headcounts = {}
    for party in parties:
        count = formdata.get(f"count-{party.id}", "").strip()
        if not count:
            continue
        if not count.isdigit() or not 1 <= int(count) <= meetings.HEADCOUNT_MAX:
            problems["attendance"] = f"Count from 1 to {meetings.HEADCOUNT_MAX} people per party, in figures."
        elif party.id not in attendance:
            problems["attendance"] = f"Tick {party.name} if its people took part, or clear the count."
        else:
            headcounts[party.id] = int(count)
    if any(has_control_characters(people) for people in attendance.values()):
        problems["attendance"] = CONTROL_MESSAGE
    chosen = []
    for n in range(DECISION_ROWS):
        text = formdata.get(f"decision-{n}", "").strip()
        right = formdata.get(f"right-{n}", "")
        if has_control_characters(text):
            problems[f"decision-{n}"] = CONTROL_MESSAGE
            continue
        if not text:
            continue
        if right == "none":
            chosen.append(meetings.DecisionInput(text, None))
        elif right.isdigit():
            chosen.append(meetings.DecisionInput(text, int(right)))
        else:
            problems[f"decision-{n}"] = ("Say which of the body's decision rights it falls under, or that none does."
                                         if body.rights else "Confirm the decision: a forum has no decision rights.")
    raised = []
    for n in range(ACTION_ROWS):
        text = formdata.get(f"action-{n}", "").strip()
        party, due = formdata.get(f"action-party-{n}", ""), formdata.get(f"action-due-{n}", "").strip()
        if has_control_characters(text):
            problems[f"action-{n}"] = CONTROL_MESSAGE
            continue
        if not text and not party and not due:
            continue
        try:
            due_on = date.fromisoformat(due) if due else None
        except ValueError:
            problems[f"action-{n}"] = "Give the day it is due as a date."
            continue
        raised.append((n, meetings.ActionInput(text, int(party) if party.isdigit() else None, due_on)))
    return attendance, headcounts, chosen, raised, problems


@bp.post("/partnerships/<int:partnership_id>/meetings")
@require(Permission.EDIT_PLAN)
def add_meeting(partnership_id: int):
    form = MeetingForm()
    body = _body_or_404(form.body.data)
    attendance, headcounts, decisions, raised, problems = _read_rows(body, request.form)
    if not form.validate_on_submit() or problems:
        return _render_new_meeting(body, form, request.form, problems, 422 if form.errors or problems else 400)
    with applying(form, show=False) as applied:
        length = form.length_hours.data
        meeting = meetings.record_meeting(current_membership(), body, form.held_on.data, attendance,
                                          form.minutes.data or "", decisions, headcounts=headcounts,
                                          actions=[action for _row, action in raised],
                                          length_minutes=round(length * 60) if length is not None else None)
    if not applied:
        violation = applied.violation
        found = getattr(violation, "problems", None) or {violation.field or "held_on": violation.message}
        rows = [row for row, _action in raised]  # the service counts the actions given, the page its rows
        found = {(f"action-{rows[int(name[7:])]}" if name.startswith("action-") else name): message
                 for name, message in found.items()}
        for name, message in found.items():
            field = getattr(form, name, None)
            if field is not None and name in ("held_on", "minutes", "length_hours"):
                field.errors = [*field.errors, message]
        return _render_new_meeting(body, form, request.form, found, 422 if violation.field else 403)
    return redirect(url_for("promises.meeting", partnership_id=partnership_id, meeting_id=meeting.id), 303)


@bp.get("/partnerships/<int:partnership_id>/meetings/<int:meeting_id>")
def meeting(partnership_id: int, meeting_id: int):
    found = get_in_partnership_or_404(Meeting, meeting_id)
    actions = [{**action, "due": date.fromisoformat(action["due_on"])} for action in found.actions or []]
    return render_template("promises/meeting.html", meeting=found, actions=actions)


@bp.get("/partnerships/<int:partnership_id>/decisions")
def decisions(partnership_id: int):
    outside = request.args.get("outside") == "1"
    return render_template("promises/decisions.html", decisions=meetings.decisions_of(partnership_id,
                                                                                        outside_only=outside),
                           outside=outside)


@bp.get("/partnerships/<int:partnership_id>/give-and-get")
def give_and_get(partnership_id: int):
    membership = current_membership()
    found = balance.give_and_get(partnership_id, utcnow().date())
    colours = {party.id: party_colour(n) for n, party in enumerate(found.parties)}
    charts = {unit: balance_chart(found.history, unit, found.parties, found.band_points, colours)
              for unit in found.units if any((u := p.unit(unit)) is not None and u.two_sided for p in found.history)}
    return render_template("promises/balance.html", balance=found, b=balance, charts=charts,
                           may_change_band=has_permission(membership, Permission.EDIT_PARTNERSHIP))


# -- escalations ---------------------------------------------------------------------------


def _render_escalations(form, status=200):
    partnership_id = current_membership().partnership_id
    found = escalations.escalations_of(partnership_id)
    today = utcnow().date()
    return render_template("promises/escalations.html", escalations=found, ladder=escalations.ladder_of(partnership_id),
                           form=form, today=today, e=escalations,
                           may_act=has_permission(current_membership(), Permission.EDIT_PLAN)), status


@bp.get("/partnerships/<int:partnership_id>/escalations")
def escalations_page(partnership_id: int):
    return _render_escalations(EscalationForm(formdata=None, raised_on=utcnow().date()))


@bp.post("/partnerships/<int:partnership_id>/escalations")
@require(Permission.EDIT_PLAN)
def raise_escalation(partnership_id: int):
    form = EscalationForm()
    if not form.validate_on_submit():
        return _render_escalations(form, 422 if form.errors else 400)
    with applying(form) as applied:
        issue = escalations.raise_issue(current_membership(), form.title.data, form.description.data,
                                        form.raised_on.data)
    if not applied:
        return _render_escalations(form, _status(applied.violation))
    return redirect(url_for("promises.escalation", partnership_id=partnership_id, escalation_id=issue.id), 303)


def _render_escalation(issue, escalate_form=None, resolve_form=None, status=200):
    seen = {"seen": issue.version}
    ladder = escalations.ladder_of(issue.partnership_id)
    return render_template(
        "promises/escalation.html", issue=issue, e=escalations, today=utcnow().date(),
        next_level=escalations.next_level(issue, ladder) if issue.is_open else None,
        escalate_form=escalate_form or EscalateForm(formdata=None, prefix="up", on=utcnow().date(), **seen),
        resolve_form=resolve_form or ResolveForm(formdata=None, prefix="resolve", on=utcnow().date(), **seen),
        may_act=has_permission(current_membership(), Permission.EDIT_PLAN)), status


@bp.get("/partnerships/<int:partnership_id>/escalations/<int:escalation_id>")
def escalation(partnership_id: int, escalation_id: int):
    return _render_escalation(get_in_partnership_or_404(Escalation, escalation_id))


def _act_on(partnership_id: int, escalation_id: int, form_class, act, form_key: str, prefix: str):
    """Take the issue up or resolve it: two forms on one page, each with its own prefix."""
    issue = get_in_partnership_or_404(Escalation, escalation_id)
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        return _render_escalation(issue, status=422 if form.errors else 400, **{form_key: form})
    with applying(form) as applied:
        act(form)
    if not applied:
        db.session.expire_all()
        issue = get_in_partnership_or_404(Escalation, escalation_id)
        if applied.violation.field is None:  # someone acted first: show the page as it now is
            form.seen.data = str(issue.version)
        return _render_escalation(issue, status=_status(applied.violation), **{form_key: form})
    return redirect(url_for("promises.escalation", partnership_id=partnership_id, escalation_id=escalation_id), 303)


@bp.post("/partnerships/<int:partnership_id>/escalations/<int:escalation_id>/escalate")
@require(Permission.EDIT_PLAN)
def escalate(partnership_id: int, escalation_id: int):
    return _act_on(partnership_id, escalation_id, EscalateForm, lambda form: escalations.escalate(
        current_membership(), escalation_id, form.seen_version(), form.on.data, form.note.data), "escalate_form", "up")


@bp.post("/partnerships/<int:partnership_id>/escalations/<int:escalation_id>/resolve")
@require(Permission.EDIT_PLAN)
def resolve_escalation(partnership_id: int, escalation_id: int):
    return _act_on(partnership_id, escalation_id, ResolveForm, lambda form: escalations.resolve(
        current_membership(), escalation_id, form.seen_version(), form.on.data, form.resolution.data), "resolve_form",
        "resolve")
