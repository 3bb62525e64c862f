"""Configuration classes, read from the environment.

Nothing secret is hard-coded: without SECRET_KEY, AUDIT_KEY and SIGNING_KEYS_SECRET, each is
generated once into the instance folder, except in production (an https APP_BASE_URL), where
the app refuses to start without them (see app/__init__.py).
"""

import os
from datetime import timedelta

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("JOINTLY_INSTANCE_PATH") or os.path.join(BASE_DIR, "instance")


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// and postgresql:// spellings hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def served_address() -> str:
    """The address `make run` serves on: http://HOST:PORT (a wildcard HOST reads as loopback)."""
    host = os.environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - compared, not bound  # nosec B104
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT') or 5000}"


class Config:
    # Signs sessions and CSRF tokens. SECRET_KEY_FALLBACKS (comma-separated, older first or
    # any order) still accepts sessions signed with earlier keys while a new one rolls out.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SECRET_KEY_FALLBACKS = os.environ.get("SECRET_KEY_FALLBACKS", "")
    # Keys the audit chains are computed and checkpoints signed with, and the secret that
    # encrypts organisations' signing keys: `ID=SECRET` pairs, newest first (app/keyring.py).
    AUDIT_KEY = os.environ.get("AUDIT_KEY")
    SIGNING_KEYS_SECRET = os.environ.get("SIGNING_KEYS_SECRET")
    INSTANCE_PATH = INSTANCE_DIR

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(INSTANCE_DIR, "jointly.db")
    )
    # hide_parameters: SQL logged at INFO/DEBUG never shows values (hashes, session tokens).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    # Public address used in links inside emails sent outside a request (CLI, reminders).
    # Unset, it is the address `make run` serves on (HOST and PORT), so a second copy on
    # another port links to itself.
    APP_BASE_URL = os.environ.get("APP_BASE_URL") or served_address()
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    # Sessions and cookies. Cookies are marked Secure automatically on HTTPS requests.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "jointly_session"
    REMEMBER_COOKIE_NAME = "jointly_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Session limits, enforced on the server from timestamps inside the signed session
    # (app/accounts/session.py). A session ends after SESSION_IDLE_MINUTES without a
    # request, and SESSION_HOURS after the password was typed, whatever the activity.
    # "Keep me signed in" is a separate, longer pair of limits (never renewed by use):
    # the session survives closing the browser for up to REMEMBER_DAYS after sign-in,
    # and ends after REMEMBER_IDLE_DAYS unused.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_int("SESSION_IDLE_MINUTES", 120))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_int("SESSION_HOURS", 12))
    REMEMBER_ABSOLUTE_TIMEOUT = timedelta(days=_int("REMEMBER_DAYS", 30))
    REMEMBER_IDLE_TIMEOUT = timedelta(days=_int("REMEMBER_IDLE_DAYS", 7))
    PERMANENT_SESSION_LIFETIME = REMEMBER_ABSOLUTE_TIMEOUT
    # How long a correct password waits for its two-factor code before starting over.
    TWO_FACTOR_PENDING_TIMEOUT = timedelta(minutes=5)

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long edits do not expire
    # Evidence attachments (app/attachments): the largest file one upload may be. A request may
    # be a little larger than that (the form around the file) and no larger.
    ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", ATTACHMENT_MAX_BYTES + 1024 * 1024)
    # Background jobs (app/jobs): Huey, on SQLite under the instance folder, or on Redis when
    # REDIS_URL is set. JOB_WORKERS: jobs one `ermp worker` runs at once (processes).
    JOB_WORKERS = _int("JOB_WORKERS", 2)
    # How much lower the worker's CPU priority is than the web server's (Unix nice, 0-19): a PDF
    # render takes a whole core for seconds, and on a small machine requests should win it.
    JOB_WORKER_NICE = _int("JOB_WORKER_NICE", 10)
    # Periodic sweeps re-queue work left unfinished (a killed worker) once it is this old, so
    # work just queued is not queued twice.
    JOB_SWEEP_GRACE_SECONDS = _int("JOB_SWEEP_GRACE_SECONDS", 30)
    JOBS_IMMEDIATE = False
    # DRAFT PDFs of the working plan (app/plan_versions/drafts.py): new renders allowed per
    # person and per partnership each hour, drafts waiting at once per partnership, and how
    # long old drafts are kept (each partnership's newest is always kept).
    DRAFT_PDF_PER_USER_PER_HOUR = _int("DRAFT_PDF_PER_USER_PER_HOUR", 10)
    DRAFT_PDF_PER_PARTNERSHIP_PER_HOUR = _int("DRAFT_PDF_PER_PARTNERSHIP_PER_HOUR", 30)
    DRAFT_PDF_MAX_PENDING = _int("DRAFT_PDF_MAX_PENDING", 3)
    DRAFT_PDF_KEEP_HOURS = _int("DRAFT_PDF_KEEP_HOURS", 24)
    # Evidence packs (app/evidence): exports a partnership may ask for each hour, and how long a
    # pack's file is kept (its row, with its hashes, stays; each partnership's newest file too).
    EVIDENCE_PACKS_PER_HOUR = _int("EVIDENCE_PACKS_PER_HOUR", 10)
    EVIDENCE_PACK_KEEP_DAYS = _int("EVIDENCE_PACK_KEEP_DAYS", 30)
    # Uploaded PDFs are checked in a child process (app/signing/inspection.py) stopped after
    # this much wall-clock time, CPU time or memory beyond what the checker itself needs.
    VERIFY_TIMEOUT_SECONDS = _int("VERIFY_TIMEOUT_SECONDS", 60)
    VERIFY_CPU_SECONDS = _int("VERIFY_CPU_SECONDS", 30)
    VERIFY_MEMORY_MB = _int("VERIFY_MEMORY_MB", 512)
    # The text of an evidence attachment is read for the search index in a child process
    # (app/attachments/extraction.py) stopped after this much CPU time, memory or wall-clock
    # time; a file it cannot finish is kept, only without its text in the index.
    ATTACHMENT_TEXT_CPU_SECONDS = _int("ATTACHMENT_TEXT_CPU_SECONDS", 20)
    ATTACHMENT_TEXT_MEMORY_MB = _int("ATTACHMENT_TEXT_MEMORY_MB", 512)
    ATTACHMENT_TEXT_TIMEOUT_SECONDS = _int("ATTACHMENT_TEXT_TIMEOUT_SECONDS", 40)

    # Files the app stores (signed PDFs, uploaded certificates) live under STORAGE_DIR,
    # always under names the app generates (app/uploads.py); part of every backup (flask ermp
    # backup). Organisations' signing keys live in the database, encrypted.
    STORAGE_DIR = os.environ.get("STORAGE_DIR") or os.path.join(INSTANCE_DIR, "storage")
    # Stored objects (evidence attachments, app/storage.py) live in STORAGE_DIR/objects, or in an
    # S3-compatible bucket when S3_BUCKET is set: S3_ENDPOINT_URL unset means AWS itself;
    # S3_PREFIX is put before every key (e.g. "jointly/"), so deployments can share a bucket;
    # without S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY boto3 looks for credentials as usual
    # (environment, ~/.aws, an instance role). Backups carry the objects from either.
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or "us-east-1"
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None

    # Rate limits (Flask-Limiter). Memory by default, Redis when REDIS_URL is set.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Lets several deployments (or test runs) share one Redis without sharing counts.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "jointly")
    RATELIMIT_HEADERS_ENABLED = True
    # Only failed attempts count (passwords and two-factor codes alike).
    SIGNIN_LIMIT_PER_IP = os.environ.get("SIGNIN_LIMIT_PER_IP", "20 per minute; 100 per hour")
    SIGNIN_LIMIT_PER_ACCOUNT = os.environ.get("SIGNIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour")

    # Mail: SMTP when MAIL_SERVER is set, otherwise written to the log and instance/mail/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Jointly <no-reply@jointly.invalid>")
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR") or os.path.join(INSTANCE_DIR, "mail")
    # The outbox (app/mail): a failed attempt is retried after MAIL_RETRY_SECONDS, doubled each
    # time, MAIL_MAX_ATTEMPTS in all (30 s and 8: the last about an hour after the first).
    MAIL_RETRY_SECONDS = _int("MAIL_RETRY_SECONDS", 30)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_SEND_TIMEOUT_SECONDS = _int("MAIL_SEND_TIMEOUT_SECONDS", 30)

    # Werkzeug's scrypt (N=2**15, r=8, p=1) unless overridden.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    # Notifications: plan changes are emailed once no save touched them for this long;
    # daily digests go out at this hour of each person's own time zone.
    NOTIFICATION_QUIET_MINUTES = _int("NOTIFICATION_QUIET_MINUTES", 10)
    NOTIFICATION_DIGEST_HOUR = _int("NOTIFICATION_DIGEST_HOUR", 8)

    INVITATION_TTL = timedelta(days=_int("INVITATION_TTL_DAYS", 14))
    PASSWORD_RESET_TTL = timedelta(minutes=_int("PASSWORD_RESET_TTL_MINUTES", 60))

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class TestConfig(Config):
    TESTING = True
    # A test-only constant.
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105  # nosec B105
    AUDIT_KEY = "test=audit-key-for-tests-only"
    SIGNING_KEYS_SECRET = "test=signing-keys-secret-for-tests-only"  # noqa: S105  # nosec B105
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("JOINTLY_TEST_DATABASE_URL", "sqlite://")
    )
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Jobs run in-process right after the commit that queued them, so tests read their results
    # at once; the tests of the worker itself start real `ermp worker` processes.
    JOBS_IMMEDIATE = True
    JOB_SWEEP_GRACE_SECONDS = 0
    # Still scrypt, at a cost that keeps a suite creating hundreds of accounts fast.
    # A hash method name, not a password.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105  # nosec B105
    MAIL_SERVER = None
    APP_BASE_URL = "http://localhost"
