"""Organisations' signing identities: generated on first use, or uploaded as PKCS#12 by an
organisation admin. Private keys are stored encrypted under SIGNING_KEYS_SECRET (its first key;
the key id is kept with each row), a secret of its own, so SECRET_KEY (sessions) can rotate
freely and SIGNING_KEYS_SECRET rotates with `flask --app wsgi ermp rekey`."""

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


def _keyring():
    return current_app.extensions["keyrings"]["signing"]


def private_key_of(row: OrganisationSigningKey):
    """The row's private key, decrypted with the secret it names (SigningKeyError otherwise)."""
    if row.encryption_key_id is not None:
        keyring = _keyring()
        if not keyring.has(row.encryption_key_id):
            raise SigningKeyError(f"SIGNING_KEYS_SECRET has no key “{row.encryption_key_id}”, which encrypts the "
                                  f"signing key {row.id}; restore that key or rekey from a setting that has it.")
        return keys.decrypt_private_key(row.encrypted_key, keyring.secret(row.encryption_key_id))
    # Stored before key ids: under SECRET_KEY, or an older one kept in SECRET_KEY_FALLBACKS.
    config = current_app.config
    for secret in (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])):
        try:
            return keys.decrypt_private_key(row.encrypted_key, secret)
        except SigningKeyError:
            continue
    raise SigningKeyError(f"The signing key {row.id} was stored under an earlier SECRET_KEY; add it to "
                          "SECRET_KEY_FALLBACKS and run `flask --app wsgi ermp rekey`.")


def identity_of(row: OrganisationSigningKey) -> SigningIdentity:
    certificates = x509.load_pem_x509_certificates(row.certificate_pem.encode())
    return SigningIdentity(private_key=private_key_of(row), certificate=certificates[0], chain=tuple(certificates[1:]))


def rekey() -> tuple[int, int]:
    """Re-encrypt every stored signing key under SIGNING_KEYS_SECRET's first key; (re-encrypted,
    already current). Raises SigningKeyError, changing nothing, when any key cannot be read."""
    keyring = _keyring()
    rows = list(db.session.scalars(sa.select(OrganisationSigningKey).order_by(OrganisationSigningKey.id)))
    stale = [row for row in rows if row.encryption_key_id != keyring.current_id]
    decrypted = [(row, private_key_of(row)) for row in stale]  # all readable before anything changes
    for row, private_key in decrypted:
        row.encrypted_key = keys.encrypt_private_key(private_key, keyring.secret(keyring.current_id))
        row.encryption_key_id = keyring.current_id
    db.session.flush()
    return len(stale), len(rows) - len(stale)


def keys_decrypt(report) -> None:
    """An integrity check for app.backup: every stored signing key decrypts with the secrets configured."""
    rows = list(db.session.scalars(sa.select(OrganisationSigningKey).order_by(OrganisationSigningKey.id)))
    for row in rows:
        try:
            private_key_of(row)
        except SigningKeyError as error:
            report.problems.append(f"signing key {row.id} (organisation {row.organisation_id}): {error}")
    report.checked.append(f"{len(rows)} organisation signing keys decrypt")


def certificate_of(row: OrganisationSigningKey) -> x509.Certificate:
    return x509.load_pem_x509_certificates(row.certificate_pem.encode())[0]


def _store(organisation_id: int, identity: SigningIdentity, source: str, actor: User | None) -> OrganisationSigningKey:
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (identity.certificate, *identity.chain))
    row = OrganisationSigningKey(
        organisation_id=organisation_id,
        source=source,
        encrypted_key=keys.encrypt_private_key(identity.private_key, _keyring().secret(_keyring().current_id)),
        encryption_key_id=_keyring().current_id,
        certificate_pem=pem.decode(),
        fingerprint=identity.fingerprint,
        subject=identity.certificate.subject.rfc4514_string()[:300],
        not_after=identity.certificate.not_valid_after_utc,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    return row
