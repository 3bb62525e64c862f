"""`flask --app wsgi ermp verify-pdf FILE` and `ermp export-pdf PARTNERSHIP_ID [--version vN.M] -o FILE`."""

import os
import re
import sys

import click
import sqlalchemy as sa

from app.commands import ermp
from app.extensions import db


def _echo_verification(result) -> None:
    report = result.report
    if report.error:
        click.echo(f"Not a readable PDF: {report.error}")
    if not report.signatures:
        click.echo("Signatures: none.")
    for check in result.signatures:
        signature = check.report
        state = "valid" if signature.ok else "NOT valid"
        who = signature.signer_organisation or signature.signer_common_name or "unknown signer"
        when = signature.signing_time.strftime("%Y-%m-%d %H:%M UTC") if signature.signing_time else "time unknown"
        known = (
            f"matches {check.recorded.typed_name}'s signature in Jointly"
            if check.recorded is not None else "not a signature recorded in Jointly"
        )
        click.echo(f"Signature {signature.field_name}: {state} — {who}, {when}; certificate SHA-256 "
                   f"{signature.certificate_fingerprint}; {known}.")
        if signature.error:
            click.echo(f"  problem: {signature.error}")
    if report.signatures:
        click.echo("Intact: every signature is intact and the last one covers the whole file."
                   if result.intact else "NOT intact: the document was changed after it was signed, "
                   "or a signature does not verify.")
    hash_text = report.content_hash or "none"
    if result.version is not None:
        click.echo(f"Plan version: {result.version.label} of “{result.partnership.name}” "
                   f"({result.status_label}), content SHA-256 {hash_text}.")
        click.echo("Issued to: " + ", ".join(party.name for party in result.parties) + ".")
    else:
        click.echo(f"Plan version: no plan version has the content SHA-256 {hash_text}.")
    if result.evidence:
        click.echo(f"Evidence files in its annex: {len(result.evidence)}.")


def _file_facts(path: str) -> tuple[str, str, int]:
    from app.uploads import stream_digest

    with open(path, "rb") as handle:
        return os.path.basename(path), *stream_digest(handle)


def register() -> None:
    if "verify-pdf" in ermp.commands:
        return

    @ermp.command("verify-pdf")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--evidence", "evidence", multiple=True, type=click.Path(exists=True, dir_okay=False),
                  help="A file to check against the version's annex of evidence files (repeatable).")
    def verify_pdf_command(file: str, evidence: tuple[str, ...]):
        """Check a plan PDF's signatures and which plan version it is, and with --evidence,
        whether each given file is one its annex lists (by SHA-256).

        Exits 0 only when the PDF is intact, every party of its version signed it, and every
        evidence file given is listed.
        """
        from app.plan_versions.verification import VerificationRefused, verify_pdf

        with open(file, "rb") as handle:
            data = handle.read()
        try:
            result = verify_pdf(data)
        except VerificationRefused as refused:
            click.echo(f"FAILED: {refused}", err=True)
            sys.exit(2)
        _echo_verification(result)
        checks = result.check_files([_file_facts(path) for path in evidence])
        for check in checks:
            if check.ok:
                row = check.listed
                click.echo(f"Evidence {check.name}: listed — {row['name']} v{row['version']}, attached to "
                           f"{row['place']}, SHA-256 {check.sha256}.")
            else:
                click.echo(f"Evidence {check.name}: NOT listed in this version's annex (SHA-256 {check.sha256}).")
        if checks and not all(check.ok for check in checks):
            click.echo("FAILED: a file given is not one this plan version rests on.", err=True)
            sys.exit(1)
        if result.ok:
            click.echo(f"OK: {result.verdict}.")
            return
        click.echo(f"FAILED: {result.verdict}.", err=True)
        sys.exit(1)

    @ermp.command("rekey")
    def rekey_command():
        """Re-encrypt every organisation's signing key under SIGNING_KEYS_SECRET's first key.

        Rotate by putting the new key first (SIGNING_KEYS_SECRET="new=…,old=…") on every
        machine, run this once, then drop the old key. Keys stored before key ids are read
        with SECRET_KEY or SECRET_KEY_FALLBACKS. Changes nothing if any key cannot be read.
        """
        from app.plan_versions.identities import rekey
        from app.signing.keys import SigningKeyError

        try:
            changed, current = rekey()
        except SigningKeyError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(f"rekey: {changed} signing key(s) re-encrypted, {current} already under the current key.")

    @ermp.command("export-pdf")
    @click.argument("partnership_id", type=int)
    @click.option("--version", "label", help="vN.M; without it, the working plan as a DRAFT.")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
    def export_pdf_command(partnership_id: int, label: str | None, output: str):
        """Write a plan version's stored PDF (or the working DRAFT) to a file."""
        from app.partnerships.models import Partnership
        from app.plan_versions import pdfs
        from app.plan_versions.models import PlanVersion

        partnership = db.session.get(Partnership, partnership_id)
        if partnership is None:
            raise click.ClickException(f"No partnership has the id {partnership_id}.")
        if label is None:
            data = pdfs.render_draft(partnership)
            what = "the working plan (DRAFT)"
        else:
            match = re.fullmatch(r"v?(\d+)\.(\d+)", label.strip())
            if match is None:
                raise click.ClickException("Give the version as vN.M, e.g. v1.0.")
            version = db.session.scalar(sa.select(PlanVersion).where(
                PlanVersion.partnership_id == partnership_id,
                PlanVersion.major == int(match.group(1)), PlanVersion.minor == int(match.group(2)),
            ))
            if version is None:
                raise click.ClickException(f"{partnership.name} has no plan version {label}.")
            state = pdfs.document_state(version)
            if not state.ready:
                pdfs.build_now(version.id)
                state = pdfs.document_state(version)
            data = state.latest.data
            what = f"{version.label} (SHA-256 of the file {state.latest.sha256})"
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote {what} to {output} ({len(data)} bytes).")


register()
