"""Signing identities: generated, stored encrypted, or uploaded as PKCS#12."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.signing.keys import (
    SigningKeyError,
    certificate_fingerprint,
    decrypt_private_key,
    encrypt_private_key,
    generate_identity,
    load_pkcs12,
)
from tests.support.signing import self_signed

# No database: these run once, on the first engine's pass (see tests/conftest.py).
pytestmark = pytest.mark.engine_independent

SECRET = "test-secret-key-not-for-production"


def p12(key, cert, password: bytes | None, *, with_key: bool = True) -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        b"upload", key if with_key else None, cert, None, encryption
    )


def test_generated_identity_is_p256_with_a_self_signed_signing_certificate():
    identity = generate_identity("Northwind Logistics Ltd")
    cert = identity.certificate

    assert isinstance(identity.private_key, ec.EllipticCurvePrivateKey)
    assert identity.private_key.curve.name == "secp256r1"
    assert identity.organisation == "Northwind Logistics Ltd"
    assert identity.common_name == "Northwind Logistics Ltd plan signing"
    assert cert.issuer == cert.subject
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=5 * 365) <= lifetime <= timedelta(days=5 * 366)
    assert cert.not_valid_before_utc <= datetime.now(UTC)


def test_identities_are_unique():
    first, second = generate_identity("Same Org"), generate_identity("Same Org")
    assert first.fingerprint != second.fingerprint


def test_blank_organisation_name_is_refused():
    with pytest.raises(SigningKeyError):
        generate_identity("   ")


def test_private_key_round_trips_through_encrypted_storage():
    identity = generate_identity("Contoso Manufacturing GmbH")
    blob = encrypt_private_key(identity.private_key, SECRET)

    assert blob.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert SECRET.encode() not in blob
    restored = decrypt_private_key(blob, SECRET)
    assert restored.private_numbers() == identity.private_key.private_numbers()


def test_wrong_secret_cannot_decrypt_the_key():
    blob = encrypt_private_key(generate_identity("Org").private_key, SECRET)
    with pytest.raises(SigningKeyError, match="cannot be decrypted"):
        decrypt_private_key(blob, SECRET + "x")


def test_the_secret_is_not_used_as_the_password_itself():
    """HKDF separates the storage key from SECRET_KEY (which also signs sessions)."""
    blob = encrypt_private_key(generate_identity("Org").private_key, SECRET)
    with pytest.raises((ValueError, TypeError)):
        serialization.load_pem_private_key(blob, password=SECRET.encode())


@pytest.mark.parametrize(
    "make_key",
    [lambda: ec.generate_private_key(ec.SECP384R1()), lambda: rsa.generate_private_key(65537, 2048)],
    ids=["ec-p384", "rsa-2048"],
)
def test_pkcs12_upload_with_password(make_key):
    key = make_key()
    cert = self_signed(key)
    identity = load_pkcs12(p12(key, cert, b"s3cret"), "s3cret")
    assert identity.certificate == cert
    assert identity.organisation == "Uploaded Org"
    assert identity.private_key.public_key().public_numbers() == key.public_key().public_numbers()


def test_pkcs12_without_password():
    key = ec.generate_private_key(ec.SECP256R1())
    assert load_pkcs12(p12(key, self_signed(key), None), None).certificate.subject.rfc4514_string() == "O=Uploaded Org"


def test_pkcs12_wrong_password_is_explained():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(SigningKeyError, match="password is wrong"):
        load_pkcs12(p12(key, self_signed(key), b"right"), "wrong")
    with pytest.raises(SigningKeyError, match="may need a password"):
        load_pkcs12(p12(key, self_signed(key), b"right"), None)


def test_pkcs12_without_a_key_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(SigningKeyError, match="no private key"):
        load_pkcs12(p12(key, self_signed(key), b"pw", with_key=False), "pw")


def test_pkcs12_with_unsupported_keys_is_refused():
    key = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(SigningKeyError, match="not supported"):
        load_pkcs12(p12(key, self_signed(key), b"pw"), "pw")
    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505 - the point of the test
    with pytest.raises(SigningKeyError, match="at least 2048 bits"):
        load_pkcs12(p12(weak, self_signed(weak), b"pw"), "pw")


def test_not_a_pkcs12_file():
    with pytest.raises(SigningKeyError):
        load_pkcs12(b"-----BEGIN CERTIFICATE-----\n", "pw")


def test_fingerprint_is_colon_separated_sha256():
    cert = generate_identity("Org").certificate
    fingerprint = certificate_fingerprint(cert)
    assert len(fingerprint) == 32 * 3 - 1
    assert fingerprint.replace(":", "") == cert.fingerprint(hashes.SHA256()).hex()
    assert fingerprint == fingerprint.lower()
