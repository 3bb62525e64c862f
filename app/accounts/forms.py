"""The accounts forms: what each page asks for, with its limits (the services check the rules again)."""

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from app.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from app.formatting import time_zone_choices
from app.forms import Form

PASSWORD_HELP = f"At least {MIN_LENGTH} characters. A short phrase is easier to remember than symbols."


def email_address(form, field):
    from app.accounts.services import normalise_email
    from app.rules import RuleViolation

    try:
        normalise_email(field.data or "")
    except RuleViolation as violation:
        raise ValidationError(violation.message) from None


def _email(label="Email address"):
    return EmailField(
        label,
        validators=[DataRequired(message="Enter your email address."), Length(max=254), email_address],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def password_policy(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _new_password(label="Password"):
    return PasswordField(
        label,
        validators=[DataRequired(message="Choose a password."), password_policy],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": MAX_LENGTH},
    )


def _time_zone():
    return SelectField(
        "Time zone",
        choices=time_zone_choices,
        default="UTC",
        description="Times are shown to you in this zone.",
        render_kw={"data-detect-time-zone": "true"},
    )


def _full_name():
    return StringField(
        "Your full name",
        validators=[DataRequired(message="Enter your name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


class SignUpForm(Form):
    organisation_name = StringField(
        "Organisation",
        validators=[DataRequired(message="Enter your organisation's name."), Length(max=120)],
        description="The company you work for. Colleagues you invite join it.",
        render_kw={"autocomplete": "organization"},
    )
    full_name = _full_name()
    email = _email()
    password = _new_password()
    time_zone = _time_zone()


class SignInForm(Form):
    email = _email()
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(Form):
    email = _email()


class ResetPasswordForm(Form):
    password = _new_password("New password")
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            DataRequired(message="Repeat the password."),
            EqualTo("password", message="The two passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(Form):
    full_name = _full_name()
    email = _email()
    time_zone = _time_zone()
    current_password = PasswordField(
        "Current password",
        validators=[Optional()],
        description="Needed only when you change your email address.",
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password("New password")
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            DataRequired(message="Repeat the new password."),
            EqualTo("new_password", message="The two passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _code(label="Code"):
    return StringField(
        label,
        validators=[DataRequired(message="Type the code."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "autofocus": True},
    )


class TwoFactorSignInForm(Form):
    code = _code("Code from your authenticator app")


class TwoFactorConfirmForm(Form):
    code = _code("The six-digit code your app shows")


class TwoFactorDisableForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code("A code from your app, or a recovery code")


class RecoveryCodesForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
