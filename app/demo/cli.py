"""`flask --app wsgi demo`: load the demo workspace and print its logins."""

import logging
import os

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.accounts.models import User
from app.demo import build_demo
from app.demo.workspace import demo_exists, logins_table
from app.extensions import db
from app.mail import deliver_due
from app.notifications.delivery import send_due


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only build the demo when the database has no users yet.")
@click.option("-v", "--verbose", is_flag=True, help="Log every email the demo sends in full, as the app does.")
@with_appcontext
def demo_command(if_empty: bool, verbose: bool):
    """Build the demo workspace (two organisations, one partnership) and print the logins."""
    config = current_app.config
    if demo_exists():
        click.echo("The demo workspace is already loaded.")
    elif if_empty and db.session.scalar(sa.select(User.id).limit(1)) is not None:
        click.echo("The database already has accounts; the demo workspace was not loaded.")
        return
    else:
        mail_dir = config["MAIL_FILE_DIR"]
        before = set(os.listdir(mail_dir)) if os.path.isdir(mail_dir) else set()
        mail_log = logging.getLogger("jointly.mail")
        level = mail_log.level
        if not verbose:  # the demo's own emails are saved as files; the log need not repeat them
            mail_log.setLevel(max(level, logging.WARNING))
        try:
            build_demo()
            db.session.commit()
            # The reminders, grouped plan changes and digests the demo's history has made due
            # are the demo's own emails too: sent now, the worker's first run finds none due.
            send_due()
            # The demo's emails are delivered here and now (a worker would find them due
            # anyway), so their files exist when the logins are printed.
            deliver_due()
        finally:
            mail_log.setLevel(level)
        sent = len(set(os.listdir(mail_dir)) - before) if os.path.isdir(mail_dir) else 0
        shown = os.path.relpath(mail_dir)
        shown = mail_dir if shown.startswith("..") else shown
        saved = f"; its {sent} emails are saved in {shown}/" if sent and not config.get("MAIL_SERVER") else ""
        click.echo(f"Demo workspace loaded{saved}.")
    click.echo(logins_table())
