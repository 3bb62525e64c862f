"""Command-line tools: `flask --app wsgi demo`, `audit verify`, and the `ermp` group
(`ermp backup DIR`, `ermp restore FILE`)."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only build the demo when the database has no users yet.")
    def demo_command(if_empty: bool):
        """Build the demo workspace (two organisations, one partnership) and print the logins."""
        import sqlalchemy as sa

        from app.accounts.models import User
        from app.demo import build_demo, demo_exists, logins_table

        if demo_exists():
            click.echo("The demo workspace is already loaded.")
        elif if_empty and db.session.scalar(sa.select(User.id).limit(1)) is not None:
            click.echo("The database already has accounts; the demo workspace was not loaded.")
            return
        else:
            build_demo()
            db.session.commit()
            click.echo("Demo workspace loaded.")
        click.echo(logins_table())

    audit = AppGroup("audit", help="The tamper-evident audit trail.")

    @audit.command("verify")
    def audit_verify():
        """Recompute the hash chain; exit 1 naming the first bad event."""
        from app.audit.models import AuditEvent
        from app.audit.services import verify_chain

        problem = verify_chain()
        if problem is not None:
            click.echo(f"Audit trail is NOT intact: {problem.reason}.", err=True)
            sys.exit(1)
        count = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        click.echo(f"Audit trail intact: {count} events, chain verified.")

    app.cli.add_command(audit)

    # Operations commands; features add theirs with ermp.add_command (see app/backup.py).
    ermp = AppGroup("ermp", help="Operating a Jointly instance: backups, restores and more.")
    from app.backup import backup_command, restore_command

    ermp.add_command(backup_command)
    ermp.add_command(restore_command)
    app.cli.add_command(ermp)
