"""Forms shared by every feature."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token: for buttons that change something."""
