"""Jointly: the application factory."""

import logging
import os
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf, db, limiter, login_manager, migrate
from config import Config

ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def create_app(config_class: type = Config, overrides: dict | None = None) -> Flask:
    instance_path = (overrides or {}).get("INSTANCE_PATH") or config_class.INSTANCE_PATH
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=os.path.join(ROOT_DIR, "templates"),
    )
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    _ensure_secrets(app)
    _configure_logging(app)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    from app.web import secure_cookies_over_https

    # Registered before the extensions' hooks: Flask runs after_request hooks in
    # reverse order, so this one sees every cookie they set.
    app.after_request(secure_cookies_over_https)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT_DIR, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from app import database, demo, jobs, mail, models, web  # noqa: F401 - models: every table on the metadata
    from app.cli import register_cli
    from app.features import FEATURES

    database.configure_engine_events(app)
    web.init_app(app)
    mail.init_app(app)
    for feature in FEATURES:
        feature.init_app(app)
    jobs.init_app(app)  # after the features and mail, which add their jobs
    demo.init_app(app)  # `flask demo`: the demo sits above every feature
    register_cli(app)
    return app


# Each secret: its setting, the file the embedded default keeps it in, and how a new one reads.
_SECRETS = (
    ("SECRET_KEY", "secret_key", lambda: secrets.token_hex(32)),
    ("AUDIT_KEY", "audit_key", lambda: f"k1={secrets.token_hex(32)}"),
    ("SIGNING_KEYS_SECRET", "signing_keys_secret", lambda: f"k1={secrets.token_hex(32)}"),
)


class MissingSecretsError(RuntimeError):
    """Production (an https APP_BASE_URL) without its secrets: refuse to start."""


def _ensure_secrets(app: Flask) -> None:
    """SECRET_KEY, AUDIT_KEY and SIGNING_KEYS_SECRET from the environment; without them, in
    production, refuse to start (several instances would each write their own); otherwise
    (`make run`'s embedded default) generate each once into the instance folder."""
    from app import keyring

    production = str(app.config.get("APP_BASE_URL", "")).lower().startswith("https://") and not app.testing
    missing = [name for name, _file, _new in _SECRETS if not app.config.get(name)]
    if production and missing:
        raise MissingSecretsError(
            f"Jointly will not start: APP_BASE_URL is https (production) but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set. Set {'it' if len(missing) == 1 else 'them'} in the "
            "environment, identically on every web and worker machine (see the README, Running in production)."
        )
    for name, file_name, new in _SECRETS:
        if not app.config.get(name):
            app.config[name] = _instance_secret(app, file_name, new)
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str):
        app.config["SECRET_KEY_FALLBACKS"] = [v.strip() for v in fallbacks.split(",") if v.strip()]
    app.extensions["keyrings"] = {
        "audit": keyring.parse("AUDIT_KEY", app.config["AUDIT_KEY"]),
        "signing": keyring.parse("SIGNING_KEYS_SECRET", app.config["SIGNING_KEYS_SECRET"]),
    }


def _instance_secret(app: Flask, file_name: str, new) -> str:
    """The secret kept in instance/<file_name>, generated the first time."""
    path = os.path.join(app.instance_path, file_name)
    if not os.path.exists(path):
        # Written aside and linked into place, so concurrent processes agree on one secret.
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path) as handle:
        return handle.read().strip()


def _configure_logging(app: Flask) -> None:
    from app.logs import install_redaction

    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    app.logger.setLevel(level)
    logging.getLogger("jointly").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # fontTools reports some 40 lines for every font it subsets into a PDF: only at DEBUG.
    logging.getLogger("fontTools").setLevel(logging.WARNING if level > logging.DEBUG else logging.DEBUG)
    install_redaction()
