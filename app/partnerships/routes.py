"""The partnership's own pages: creating one, its home page, its members by party, and leaving."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.partnerships import bp, leaving, services
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, has_permission, require
from app.partnerships.forms import LeavePartyForm, MemberForm, PartnershipForm
from app.partnerships.models import Membership
from app.partnerships.navigation import MEMBER_PANELS, PANELS, first_steps, panels_shown
from app.rules import applying, show_violation
from app.submissions import claim
from app.types import utcnow


@bp.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def create():
    if not services.may_start_partnership(current_user):
        return render_template(
            "partnerships/create_refused.html",
            message=services.STARTERS_ONLY_ADMINS.format(organisation=current_user.organisation.name),
        ), 403
    form = PartnershipForm()
    if not form.is_submitted():
        form.start_date.data = utcnow().date()
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            partnership = services.create_partnership(
                current_user,
                name=form.name.data,
                type=form.type.data,
                purpose=form.purpose.data,
                start_date=form.start_date.data,
                review_cadence_months=form.review_cadence_months.data,
            )
            target = url_for("partnerships.show", partnership_id=partnership.id)
            submission.led_to(target)
        if applied:
            flash(f"{partnership.name} is created. Invite your partner organisation to join it.", "success")
            return redirect(target)
    return render_template("partnerships/create.html", form=form)


@bp.get("/partnerships/<int:partnership_id>")
def show(partnership_id: int):
    membership = current_membership()
    return render_template(
        "partnerships/show.html",
        parties=services.members_by_party(membership.partnership),
        panels=panels_shown(PANELS, membership),
        first_steps=first_steps(membership),
    )


@bp.get("/partnerships/<int:partnership_id>/members")
def members(partnership_id: int):
    membership = current_membership()
    return render_template(
        "partnerships/members.html",
        parties=services.members_by_party(membership.partnership),
        panels=panels_shown(MEMBER_PANELS, membership),
        former_parties=services.former_parties(membership.partnership),
        can_manage=has_permission(membership, Permission.MANAGE_OWN_PARTY),
        can_invite=has_permission(membership, Permission.INVITE),
        member_form=lambda m: MemberForm(prefix=f"m{m.id}", obj=m, formdata=None),
        confirm_form=ConfirmForm(),
    )


@bp.post("/partnerships/<int:partnership_id>/members/<int:membership_id>")
@require(Permission.MANAGE_OWN_PARTY)
def change_member(partnership_id: int, membership_id: int):
    target = get_in_partnership_or_404(Membership, membership_id)
    form = MemberForm(prefix=f"m{target.id}")
    if not form.validate_on_submit():
        abort(400)
    with applying() as applied:
        changed = services.change_member(
            current_membership(), target, role=form.role.data, is_signatory=form.is_signatory.data
        )
    if applied and changed:
        flash(f"{target.user.full_name}'s role is saved.", "success")
    return redirect(url_for("partnerships.members", partnership_id=partnership_id))


@bp.post("/partnerships/<int:partnership_id>/members/<int:membership_id>/remove")
@require(Permission.MANAGE_OWN_PARTY)
def remove_member(partnership_id: int, membership_id: int):
    target = get_in_partnership_or_404(Membership, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = target.user.full_name
    with applying() as applied:
        services.remove_member(current_membership(), target)
    if applied:
        flash(f"{name} is no longer a member of this partnership.", "success")
    return redirect(url_for("partnerships.members", partnership_id=partnership_id))


@bp.post("/partnerships/<int:partnership_id>/leave")
def leave(partnership_id: int):
    membership = current_membership()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = membership.partnership.name
    with applying() as applied:
        services.leave_partnership(membership)
    if not applied:
        return redirect(url_for("partnerships.members", partnership_id=partnership_id))
    flash(f"You have left {name}.", "success")
    return redirect(url_for("portfolio.index"))


@bp.route("/partnerships/<int:partnership_id>/party/leave", methods=["GET", "POST"])
def leave_party(partnership_id: int):
    """An admin takes their party out of the partnership (its right), after a clear warning."""
    membership = current_membership()
    partnership = membership.partnership
    try:
        leaving.check_may_leave(membership)
    except leaving.LeavingRefused as refused:
        return render_template("partnerships/leave_party.html", form=None, refused=refused.message,
                               consequences=None), refused.status
    form = LeavePartyForm()
    if form.validate_on_submit():
        with applying(show=False) as applied:
            party = leaving.leave_for_party(membership, form.reason.data or "")
        if isinstance(applied.violation, leaving.LeavingRefused):  # another admin of the party was quicker
            return render_template("partnerships/leave_party.html", form=None, refused=applied.violation.message,
                                   consequences=None), applied.violation.status
        if not applied:
            show_violation(form, applied.violation)
        else:
            flash(f"{party.name} has left {partnership.name}. Its people no longer have access; "
                  "the partnership's records keep what it did.", "success")
            return redirect(url_for("portfolio.index"))
    return render_template("partnerships/leave_party.html", form=form, refused=None,
                           consequences=leaving.consequences(membership.party))
