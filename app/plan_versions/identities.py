"""Organisations' signing identities: generated on first use, or uploaded as PKCS#12 by an
organisation admin. Private keys are stored encrypted with a key derived from SECRET_KEY."""

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app

from app.accounts.models import Organisation, User
from app.audit.services import record_event
from app.extensions import db
from app.plan_versions.models import OrganisationSigningKey
from app.rules import RuleViolation
from app.signing import keys
from app.signing.keys import SigningIdentity, SigningKeyError


def current_key(organisation_id: int) -> OrganisationSigningKey | None:
    return db.session.scalar(
        sa.select(OrganisationSigningKey)
        .where(OrganisationSigningKey.organisation_id == organisation_id)
        .order_by(OrganisationSigningKey.id.desc())
        .limit(1)
    )


def key_for(organisation: Organisation, actor: User | None = None) -> OrganisationSigningKey:
    """The organisation's current key, generating one (self-signed) on first use."""
    existing = current_key(organisation.id)
    if existing is not None:
        return existing
    identity = keys.generate_identity(organisation.name)
    row = _store(organisation.id, identity, "generated", actor)
    record_event("signing_key.generated", actor=actor, obj=row,
                 details={"organisation_id": organisation.id, "fingerprint": row.fingerprint})
    return row


def upload_key(actor: User, data: bytes, password: str | None) -> OrganisationSigningKey:
    """Replace the actor's organisation's key with the one in a PKCS#12 file (org admins only)."""
    if not actor.is_org_admin:
        raise RuleViolation("Only an organisation admin can change its signing key.")
    try:
        identity = keys.load_pkcs12(data, password or None)
    except SigningKeyError as error:
        raise RuleViolation(str(error), "file") from error
    row = _store(actor.organisation_id, identity, "uploaded", actor)
    record_event("signing_key.uploaded", actor=actor, obj=row,
                 details={"organisation_id": actor.organisation_id, "fingerprint": row.fingerprint})
    return row


def identity_of(row: OrganisationSigningKey) -> SigningIdentity:
    certificates = x509.load_pem_x509_certificates(row.certificate_pem.encode())
    private_key = keys.decrypt_private_key(row.encrypted_key, current_app.config["SECRET_KEY"])
    return SigningIdentity(private_key=private_key, certificate=certificates[0], chain=tuple(certificates[1:]))


def certificate_of(row: OrganisationSigningKey) -> x509.Certificate:
    return x509.load_pem_x509_certificates(row.certificate_pem.encode())[0]


def _store(organisation_id: int, identity: SigningIdentity, source: str, actor: User | None) -> OrganisationSigningKey:
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (identity.certificate, *identity.chain))
    row = OrganisationSigningKey(
        organisation_id=organisation_id,
        source=source,
        encrypted_key=keys.encrypt_private_key(identity.private_key, current_app.config["SECRET_KEY"]),
        certificate_pem=pem.decode(),
        fingerprint=identity.fingerprint,
        subject=identity.certificate.subject.rfc4514_string()[:300],
        not_after=identity.certificate.not_valid_after_utc,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    return row
