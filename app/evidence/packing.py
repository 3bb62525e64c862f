"""Exporting an evidence pack: asked for by a partnership admin, built by a worker.

The pack is one ZIP: the members the producers give (app/evidence/members.py), a README
saying what each is and how to check the pack, and `manifest.json` listing every member's
name, size and SHA-256, with `manifest.json.p7s`, a detached CMS signature over the manifest
by the exporting organisation's signing key (the key its plan signatures are made with).
"""

import hashlib
import io
import json
import logging
import time
import tomllib
import zipfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import jobs
from app.accounts.models import Organisation, User
from app.audit.services import record_event
from app.evidence.checking import FORMAT, MANIFEST, SIGNATURE
from app.evidence.members import PRODUCERS, Member, Producer
from app.evidence.models import EvidencePack
from app.evidence.signature import sign_detached
from app.extensions import db
from app.jobs import locks
from app.jobs.models import JobProblem
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership, Partnership
from app.plan_versions import identities
from app.plan_versions.models import OrganisationSigningKey
from app.rules import RuleViolation
from app.signing.keys import SigningIdentity
from app.types import utcnow

log = logging.getLogger("jointly.evidence")
JOB = "evidence_pack"
README = "README.txt"


class PackLimit(RuleViolation):  # noqa: N818 - a business rule, like RuleViolation
    """Too many packs asked for; the message says when to try again."""


@cache
def generator_version() -> str:
    """The version in pyproject.toml: which Jointly made the pack."""
    path = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# -- asking for one (in a request) --------------------------------------------------------------


def request_pack(membership: Membership) -> EvidencePack:
    """A new pack for a worker to build, or the one already being built. The caller commits."""
    check_permission(membership, Permission.VIEW_AUDIT,
                     "Only a partnership admin can export an evidence pack: it holds the whole audit trail.")
    pending = db.session.scalar(sa.select(EvidencePack).where(
        EvidencePack.partnership_id == membership.partnership_id, EvidencePack.status == "pending"
    ).order_by(EvidencePack.id).limit(1))
    if pending is not None:
        return pending
    per_hour = current_app.config["EVIDENCE_PACKS_PER_HOUR"]
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(EvidencePack).where(
        EvidencePack.partnership_id == membership.partnership_id,
        EvidencePack.requested_at >= utcnow() - timedelta(hours=1),
    ))
    if recent >= per_hour:
        raise PackLimit(f"This partnership exported {per_hour} evidence packs in the last hour, the most it may. "
                        "Download one of those, or try again later.")
    user = membership.user
    pack = EvidencePack(partnership_id=membership.partnership_id, organisation_id=user.organisation_id,
                        requested_by_id=user.id, requested_at=utcnow())
    db.session.add(pack)
    db.session.flush()
    record_event("evidence.exported", actor=user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=pack, details={"organisation": user.organisation.name})
    jobs.enqueue_on_commit(JOB, pack.id)
    return pack


def party_certificates(partnership: Partnership) -> dict[int, tuple[Organisation, OrganisationSigningKey]]:
    """Each party organisation's current signing certificate, by organisation id (those with one)."""
    found = {}
    for party in partnership.parties:
        key = identities.current_key(party.organisation_id)
        if key is not None:
            found[party.organisation_id] = (party.organisation, key)
    return found


def packs_of(partnership_id: int) -> list[EvidencePack]:
    return list(db.session.scalars(sa.select(EvidencePack).where(EvidencePack.partnership_id == partnership_id)
                                   .order_by(EvidencePack.id.desc()).limit(20)))


# -- building it (on a worker) ------------------------------------------------------------------


def build_pack(pack_id: int) -> bool:
    """The `evidence_pack` job: build a pending pack and store it; True when this call did."""
    with locks.exclusive(f"evidence-pack:{pack_id}") as held:
        pack = db.session.get(EvidencePack, pack_id)
        if not held or pack is None or pack.status == "ready":
            return False
        pack.started_at = utcnow()
        db.session.commit()  # shows "building"
        started = time.perf_counter()
        partnership = db.session.get(Partnership, pack.partnership_id)
        organisation = db.session.get(Organisation, pack.organisation_id)
        data, fingerprint, count = export_pack(partnership, organisation, db.session.get(User, pack.requested_by_id))
        done = db.session.execute(
            sa.update(EvidencePack)
            .where(EvidencePack.id == pack_id, EvidencePack.status == "pending")
            .values(status="ready", data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                    member_count=count, signer_fingerprint=fingerprint, ready_at=utcnow(),
                    build_seconds=round(time.perf_counter() - started, 3))
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if done:
            log.info("evidence pack %s of partnership %s: %d members, %d bytes", pack_id, partnership.id, count,
                     len(data))
        return bool(done)


def export_pack(partnership: Partnership, organisation: Organisation, person: User | None,
                producers: tuple[Producer, ...] = PRODUCERS) -> tuple[bytes, str, int]:
    """The pack's ZIP, the fingerprint of the certificate that signed it and its member count
    (the command calls this directly; the job through build_pack)."""
    members = [member for producer in producers for member in producer(partnership)]
    key = identities.key_for(organisation, person)
    identity = identities.identity_of(key)
    return assemble(partnership, organisation, person, members, identity), identity.fingerprint, len(members) + 1


def assemble(partnership: Partnership, organisation: Organisation, person: User | None, members: list[Member],
             identity: SigningIdentity) -> bytes:
    exported_at = utcnow()
    members = [_readme(partnership, organisation, members, identity), *members]
    manifest = {
        "format": FORMAT,
        "generator": {"name": "Jointly", "version": generator_version()},
        "partnership": {"id": partnership.id, "name": partnership.name,
                        "parties": [party.organisation.name for party in partnership.parties]},
        "exported_by": {"organisation": {"id": organisation.id, "name": organisation.name},
                        "person": person.full_name if person is not None else None},
        "exported_at": exported_at.isoformat(),
        "source": current_app.config.get("APP_BASE_URL"),
        "signer_certificate_sha256": identity.fingerprint,
        "members": [{"name": m.name, "size": len(m.data), "sha256": hashlib.sha256(m.data).hexdigest(),
                     "description": m.description} for m in members],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    buffer = io.BytesIO()
    stamp = exported_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in ((MANIFEST, manifest_bytes), (SIGNATURE, sign_detached(manifest_bytes, identity)),
                           *((m.name, m.data) for m in members)):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _readme(partnership: Partnership, organisation: Organisation, members: list[Member],
            identity: SigningIdentity) -> Member:
    lines = [
        f"Evidence pack of the partnership “{partnership.name}”, exported from Jointly by {organisation.name}.",
        "",
        "What is in it:",
        *(f"  {m.name}\n      {m.description}" for m in members),
        "",
        f"{MANIFEST} lists every file of the pack (this one too) with its size and SHA-256.",
        f"{SIGNATURE} is a detached CMS signature over {MANIFEST} by {organisation.name}'s signing",
        f"certificate (SHA-256 fingerprint {identity.fingerprint}),",
        "the certificate its signatures on the plan PDFs are made with. It is carried inside the signature.",
        "",
        "To check the pack: `flask --app wsgi ermp verify-pack FILE`, or the Verify page of Jointly.",
        "Without Jointly: unzip the pack and, in its folder, put the exporting organisation's certificate",
        "as org.pem: ask the organisation for it (admins download it from the partnership's Evidence page),",
        "or take the one inside the signature and compare its fingerprint with the one the organisation gives:",
        f"    openssl pkcs7 -inform DER -in {SIGNATURE} -print_certs -out org.pem",
        "    openssl x509 -in org.pem -noout -fingerprint -sha256",
        "Then",
        f"  $ openssl cms -verify -binary -inform DER -in {SIGNATURE} -content {MANIFEST} -CAfile org.pem "
        "-purpose any -out /dev/null",
        f"  $ jq -r '.members[] | \"\\(.sha256)  \\(.name)\"' {MANIFEST} | sha256sum -c",
        "The first says \"Verification successful\" only for the manifest as signed by that certificate;",
        "the second says OK for every file the manifest lists. A file it does not list is no part of the evidence.",
        "",
    ]
    return Member(README, "\n".join(lines).encode(), "This file: what the pack holds and how to check it.")


# -- the worker's housekeeping ------------------------------------------------------------------


def sweep() -> None:
    """Queue again packs a stopped worker left pending; drop the files of old packs (the rows stay,
    with their hashes: who exported what, and when), keeping each partnership's newest."""
    config = current_app.config
    now = utcnow()
    gave_up = sa.select(JobProblem.key).where(JobProblem.job == JOB, JobProblem.gave_up.is_(True))
    lost = db.session.scalars(sa.select(EvidencePack.id).where(
        EvidencePack.status == "pending",
        EvidencePack.requested_at <= now - timedelta(seconds=config["JOB_SWEEP_GRACE_SECONDS"]),
        (sa.literal("pack:") + sa.cast(EvidencePack.id, sa.String)).not_in(gave_up),
    )).all()
    newest = (sa.select(sa.func.max(EvidencePack.id)).where(EvidencePack.status == "ready")
              .group_by(EvidencePack.partnership_id))
    db.session.execute(
        sa.update(EvidencePack)
        .where(EvidencePack.ready_at < now - timedelta(days=config["EVIDENCE_PACK_KEEP_DAYS"]),
               EvidencePack.data.is_not(None), EvidencePack.id.not_in(newest))
        .values(data=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    for pack_id in lost:
        jobs.enqueue(JOB, pack_id)


def _subject(pack_id: int) -> jobs.JobSubject:
    partnership_id = db.session.scalar(sa.select(EvidencePack.partnership_id).where(EvidencePack.id == pack_id))
    return jobs.JobSubject(f"pack:{pack_id}", partnership_id)


def add_jobs(app) -> None:
    jobs.JOBS.add(app, jobs.JobSpec(JOB, build_pack, retries=3, retry_delay=15, timeout=1800, subject=_subject,
                                    priority=5))
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("evidence_pack_sweep", sweep, minutes=5))
