"""Logs that never contain secrets.

Passwords, session cookies and TOTP secrets are never logged by the app. Link tokens
(invitations, password resets) travel in URL paths, which servers write to their
request logs: `RedactTokens` replaces any long URL-safe path segment with
"[redacted]" in the records of the web servers' loggers (Werkzeug's, gunicorn's) and
wherever the app logs a path. SQL parameters (password hashes, session tokens) are
kept out of SQLAlchemy's logs by the engine option `hide_parameters`.

The one deliberate exception is the local mail fallback (app/mail.py): with no
MAIL_SERVER configured, each email is written to the log in full, links included, so
someone running Jointly on their own machine can follow them. Its records carry
`keep_links` and are left as they are; production sets MAIL_SERVER.
"""

import logging
import re

# secrets.token_urlsafe(32) gives 43 characters; nothing else in a path is this long.
_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{32,}")
SERVER_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return _TOKEN_SEGMENT.sub("/[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "keep_links", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_redaction(*logger_names: str) -> None:
    """Add the filter to the named loggers (the web servers' by default), once each."""
    for name in logger_names or SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
