from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.accounts.services import find_user_by_email
from app.accounts.session import start_session
from app.forms import ConfirmForm
from app.invitations import bp, services
from app.invitations.forms import InvitationForm, InvitedSignUpForm
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.partnerships.models import Invitation
from app.rules import applying
from app.submissions import claim


@bp.route("/partnerships/<int:partnership_id>/invitations/new", methods=["GET", "POST"])
@require(Permission.INVITE)
def new(partnership_id: int):
    membership = current_membership()
    form = InvitationForm()
    if form.validate_on_submit():
        submission = claim(form)
        new_party = form.invite_as.data == "new_party"
        with applying(form) as applied:
            if new_party:
                proposal = services.propose_new_party(
                    membership, email=form.email.data, organisation_name=form.organisation_name.data,
                    role=form.role.data, is_signatory=form.is_signatory.data, message=form.message.data,
                    include_in_current_cycle=form.include_in_current_cycle.data, reason=form.reason.data or "",
                )
                target = url_for("consent.show", partnership_id=partnership_id, proposal_id=proposal.id)
            else:
                invitation = services.invite(
                    membership,
                    email=form.email.data,
                    role=form.role.data,
                    is_signatory=form.is_signatory.data,
                    message=form.message.data,
                )
                target = url_for("partnerships.members", partnership_id=partnership_id)
            submission.led_to(target)
        if applied:
            if not new_party:
                flash(f"Invitation sent to {invitation.email}.", "success")
            elif proposal.status == "agreed":
                flash(f"Invitation sent to {form.email.data} (no other party takes part to be asked).", "success")
            else:
                flash(f"Proposed: {form.organisation_name.data.strip()} is invited when every other party agrees.",
                      "success")
            return redirect(target)
    status = 422 if form.errors else 200
    return render_template("invitations/new.html", form=form), status


@bp.post("/partnerships/<int:partnership_id>/invitations/<int:invitation_id>/resend")
@require(Permission.INVITE)
def resend(partnership_id: int, invitation_id: int):
    invitation = get_in_partnership_or_404(Invitation, invitation_id)
    with applying() as applied:
        services.resend(current_membership(), invitation)
    if applied:
        flash(f"A new invitation link was sent to {invitation.email}; the old link no longer works.", "success")
    return redirect(url_for("partnerships.members", partnership_id=partnership_id))


@bp.post("/partnerships/<int:partnership_id>/invitations/<int:invitation_id>/revoke")
@require(Permission.INVITE)
def revoke(partnership_id: int, invitation_id: int):
    invitation = get_in_partnership_or_404(Invitation, invitation_id)
    with applying() as applied:
        services.revoke(current_membership(), invitation)
    if applied:
        flash(f"The invitation to {invitation.email} is revoked.", "success")
    return redirect(url_for("partnerships.members", partnership_id=partnership_id))


def _usable_invitation_or_page(token: str):
    invitation = services.find_by_token(token)
    if invitation is None or not invitation.is_usable:
        status = invitation.status if invitation is not None else "unknown"
        return None, (render_template("invitations/unusable.html", status=status), 404)
    return invitation, None


def _render_invitation(invitation: Invitation, token: str, signup_form=None):
    account_exists = False
    problem = None
    if current_user.is_authenticated:
        problem = services.acceptance_problem(invitation, current_user)
    else:
        account_exists = find_user_by_email(invitation.email) is not None
    if signup_form is None and not current_user.is_authenticated and not account_exists:
        signup_form = InvitedSignUpForm()
        if invitation.is_new_party:
            signup_form.organisation_name.data = invitation.organisation_name
    return render_template(
        "invitations/show.html",
        invitation=invitation,
        token=token,
        problem=problem,
        account_exists=account_exists,
        signup_form=signup_form,
        accept_form=ConfirmForm(),
    )


@bp.get("/invitations/<token>")
def show(token: str):
    invitation, unusable = _usable_invitation_or_page(token)
    if unusable:
        return unusable
    return _render_invitation(invitation, token)


@bp.post("/invitations/<token>/accept")
def accept(token: str):
    invitation, unusable = _usable_invitation_or_page(token)
    if unusable:
        return unusable
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=url_for("invitations.show", token=token)))
    with applying() as applied:
        membership = services.accept(invitation, current_user)
    if not applied:
        return redirect(url_for("invitations.show", token=token))
    flash(f"Welcome to {membership.partnership.name}.", "success")
    return redirect(url_for("partnerships.show", partnership_id=membership.partnership_id))


@bp.post("/invitations/<token>/signup")
def sign_up(token: str):
    invitation, unusable = _usable_invitation_or_page(token)
    if unusable:
        return unusable
    if current_user.is_authenticated:
        return redirect(url_for("invitations.show", token=token))
    form = InvitedSignUpForm()
    if invitation.is_new_party and not (form.organisation_name.data or "").strip():
        form.validate()
        form.organisation_name.errors = [*form.organisation_name.errors, "Enter your organisation's name."]
    elif form.validate_on_submit():
        with applying(form) as applied:
            user = services.sign_up_and_accept(
                invitation,
                full_name=form.full_name.data,
                password=form.password.data,
                time_zone=form.time_zone.data,
                organisation_name=form.organisation_name.data,
            )
        if applied:
            start_session(user)
            flash(f"Welcome to Jointly and to {invitation.partnership.name}.", "success")
            return redirect(url_for("partnerships.show", partnership_id=invitation.partnership_id))
    return _render_invitation(invitation, token, signup_form=form)
