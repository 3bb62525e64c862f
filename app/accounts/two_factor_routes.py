"""Setting up, using and turning off two-factor sign-in, from the user's account pages."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.accounts import bp
from app.accounts import two_factor as tf
from app.accounts.forms import RecoveryCodesForm, TwoFactorConfirmForm, TwoFactorDisableForm
from app.accounts.session import start_session
from app.forms import ConfirmForm
from app.rules import applying


def _user():
    return current_user._get_current_object()


def _overview(disable_form=None, codes_form=None, status=200):
    user = _user()
    return (
        render_template(
            "accounts/two_factor.html",
            enabled=user.two_factor_enabled,
            required=user.organisation.require_two_factor,
            remaining=tf.remaining_recovery_codes(user) if user.two_factor_enabled else 0,
            start_form=ConfirmForm(),
            disable_form=disable_form or TwoFactorDisableForm(prefix="disable", formdata=None),
            codes_form=codes_form or RecoveryCodesForm(prefix="codes", formdata=None),
        ),
        status,
    )


@bp.get("/account/two-factor")
@login_required
def two_factor():
    return _overview()


@bp.post("/account/two-factor/setup")
@login_required
def two_factor_start():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.two_factor"))
    with applying() as applied:
        tf.start_enrolment(_user())
    if not applied:
        return redirect(url_for("accounts.two_factor"))
    return redirect(url_for("accounts.two_factor_enrol"))


def _enrol_page(form, status=200):
    user = _user()
    uri = tf.provisioning_uri(user)
    return (
        render_template(
            "accounts/two_factor_enrol.html",
            form=form,
            qr_svg=tf.qr_svg(uri),
            secret=tf.grouped_secret(user.totp_secret),
            uri=uri,
        ),
        status,
    )


@bp.get("/account/two-factor/setup")
@login_required
def two_factor_enrol():
    user = _user()
    if user.two_factor_enabled or not user.totp_secret:
        return redirect(url_for("accounts.two_factor"))
    return _enrol_page(TwoFactorConfirmForm(formdata=None))


@bp.post("/account/two-factor/confirm")
@login_required
def two_factor_confirm():
    user = _user()
    if user.two_factor_enabled or not user.totp_secret:
        return redirect(url_for("accounts.two_factor"))
    form = TwoFactorConfirmForm()
    if form.validate_on_submit():
        with applying(form) as applied:
            codes = tf.confirm_enrolment(user, form.code.data)
        if applied:
            # Shown once, in the response to this request; only hashes are kept.
            return render_template("accounts/recovery_codes.html", codes=codes, just_enabled=True)
    return _enrol_page(form)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def two_factor_recovery_codes():
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        with applying(form) as applied:
            codes = tf.regenerate_recovery_codes(_user(), password=form.password.data)
        if applied:
            return render_template("accounts/recovery_codes.html", codes=codes, just_enabled=False)
    return _overview(codes_form=form)


@bp.post("/account/two-factor/disable")
@login_required
def two_factor_disable():
    form = TwoFactorDisableForm(prefix="disable")
    if form.validate_on_submit():
        user = _user()
        with applying(form) as applied:
            tf.disable(user, password=form.password.data, code=form.code.data)
        if applied:
            start_session(user)  # other devices are signed out; this one stays
            if user.organisation.require_two_factor:
                flash(
                    f"Two-factor sign-in is off. {user.organisation.name} requires it: set it up again now.",
                    "warning",
                )
            else:
                flash("Two-factor sign-in is off. Other devices were signed out.", "success")
            return redirect(url_for("accounts.two_factor"))
    return _overview(disable_form=form)
