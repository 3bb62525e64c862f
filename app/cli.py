"""Command-line tools: `audit verify`, and the `ermp` group
(`ermp send-reminders` for cron, `ermp backup DIR`, `ermp restore FILE`) that features
extend with their own commands."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands import ermp
from app.extensions import db


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
    audit = AppGroup("audit", help="The tamper-evident audit trail.")

    @audit.command("verify")
    def audit_verify():
        """Check every chain and signed checkpoint; exit 1 naming each partnership and its first bad event.

        The results are kept, so the audit trail pages only re-check newer events: run it from
        cron (hourly, say).
        """
        from app.audit.models import AuditEvent
        from app.audit.services import describe_verification, record_verification
        from app.partnerships.models import Partnership

        verifications = record_verification()
        db.session.commit()
        names = dict(db.session.execute(db.select(Partnership.id, Partnership.name)).all())
        problems = [describe_verification(v, names) for v in verifications if v.problem is not None]
        for problem in problems:
            click.echo(f"NOT intact: {problem}.", err=True)
        if problems:
            sys.exit(1)
        count = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        click.echo(f"Audit trail intact: {len(verifications)} chains, {count} events and their signed checkpoints "
                   "verified.")

    @audit.command("checkpoint")
    def audit_checkpoint():
        """Sign a checkpoint of every chain that grew (a worker does this every 10 minutes)."""
        from app.audit.services import checkpoint_chains

        click.echo(f"{checkpoint_chains()} checkpoint(s) signed.")

    @audit.command("export")
    @click.argument("partnership_id", type=int)
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
    def audit_export(partnership_id: int, output: str):
        """Write a partnership's whole trail as a signed file anyone can check with verify-export."""
        from app.audit.export import export_trail
        from app.partnerships.models import Partnership

        partnership = db.session.get(Partnership, partnership_id)
        if partnership is None:
            raise click.ClickException(f"no partnership has the id {partnership_id}")
        data = export_trail(partnership.id, partnership.name)
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote the signed audit trail of partnership {partnership_id} to {output} ({len(data)} bytes).")

    @audit.command("verify-export")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--public-key", "expected_key", default=None,
                  help="The checkpoint public key (base64) you trust; by default the file's own, reported.")
    def audit_verify_export(file: str, expected_key: str | None):
        """Check a signed audit export offline (no database needed); exit 1 if anything does not verify."""
        from app.audit.export import verify_export

        with open(file, "rb") as handle:
            report = verify_export(handle.read(), expected_key=expected_key)
        for line in report.lines:
            click.echo(line)
        if not report.ok:
            click.echo(f"FAILED: {report.problem}", err=True)
            sys.exit(1)
        click.echo("OK: the export is intact and signed.")

    @audit.command("public-key")
    def audit_public_key():
        """Print the public keys that sign checkpoints and exports (publish them for your partners)."""
        from app.audit.services import key_fingerprint, public_keys

        for key_id, key in public_keys().items():
            click.echo(f"{key_id}: {key}  (fingerprint {key_fingerprint(key)})")

    app.cli.add_command(audit)

    from app.backup import backup_command, restore_command

    if "backup" not in ermp.commands:
        ermp.add_command(backup_command)
        ermp.add_command(restore_command)
    app.cli.add_command(ermp)
