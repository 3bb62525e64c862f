"""The organisation page: its people (deactivate, reactivate, admin role, two-factor reset) and settings."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import mail
from app.accounts.access import org_admin_required
from app.accounts.models import User
from app.extensions import db
from app.forms import ConfirmForm
from app.organisations import bp, services
from app.organisations.forms import OrganisationForm
from app.rules import applying


def _colleague(user_id: int) -> User:
    """A person of the admin's own organisation; 404 for anyone else, as for unknown ids."""
    target = db.session.get(User, user_id)
    if target is None or target.organisation_id != current_user.organisation_id:
        abort(404)
    return target


def _actor() -> User:
    return current_user._get_current_object()


def _page(form: OrganisationForm | None = None, status: int = 200):
    organisation = current_user.organisation
    if form is None:
        form = OrganisationForm(obj=organisation, formdata=None)
    return (
        render_template(
            "organisations/show.html",
            organisation=organisation,
            people=services.people_of(organisation),
            form=form,
            confirm_form=ConfirmForm(),
            undelivered=mail.undelivered(organisation.id),
        ),
        status,
    )


@bp.get("/organisation")
@org_admin_required
def show():
    return _page()


@bp.post("/organisation/mail/<int:mail_id>/send-again")
@org_admin_required
def send_mail_again(mail_id: int):
    """Send a message the outbox gave up on again (an admin's decision: it may arrive twice)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = db.session.get(mail.OutboundMail, mail_id)
    if found is None or found.organisation_id != current_user.organisation_id:
        abort(404)
    if found.status == "failed":
        mail.send_again(found)
        db.session.commit()
        flash(f"The message to {found.recipient} is queued again.", "success")
    return redirect(url_for("organisations.show") + "#undelivered-heading")


@bp.post("/organisation")
@org_admin_required
def update():
    form = OrganisationForm()
    if form.validate_on_submit():
        with applying(form) as applied:
            changed = services.update_organisation(
                _actor(), name=form.name.data, require_two_factor=form.require_two_factor.data,
                # A form of an older page (without the choice) leaves it as it is.
                partnership_starters=form.partnership_starters.data if "partnership_starters" in request.form else None,
            )
        if applied:
            flash("The organisation's settings are saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("organisations.show"))
    return _page(form)


def _person_action(user_id: int, action, done: str):
    target = _colleague(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with applying() as applied:
        action(_actor(), target)
    if applied:
        flash(done.format(name=target.full_name), "success")
    return redirect(url_for("organisations.show"))


@bp.post("/organisation/people/<int:user_id>/deactivate")
@org_admin_required
def deactivate(user_id: int):
    return _person_action(
        user_id, services.deactivate, "{name} is deactivated: they can no longer sign in, and their sessions ended."
    )


@bp.post("/organisation/people/<int:user_id>/reactivate")
@org_admin_required
def reactivate(user_id: int):
    return _person_action(user_id, services.reactivate, "{name} can sign in again.")


@bp.post("/organisation/people/<int:user_id>/make-admin")
@org_admin_required
def make_admin(user_id: int):
    return _person_action(
        user_id,
        lambda actor, target: services.set_org_admin(actor, target, True),
        "{name} is now an organisation admin.",
    )


@bp.post("/organisation/people/<int:user_id>/remove-admin")
@org_admin_required
def remove_admin(user_id: int):
    return _person_action(
        user_id,
        lambda actor, target: services.set_org_admin(actor, target, False),
        "{name} is no longer an organisation admin.",
    )


@bp.post("/organisation/people/<int:user_id>/reset-two-factor")
@org_admin_required
def reset_two_factor(user_id: int):
    return _person_action(
        user_id,
        services.reset_two_factor,
        "{name}'s two-factor sign-in is reset: they set it up again when they next need it.",
    )
