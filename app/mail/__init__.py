"""Outgoing mail, through a transactional outbox.

`queue_mail` renders the message and adds it to the outbox (`OutboundMail`) in the current
transaction: it exists exactly when the change that caused it commits, and a rolled-back
change never emails anyone. After the commit a worker delivers it (the `deliver_mail` job):
it claims the row (pending -> sending, one claimant only), sends, and marks it sent. A
refused or failed attempt is retried with growing delays (MAIL_RETRY_SECONDS, doubled each
time, MAIL_MAX_ATTEMPTS in all); a permanent refusal (5xx) or the last attempt marks it
failed. A worker stopped in the middle of a send leaves the message "sending": the sweep
marks it failed without sending it again, because it may have arrived. Never twice.
Organisation admins see their people's undelivered mail and can send it again.

With MAIL_SERVER set, messages go out over SMTP; without it (the embedded default) each is
written to instance/mail/ as an .eml file and to the log, so a local user can follow links.
"""

import email
import email.policy
import logging
import os
import re
import smtplib
import ssl
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for

from app import jobs
from app.extensions import db
from app.mail.models import OutboundMail  # noqa: F401 - also app.mail.OutboundMail
from app.types import utcnow

log = logging.getLogger("jointly.mail")
JOB = "deliver_mail"


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


def queue_mail(to: str, subject: str, template: str, *, organisation_id: int | None, **context) -> EmailMessage:
    """Render `templates/email/<template>.txt` and `.html` into the outbox; a worker sends it
    once the current transaction commits. `organisation_id` is the organisation whose admins
    see the message if it is not delivered (the recipient's, or else the sender's)."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    message = build_message(to, subject, text, html)
    db.session.add(OutboundMail(
        recipient=to[:320], subject=str(message["Subject"])[:300], message_id=str(message["Message-ID"])[:200],
        message=bytes(message), status="pending", attempts=0, next_attempt_at=utcnow(),
        organisation_id=organisation_id,
    ))
    jobs.enqueue_on_commit(JOB)
    return message


# --- Delivery (on a worker) -----------------------------------------------------------


class PermanentFailure(Exception):  # noqa: N818 - reads as what happened
    """The server refused the message for good (5xx): retrying cannot help."""


BATCH = 500


def deliver_due() -> int:
    """The `deliver_mail` job: send every message that is due, each claimed first, a batch at a
    time until none is left; returns how many were sent."""
    sent = 0
    while True:
        due = db.session.scalars(
            sa.select(OutboundMail.id)
            .where(OutboundMail.status == "pending", OutboundMail.next_attempt_at <= utcnow())
            .order_by(OutboundMail.id)
            .limit(BATCH)
        ).all()
        db.session.commit()
        delivered = sum(1 for mail_id in due if deliver_one(mail_id))
        sent += delivered
        # A full batch: more may be waiting (unless nothing could be sent: then retries wait).
        if len(due) < BATCH or not delivered:
            return sent


def deliver_one(mail_id: int) -> bool:
    """Claim, send and record one message; True when it was sent by this call."""
    config = current_app.config
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutboundMail)
        .where(OutboundMail.id == mail_id, OutboundMail.status == "pending", OutboundMail.next_attempt_at <= now)
        .values(status="sending", attempts=OutboundMail.attempts + 1,
                claimed_until=now + timedelta(seconds=config["MAIL_SEND_TIMEOUT_SECONDS"] * 4))
        .returning(OutboundMail.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()  # the claim is ours before anything is sent
    if claimed is None:
        return False
    data = db.session.scalar(sa.select(OutboundMail.message).where(OutboundMail.id == mail_id))
    db.session.commit()
    message = email.message_from_bytes(data, policy=email.policy.default)
    try:
        deliver(message)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the message
        _failed(mail_id, claimed, error)
        return False
    db.session.execute(
        sa.update(OutboundMail).where(OutboundMail.id == mail_id)
        .values(status="sent", sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


def _failed(mail_id: int, attempts: int, error: Exception) -> None:
    config = current_app.config
    permanent = _is_permanent(error)
    final = permanent or attempts >= config["MAIL_MAX_ATTEMPTS"]
    delay = config["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1)
    text = _describe(error)[:500]
    db.session.execute(
        sa.update(OutboundMail).where(OutboundMail.id == mail_id)
        .values(status="failed" if final else "pending", claimed_until=None, last_error=text,
                next_attempt_at=utcnow() + timedelta(seconds=delay))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if final:
        log.error("Mail %s could not be delivered and will not be retried: %s", mail_id, text)
    else:
        log.warning("Mail %s not delivered (attempt %d), retrying in %d s: %s", mail_id, attempts, delay, text)
        jobs.enqueue_in(delay, JOB)


def _describe(error: Exception) -> str:
    """The server's own words where it gave some ("550 5.1.1 No such mailbox")."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to}: {code} {reply.decode(errors='replace')}" for to, (code, reply) in
                         error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {reply}"
    return f"{type(error).__name__}: {error}"


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # the operator's settings: retried once they are fixed
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, PermanentFailure)


def sweep() -> None:
    """The periodic job: send what is due (retries whose time came), and give up on messages a
    stopped worker left half-sent (never resent automatically: they may have arrived)."""
    now = utcnow()
    stuck = db.session.execute(
        sa.update(OutboundMail)
        .where(OutboundMail.status == "sending", OutboundMail.claimed_until < now)
        .values(status="failed", claimed_until=None,
                last_error="The worker stopped while sending it: it may or may not have arrived.")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if stuck:
        log.error("%d message(s) were being sent when a worker stopped; marked failed, not resent", stuck)
    deliver_due()


# --- What admins see ------------------------------------------------------------------


def undelivered(organisation_id: int, limit: int = 50) -> list[OutboundMail]:
    """Messages to this organisation's people that failed, or are waiting after a failed attempt."""
    return list(db.session.scalars(
        sa.select(OutboundMail)
        .where(
            OutboundMail.organisation_id == organisation_id,
            sa.or_(OutboundMail.status == "failed",
                   sa.and_(OutboundMail.status == "pending", OutboundMail.attempts > 0)),
        )
        .order_by(OutboundMail.id.desc())
        .limit(limit)
    ))


def send_again(mail: OutboundMail) -> None:
    """A person asked to send a failed message again (knowing it may arrive twice); the caller commits."""
    mail.status = "pending"
    mail.next_attempt_at = utcnow()
    mail.claimed_until = None
    jobs.enqueue_on_commit(JOB)


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        _deliver_smtp(message, config)
    else:
        _deliver_file(message, config)


def _deliver_smtp(message: EmailMessage, config) -> None:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config["MAIL_SEND_TIMEOUT_SECONDS"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, context=context, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
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


def init_app(app) -> None:
    """The outbox's jobs: delivering and the sweep that restarts what a stopped worker left."""
    jobs.JOBS.add(app, jobs.JobSpec(JOB, deliver_due, retries=0, timeout=600, priority=20))  # quick: people wait
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("mail_sweep", sweep, minutes=1))
