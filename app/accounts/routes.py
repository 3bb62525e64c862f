"""Accounts' pages: sign up, sign in (with its two-factor step), sign out, password resets, settings."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts import bp, feeds, services
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
    TwoFactorSignInForm,
)
from app.accounts.session import begin_two_factor, end_session, pending_two_factor, pending_user, start_session
from app.accounts.throttle import signin_limits
from app.accounts.two_factor import must_enrol, verify_second_factor
from app.audit.actions import action_label, changes
from app.audit.services import account_events
from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.registries import LANDING_PAGES
from app.rules import applying
from app.security import safe_next_url


def _landing(user, next_url: str | None = None) -> str:
    """Where sign-in leads: two-factor enrolment when required, else the page asked for, else
    the first landing page a feature offers for this person (My work, when something waits for
    them), else the portfolio."""
    if must_enrol(user):
        return url_for("accounts.two_factor")
    if next_url:
        return next_url
    for landing in LANDING_PAGES.all():
        target = landing(user)
        if target:
            return target
    return url_for("portfolio.index")


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        with applying(form) as applied:
            user = services.sign_up(
                organisation_name=form.organisation_name.data,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                time_zone=form.time_zone.data,
            )
        if applied:
            start_session(user)
            flash(f"Welcome to Jointly, {user.full_name}. Create your first partnership to begin.", "success")
            return redirect(url_for("portfolio.index"))
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/signin", methods=["GET", "POST"])
@signin_limits
def sign_in():
    next_url = safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("portfolio.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.signin_failed = True  # only failures count towards the sign-in limits
            form.password.errors = ["That email and password do not match an account."]
        elif user.two_factor_enabled:
            begin_two_factor(user, remember=form.remember.data, next_url=next_url)
            return redirect(url_for("accounts.two_factor_sign_in"))
        else:
            services.complete_sign_in(user, method="password")
            db.session.commit()
            start_session(user, remember=form.remember.data)
            return redirect(_landing(user, next_url))
    return render_template("accounts/sign_in.html", form=form, next_url=next_url)


@bp.route("/signin/two-factor", methods=["GET", "POST"])
@signin_limits
def two_factor_sign_in():
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    user = pending_user()
    if user is None:
        flash("Please sign in again: the sign-in was not finished in time.", "info")
        return redirect(url_for("accounts.sign_in"))
    pending = pending_two_factor()
    form = TwoFactorSignInForm()
    if form.validate_on_submit():
        method = verify_second_factor(user, form.code.data)
        if method is None:
            db.session.rollback()
            g.signin_failed = True
            form.code.errors = ["That code does not match. Type the code your app shows now, or a recovery code."]
        else:
            services.complete_sign_in(user, method=method)
            db.session.commit()
            start_session(user, remember=pending["keep"])
            if method == "recovery_code":
                flash(
                    "You signed in with a recovery code, which now no longer works. "
                    "If you have lost your phone, set up two-factor sign-in again.",
                    "warning",
                )
            return redirect(_landing(user, safe_next_url(pending.get("next"))))
    return render_template("accounts/two_factor_sign_in.html", form=form)


@bp.post("/signout")
@login_required
def sign_out():
    services.sign_out_everywhere(current_user)
    db.session.commit()
    end_session("You are signed out.")
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
        with applying(form) as applied:
            user = services.reset_password(token, form.password.data)
            # A reset link proves the mailbox, not the second factor: with one, ask for it too.
            if not user.two_factor_enabled:
                services.complete_sign_in(user, method="password_reset")
        if applied and user.two_factor_enabled:
            begin_two_factor(user, remember=False, next_url=None)
            flash("Your password is changed. Other devices were signed out.", "success")
            return redirect(url_for("accounts.two_factor_sign_in"))
        if applied:
            start_session(user)
            flash("Your password is changed and you are signed in. Other devices were signed out.", "success")
            return redirect(_landing(user))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    profile_form = ProfileForm(prefix="profile", obj=current_user)
    if profile_form.validate_on_submit():
        with applying(profile_form) as applied:
            services.update_profile(
                current_user,
                full_name=profile_form.full_name.data,
                email=profile_form.email.data,
                time_zone=profile_form.time_zone.data,
                current_password=profile_form.current_password.data,
            )
        if applied:
            flash("Your details are saved.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(profile_form, ChangePasswordForm(prefix="password"))


def _settings_page(profile_form, password_form):
    """The account page: details, password, calendar address and recent security events (the notification
    choices come from the notifications feature's own part of the template)."""
    feed = feeds.feed_of(current_user)
    token = feeds.token_of(feed) if feed is not None else None
    calendar_url = url_for("my_work.calendar_feed", token=token, _external=True) if token else None
    return render_template(
        "accounts/settings.html",
        profile_form=profile_form,
        password_form=password_form,
        security_events=[(e, action_label(e.action), changes(e)) for e in account_events(current_user)],
        calendar_feed=feed,
        calendar_url=calendar_url,
        calendar_webcal=calendar_url and "webcal://" + calendar_url.split("://", 1)[1],
    )


@bp.post("/account/calendar")
@login_required
def create_calendar():
    if ConfirmForm().validate_on_submit():
        feeds.create_feed(current_user)
        db.session.commit()
        flash("Your calendar address is ready: copy it into your calendar app.", "success")
    return redirect(url_for("accounts.settings", _anchor="calendar"))


@bp.post("/account/calendar/reset")
@login_required
def reset_calendar():
    if ConfirmForm().validate_on_submit():
        feeds.reset_feed(current_user)
        db.session.commit()
        flash("Your calendar address is reset: the old one no longer works. Give your calendar app the new one.",
              "success")
    return redirect(url_for("accounts.settings", _anchor="calendar"))


@bp.post("/account/password")
@login_required
def change_password():
    password_form = ChangePasswordForm(prefix="password")
    if password_form.validate_on_submit():
        with applying(password_form) as applied:
            services.change_password(
                current_user,
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        if applied:
            start_session(current_user._get_current_object())
            flash("Your password is changed. Other devices were signed out.", "success")
            return redirect(url_for("accounts.settings"))
    profile_form = ProfileForm(prefix="profile", obj=current_user, formdata=None)
    return _settings_page(profile_form, password_form)
