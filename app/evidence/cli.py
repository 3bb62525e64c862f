"""`flask --app wsgi ermp evidence-pack PARTNERSHIP_ID -o FILE [--organisation ID]` and
`flask --app wsgi ermp verify-pack FILE [--trust CERT.pem]`."""

import os
import sys

import click

from app.commands import ermp
from app.extensions import db


def _echo_verification(result) -> None:
    check, manifest = result.check, result.manifest
    if manifest:
        partnership = manifest.get("partnership") or {}
        when = f"{result.exported_at:%Y-%m-%d %H:%M %Z}" if result.exported_at else "an unknown time"
        click.echo(f"Evidence pack of “{partnership.get('name')}”, exported by {result.exporter} on {when} "
                   f"(Jointly {(manifest.get('generator') or {}).get('version')}).")
    signature = check.signature
    if signature is not None:
        if signature.ok:
            click.echo(f"Manifest signature: intact, by the certificate “{signature.common_name}” "
                       f"(O={signature.organisation}), SHA-256 {signature.fingerprint}.")
        else:
            click.echo(f"Manifest signature: NOT valid: {signature.problem}.")
    if result.trusted_because:
        click.echo(f"Trusted: {result.trusted_because}")
    elif result.not_trusted:
        click.echo(f"NOT trusted: {result.not_trusted}")
    for note in result.notes:
        click.echo(f"Note: {note}")
    for member in check.members:
        state = {"changed": "CHANGED", "missing": "MISSING", "not in the manifest": "EXTRA",
                 "signatures": "SIG FAIL"}.get(member.problem, "ok")
        size = f"{member.size} bytes" if member.size is not None else "—"
        click.echo(f"  {state:<8} {member.name} ({size})")
        for signature in member.signatures or []:
            verdict = "valid" if signature["ok"] else "NOT valid"
            click.echo(f"             signed by {signature['signer']}: {verdict} "
                       f"(certificate SHA-256 {signature['fingerprint']})")
        if member.signatures_problem:
            click.echo(f"             {member.signatures_problem[0].upper()}{member.signatures_problem[1:]}.")


def register() -> None:
    if "verify-pack" in ermp.commands:
        return

    @ermp.command("evidence-pack")
    @click.argument("partnership_id", type=int)
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
    @click.option("--organisation", "organisation_id", type=int,
                  help="The party organisation whose key signs the pack (default: the partnership's first party).")
    def evidence_pack_command(partnership_id: int, output: str, organisation_id: int | None):
        """Write a partnership's evidence pack (signed plan, version history, review reports, maturity
        results, lifecycle map, audit trail; a manifest signed by a party organisation's key) to a ZIP file."""
        from app.audit.services import record_event
        from app.evidence.packing import export_pack
        from app.partnerships.models import Partnership

        partnership = db.session.get(Partnership, partnership_id)
        if partnership is None:
            raise click.ClickException(f"No partnership has the id {partnership_id}.")
        parties = {party.organisation_id: party for party in partnership.parties}
        party = parties.get(organisation_id) if organisation_id is not None else partnership.parties[0]
        if party is None:
            names = ", ".join(f"{p.organisation_id} ({p.organisation.name})" for p in partnership.parties)
            raise click.ClickException(f"Organisation {organisation_id} is not a party of {partnership.name}; "
                                       f"its parties are {names}.")
        record_event("evidence.exported", partnership_id=partnership.id, party_id=party.id,
                     object_type="evidence_pack", object_id="command",
                     details={"organisation": party.organisation.name})
        data, fingerprint, count = export_pack(partnership, party.organisation, None)
        db.session.commit()
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote the evidence pack of {partnership.name} to {output}: {count} files, {len(data)} bytes, "
                   f"signed by {party.organisation.name} (certificate SHA-256 {fingerprint}).")

    @ermp.command("verify-pack")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--trust", "trust", type=click.Path(exists=True, dir_okay=False), multiple=True,
                  help="A certificate (PEM or DER) to trust as the exporter's, instead of the signing certificates "
                       "this installation holds; repeatable.")
    def verify_pack_command(file: str, trust: tuple[str, ...]):
        """Check an evidence pack offline: the manifest's signature, its signer, and every file's SHA-256.

        Exits 0 only when the pack is intact and signed by a trusted certificate; 1 otherwise.
        """
        from app.evidence.checking import PackLimits
        from app.evidence.verification import load_certificates, verify_pack

        trusted = None
        if trust:
            trusted = []
            for path in trust:
                try:
                    with open(path, "rb") as handle:
                        trusted.extend(load_certificates(handle.read(64 * 1024)))
                except ValueError as error:
                    raise click.ClickException(f"{path} is not a certificate (PEM or DER).") from error
        limit = PackLimits().max_bytes
        if os.path.getsize(file) > limit:
            click.echo(f"FAILED: the file is larger than an evidence pack may be ({limit // (1024 * 1024)} MB).",
                       err=True)
            sys.exit(1)
        with open(file, "rb") as handle:
            data = handle.read()
        result = verify_pack(data, trusted=trusted)
        _echo_verification(result)
        if result.ok:
            click.echo(f"OK: {result.verdict}.")
            return
        click.echo(f"FAILED: {result.verdict}. {result.problem}", err=True)
        sys.exit(1)


register()
