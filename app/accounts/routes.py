from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from app.accounts import bp, services
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from app.accounts.session import start_session
from app.audit.actions import action_label, changes
from app.audit.services import account_events
from app.extensions import db, limiter
from app.notifications import services as notifications
from app.notifications.forms import preferences_form
from app.notifications.kinds import Delivery
from app.rules import RuleViolation, show_violation
from app.security import safe_next_url


def _signin_account_key() -> str:
    return "signin-account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(
                organisation_name=form.organisation_name.data,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                time_zone=form.time_zone.data,
            )
        except RuleViolation as violation:
            show_violation(form, violation)
        else:
            db.session.commit()
            start_session(user)
            flash(f"Welcome to Jointly, {user.full_name}. Create your first partnership to begin.", "success")
            return redirect(url_for("partnerships.home"))
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_signin_account_key
)
def sign_in():
    next_url = safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("partnerships.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors = ["That email and password do not match an account."]
        else:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            return redirect(next_url or url_for("partnerships.home"))
    return render_template("accounts/sign_in.html", form=form, next_url=next_url)


@bp.post("/signout")
@login_required
def sign_out():
    services.sign_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.find_password_reset(token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except RuleViolation as violation:
            show_violation(form, violation)
        else:
            db.session.commit()
            start_session(user)
            flash("Your password is changed and you are signed in. Other devices were signed out.", "success")
            return redirect(url_for("partnerships.home"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    profile_form = ProfileForm(prefix="profile", obj=current_user)
    if profile_form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                full_name=profile_form.full_name.data,
                email=profile_form.email.data,
                time_zone=profile_form.time_zone.data,
                current_password=profile_form.current_password.data,
            )
        except RuleViolation as violation:
            show_violation(profile_form, violation)
        else:
            db.session.commit()
            flash("Your details are saved.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(profile_form, ChangePasswordForm(prefix="password"))


def _settings_page(profile_form, password_form):
    """The account page: details, password, notification choices and recent security events."""
    return render_template(
        "accounts/settings.html",
        profile_form=profile_form,
        password_form=password_form,
        notification_groups=notifications.preference_groups(current_user),
        notification_form=preferences_form(notifications.preferences_of(current_user), formdata=None),
        security_events=[(e, action_label(e.action), changes(e)) for e in account_events(current_user)],
        deliveries=list(Delivery),
    )


@bp.post("/account/password")
@login_required
def change_password():
    password_form = ChangePasswordForm(prefix="password")
    if password_form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        except RuleViolation as violation:
            show_violation(password_form, violation)
        else:
            db.session.commit()
            start_session(current_user._get_current_object())
            flash("Your password is changed. Other devices were signed out.", "success")
            return redirect(url_for("accounts.settings"))
    profile_form = ProfileForm(prefix="profile", obj=current_user, formdata=None)
    return _settings_page(profile_form, password_form)
