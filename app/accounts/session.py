"""Starting a signed-in session."""

from flask import session
from flask_login import login_user


def start_session(user, remember: bool = False) -> None:
    # A fresh session at sign-in: nothing from before survives (no session fixation).
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True
