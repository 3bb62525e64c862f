"""Outgoing mail.

Messages are queued on the database session and sent only once the transaction
commits, so a rolled-back change never emails anyone. With MAIL_SERVER set they go
out over SMTP; without it (the embedded default) each message is written to
instance/mail/ as an .eml file and to the log, so a local user can follow links.
"""

import logging
import os
import re
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger("jointly.mail")
_PENDING_KEY = "jointly.mail.pending"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, also when sent outside a request (CLI, reminders)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["APP_BASE_URL"].rstrip("/")):
        return url_for(endpoint, _external=True, **values)


# Anything that could end a header line: a subject built from names people typed
# ("Fay invites you to <partnership name>") must stay one line (no header injection).
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def header_text(value: str, limit: int = 200) -> str:
    """User-provided text made safe for a header: one line, control characters gone, not too long."""
    one_line = _LINE_BREAKS.sub(" ", value)
    cleaned = "".join(ch for ch in one_line if ch == " " or ch.isprintable()).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="jointly.invalid")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def queue_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render `templates/email/<template>.txt` and `.html` and send after commit."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    message = build_message(to, subject, text, html)
    db.session.info.setdefault(_PENDING_KEY, []).append(message)
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        _deliver_smtp(message, config)
    else:
        _deliver_file(message, config)


def _deliver_smtp(message: EmailMessage, config) -> None:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, context=context, timeout=30)
    else:
        smtp = smtplib.SMTP(host, port, timeout=30)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    log.info("Sent mail to %s: %s", message["To"], message["Subject"])


def _deliver_file(message: EmailMessage, config) -> None:
    directory = config["MAIL_FILE_DIR"]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{uuid.uuid4().hex}.eml")
    with open(path, "wb") as handle:
        handle.write(bytes(message))
    body = message.get_body(preferencelist=("plain",))
    # Deliberately the whole message, links and their tokens included: this fallback is
    # for running Jointly locally without a mail server, where the log is how people
    # follow invitation and reset links. Production sets MAIL_SERVER and never gets here
    # (see app/logs.py and the README).
    log.info(
        "Mail is not configured (MAIL_SERVER unset); message saved to %s\n"
        "To: %s\nSubject: %s\n\n%s",
        path,
        message["To"],
        message["Subject"],
        body.get_content() if body is not None else "",
        extra={"keep_links": True},
    )


@sa.event.listens_for(Session, "after_commit")
def _send_queued_mail(session: Session) -> None:
    for message in session.info.pop(_PENDING_KEY, []):
        try:
            deliver(message)
        except Exception:  # the change is committed; a mail failure must not undo it
            log.exception("Could not send mail to %s: %s", message["To"], message["Subject"])


@sa.event.listens_for(Session, "after_rollback")
def _drop_queued_mail(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
