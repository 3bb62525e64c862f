"""Error pages in the app's own layout; none of them reveals internals."""

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.logs import redact

log = logging.getLogger("jointly.errors")

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: (
        "Not allowed",
        "Your role in this partnership does not allow this. Ask an admin of your party if you need it.",
    ),
    404: ("Page not found", "There is nothing here, or you do not have access to it."),
    405: ("Not allowed", "That action is not available here."),
    409: (
        "Not possible now",
        "This changed meanwhile, so it cannot be done any more. Reload the page to see where it stands.",
    ),
    413: ("Too large", "What you sent is larger than we accept."),
    429: ("Too many attempts", "You have tried this too often. Please wait a minute and try again."),
    500: (
        "Something went wrong",
        "We could not complete your request. Nothing you saved before is lost; please try again.",
    ),
}


def render_error(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        return {"error": title or default_title, "message": message or default_message}, status
    return (
        render_template(
            "errors/error.html", status=status, title=title or default_title, message=message or default_message
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "Your form expired",
            "For your security, forms only work for the session they were opened in, and this one "
            "did not carry a valid security token (perhaps you signed in again in another tab, or "
            "the page was open a very long time). Go back, reload the page and submit again; "
            "copy anything long you typed first.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            return render_error(429, message="Too many attempts. Please wait a minute before trying again.")
        if error.code in MESSAGES:
            # A view may say what went wrong (abort(400, "…")); otherwise the page's own words.
            said = error.description if error.description != type(error).description else None
            return render_error(error.code, message=said)
        return render_error(error.code, error.name, error.description)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, redact(request.path))
        return render_error(500)
