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
    _ensure_secret_key(app)
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

    from app import database, mail, models, web  # noqa: F401 - registers models and hooks
    from app.audit import services as _audit  # noqa: F401 - chains events at commit

    database.configure_engine_events(app)
    web.init_app(app)
    _register_blueprints(app)

    from app import jobs

    mail.register_jobs()
    jobs.init_app(app)  # after the features and mail, which register their jobs

    from app.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.accounts import bp as accounts_bp
    from app.audit_trail import bp as audit_trail_bp
    from app.coediting import bp as coediting_bp
    from app.core import bp as core_bp
    from app.invitations import bp as invitations_bp
    from app.notifications import bp as notifications_bp
    from app.organisations import bp as organisations_bp
    from app.partnerships import bp as partnerships_bp
    from app.plan_sections import bp as plan_sections_bp
    from app.plan_versions import bp as plan_versions_bp
    from app.review_cycle import bp as review_cycle_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(partnerships_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(audit_trail_bp)
    app.register_blueprint(plan_sections_bp)
    app.register_blueprint(coediting_bp)
    app.register_blueprint(plan_versions_bp)
    app.register_blueprint(review_cycle_bp)


def _ensure_secret_key(app: Flask) -> None:
    """Use SECRET_KEY from the environment, or one generated once into instance/."""
    if app.config.get("SECRET_KEY"):
        return
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        # Written aside and linked into place, so concurrent workers agree on one key.
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path) as handle:
        app.config["SECRET_KEY"] = handle.read().strip()


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
