"""Command-line tools: `flask --app wsgi demo`, `audit verify`, and the `ermp` group
(`ermp send-reminders` for cron, `ermp backup DIR`, `ermp restore FILE`) that features
extend with their own commands."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

# `flask --app wsgi ermp ...`: the product's operational commands. Features add theirs
# with `@ermp.command(...)` in their own package; register_cli adds the group.
ermp = AppGroup("ermp", help="Jointly's scheduled and operational commands.")


@ermp.command("send-reminders")
def send_reminders():
    """Send due reminders, batched plan-change emails and daily digests.

    Safe to run from cron every few minutes, also on several machines at once:
    nothing is ever sent twice.
    """
    from app.notifications.delivery import send_due

    report = send_due()
    click.echo(f"send-reminders: {report.summary()}.")
    if report.failures:
        failed = ", ".join(report.failures)
        click.echo(f"{len(report.failures)} failed and will be retried on the next run: {failed}", err=True)
        sys.exit(1)


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only build the demo when the database has no users yet.")
    @click.option("-v", "--verbose", is_flag=True, help="Log every email the demo sends in full, as the app does.")
    def demo_command(if_empty: bool, verbose: bool):
        """Build the demo workspace (two organisations, one partnership) and print the logins."""
        import logging
        import os

        import sqlalchemy as sa

        from app.accounts.models import User
        from app.demo import build_demo, demo_exists, logins_table

        if demo_exists():
            click.echo("The demo workspace is already loaded.")
        elif if_empty and db.session.scalar(sa.select(User.id).limit(1)) is not None:
            click.echo("The database already has accounts; the demo workspace was not loaded.")
            return
        else:
            mail_dir = app.config["MAIL_FILE_DIR"]
            before = set(os.listdir(mail_dir)) if os.path.isdir(mail_dir) else set()
            mail_log = logging.getLogger("jointly.mail")
            level = mail_log.level
            if not verbose:  # the demo's own emails are saved as files; the log need not repeat them
                mail_log.setLevel(max(level, logging.WARNING))
            try:
                build_demo()
                db.session.commit()
                # The demo's emails are delivered here and now (a worker would find them due
                # anyway), so their files exist when the logins are printed.
                from app.mail import deliver_due

                deliver_due()
            finally:
                mail_log.setLevel(level)
            sent = len(set(os.listdir(mail_dir)) - before) if os.path.isdir(mail_dir) else 0
            shown = os.path.relpath(mail_dir)
            shown = mail_dir if shown.startswith("..") else shown
            saved = f"; its {sent} emails are saved in {shown}/" if sent and not app.config.get("MAIL_SERVER") else ""
            click.echo(f"Demo workspace loaded{saved}.")
        click.echo(logins_table())

    audit = AppGroup("audit", help="The tamper-evident audit trail.")

    @audit.command("verify")
    def audit_verify():
        """Recompute the whole hash chain; exit 1 naming the first bad event.

        The result is kept, so the audit trail pages only re-check newer events:
        run it from cron (hourly, say).
        """
        from app.audit.models import AuditEvent
        from app.audit.services import record_verification

        verification = record_verification()
        db.session.commit()
        if verification.problem is not None:
            click.echo(f"Audit trail is NOT intact: {verification.problem}.", err=True)
            sys.exit(1)
        count = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        click.echo(f"Audit trail intact: {count} events, chain verified.")

    app.cli.add_command(audit)

    from app.backup import backup_command, restore_command

    if "backup" not in ermp.commands:
        ermp.add_command(backup_command)
        ermp.add_command(restore_command)
    app.cli.add_command(ermp)
