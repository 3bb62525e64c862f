"""The proposals' pages (list, one proposal, agreeing, declining, withdrawing) and the
partnership's details, whose changes are proposals."""

from flask import abort, flash, redirect, render_template, url_for

from app.consent import profile, services
from app.consent.forms import AnswerForm, PartnershipSettingsForm
from app.consent.kinds import get_kind
from app.consent.models import Proposal
from app.extensions import db
from app.forms import ConfirmForm
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.rules import RuleViolation, apply_to_form, applying

from . import bp


def _end_request(refused: services.ConsentError) -> None:
    """A refused answer changes nothing, unless it found the proposal over: that ending stays."""
    if refused.ended:
        db.session.commit()
    else:
        db.session.rollback()


@bp.route("/partnerships/<int:partnership_id>/proposals")
def index(partnership_id: int):
    return render_template(
        "consent/index.html",
        open=services.open_proposals(partnership_id), decided=services.decided_proposals(partnership_id),
        services=services,
    )


def _show(proposal, *, form=None, status=200):
    membership = current_membership()
    kind = get_kind(proposal.kind)
    visible = services.details_visible(proposal, membership.party_id)
    still_applies = kind.check(proposal) if proposal.is_open else None
    return render_template(
        "consent/show.html", proposal=proposal,
        kind=kind, payload=proposal.payload, details_visible=visible, still_applies=still_applies,
        answers=services.answers_by_party(proposal), asked=services.asked_parties(proposal),
        waiting=services.waiting_for(proposal) if proposal.is_open else [],
        overdue=services.is_overdue(proposal), can_answer=(
            proposal.is_open and not services.is_overdue(proposal)
            and services.may_answer_for_party(membership, proposal)
            and membership.party_id not in services.answers_by_party(proposal)
        ),
        can_withdraw=proposal.is_open and services.may_withdraw(membership, proposal),
        form=form or AnswerForm(), withdraw_form=ConfirmForm(prefix="withdraw"),
    ), status


@bp.route("/partnerships/<int:partnership_id>/proposals/<int:proposal_id>")
def show(partnership_id: int, proposal_id: int):
    return _show(get_in_partnership_or_404(Proposal, proposal_id))


def _answer(partnership_id: int, proposal_id: int, answer: str):
    membership = current_membership()
    proposal = get_in_partnership_or_404(Proposal, proposal_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _show(proposal, form=form, status=422)
    try:
        proposal = services.respond(membership, proposal, answer, form.reason.data or "")
    except services.ConsentError as refused:
        _end_request(refused)
        abort(refused.status, refused.message)
    except RuleViolation as violation:
        db.session.rollback()
        apply_to_form(form, violation)
        return _show(get_in_partnership_or_404(Proposal, proposal_id), form=form, status=422)
    db.session.commit()
    if proposal.status == "agreed":
        flash(f"Agreed. Every party has agreed, so the change is made: {proposal.summary}", "success")
    elif proposal.status == "lapsed":
        flash(f"Agreed, but the change no longer applies, so nothing changed. {proposal.outcome}", "error")
    elif answer == "agree":
        waiting = ", ".join(party.name for party in services.waiting_for(proposal))
        flash(f"You agreed for {membership.party.name}. Still waiting for {waiting}.", "success")
    else:
        flash("You declined; nothing changes, and every party can read your reason.", "success")
    return redirect(url_for("consent.show", partnership_id=partnership_id, proposal_id=proposal_id))


@bp.post("/partnerships/<int:partnership_id>/proposals/<int:proposal_id>/agree")
def agree(partnership_id: int, proposal_id: int):
    return _answer(partnership_id, proposal_id, "agree")


@bp.post("/partnerships/<int:partnership_id>/proposals/<int:proposal_id>/decline")
def decline(partnership_id: int, proposal_id: int):
    return _answer(partnership_id, proposal_id, "decline")


@bp.post("/partnerships/<int:partnership_id>/proposals/<int:proposal_id>/withdraw")
def withdraw(partnership_id: int, proposal_id: int):
    membership = current_membership()
    proposal = get_in_partnership_or_404(Proposal, proposal_id)
    if not ConfirmForm(prefix="withdraw").validate_on_submit():
        abort(400)
    try:
        services.withdraw(membership, proposal)
    except services.ConsentError as refused:
        _end_request(refused)
        abort(refused.status, refused.message)
    db.session.commit()
    flash("You withdrew the proposal; nothing changes.", "success")
    return redirect(url_for("consent.show", partnership_id=partnership_id, proposal_id=proposal_id))


@bp.route("/partnerships/<int:partnership_id>/settings", methods=["GET", "POST"])
@require(Permission.EDIT_PARTNERSHIP)
def settings(partnership_id: int):
    """The partnership's details: a change is proposed to every other party (app/consent/profile.py)."""
    membership = current_membership()
    partnership = membership.partnership
    form = PartnershipSettingsForm(obj=partnership)
    status = 200
    if form.is_submitted() and not form.validate():
        if form.csrf_token.errors:
            abort(400)
    elif form.is_submitted():
        values = {field: getattr(form, field).data for field in profile.FIELDS}
        with applying(form) as applied:
            proposal = profile.propose_changes(membership, values, reason=form.reason.data or "")
        if isinstance(applied.violation, services.ConsentError):
            # Another proposal is open (409): the form keeps what was typed, the page says why.
            status = applied.violation.status
        elif applied:
            if proposal is None:
                flash("Nothing was changed.", "success")
                return redirect(url_for("consent.settings", partnership_id=partnership_id))
            if proposal.status == "agreed":
                flash("The partnership's details are saved (no other party takes part to be asked).", "success")
            else:
                flash("Your change is proposed: it is made when every other party agrees.", "success")
            return redirect(url_for("consent.show", partnership_id=partnership_id, proposal_id=proposal.id))
    status = 422 if form.errors else status
    return render_template(
        "consent/settings.html", form=form, pending=services.open_of_kind(partnership_id, "profile"),
    ), status
