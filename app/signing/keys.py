"""Organisations' signing identities: a private key and its X.509 certificate.

An organisation gets a generated identity (ECDSA P-256, self-signed) on first use, or
uploads its own as PKCS#12. Private keys are stored encrypted with a key derived from a
secret (one key of SIGNING_KEYS_SECRET; see `encrypt_private_key`). Pure `cryptography` code.
"""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

CERTIFICATE_VALIDITY = timedelta(days=5 * 365 + 1)
MIN_RSA_BITS = 2048

# Changing this label re-keys every stored private key: it names the purpose of the
# derived key, so a leak of one derived key says nothing about keys for other purposes.
_HKDF_INFO = b"jointly signing-key encryption v1"

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class SigningKeyError(ValueError):
    """A key or certificate that cannot be used for signing; the message says why."""


@dataclass(frozen=True)
class SigningIdentity:
    """A private key, its certificate and any intermediate certificates that chain it."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    @property
    def organisation(self) -> str | None:
        return _name_attribute(self.certificate, NameOID.ORGANIZATION_NAME)

    @property
    def common_name(self) -> str | None:
        return _name_attribute(self.certificate, NameOID.COMMON_NAME)

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def generate_identity(organisation_name: str, *, now: datetime | None = None) -> SigningIdentity:
    """A new ECDSA P-256 key and a self-signed certificate naming the organisation."""
    organisation_name = organisation_name.strip()
    if not organisation_name:
        raise SigningKeyError("An organisation name is needed for its signing certificate.")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation_name} plan signing"[:64]),
        ]
    )
    not_before = (now or datetime.now(UTC)) - timedelta(minutes=5)  # tolerate clock skew
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + CERTIFICATE_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity(private_key=key, certificate=certificate)


def encrypt_private_key(key: PrivateKey, secret: str | bytes) -> bytes:
    """The key as encrypted PKCS#8 PEM, for storing in the database.

    The PKCS#8 password is not the secret itself but a key derived from it with
    HKDF-SHA256 (labelled for this purpose only); cryptography's BestAvailableEncryption
    then encrypts with AES-256-CBC under a PBKDF2-derived key. Rotating the secret
    therefore needs the stored keys re-encrypted (`flask --app wsgi ermp rekey`).
    """
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_storage_password(secret)),
    )


def decrypt_private_key(blob: bytes, secret: str | bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(blob, password=_storage_password(secret))
    except (ValueError, TypeError) as error:
        raise SigningKeyError("The stored signing key cannot be decrypted with this secret.") from error
    return _check_key_type(key)


def load_pkcs12(data: bytes, password: str | None) -> SigningIdentity:
    """An organisation's own identity from a PKCS#12 (.p12 / .pfx) file."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        bundle = pkcs12.load_pkcs12(data, password.encode() if password else None)
    except ValueError as error:
        if password:
            raise SigningKeyError("The password is wrong, or the file is not a PKCS#12 file.") from error
        raise SigningKeyError(
            "The file could not be opened: it may need a password, or not be a PKCS#12 file."
        ) from error
    if bundle.key is None:
        raise SigningKeyError("The file holds no private key; export the certificate together with its key.")
    if bundle.cert is None:
        raise SigningKeyError("The file holds no certificate for its private key.")
    key = _check_key_type(bundle.key)
    certificate = bundle.cert.certificate
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise SigningKeyError("The certificate in the file does not belong to its private key.")
    chain = tuple(extra.certificate for extra in bundle.additional_certs)
    return SigningIdentity(private_key=key, certificate=certificate, chain=chain)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate as lowercase hex pairs joined by colons ("ab:12:...").

    The colon form is what certificate viewers (and pdfsig, openssl) show.
    """
    return certificate.fingerprint(hashes.SHA256()).hex(":")


def _storage_password(secret: str | bytes) -> bytes:
    if not secret:
        raise SigningKeyError("A secret is needed to protect signing keys.")
    material = secret.encode() if isinstance(secret, str) else secret
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(material)
    return base64.urlsafe_b64encode(derived)


def _check_key_type(key) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise SigningKeyError(f"RSA keys need at least {MIN_RSA_BITS} bits (this one has {key.key_size}).")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1 | ec.SECP384R1 | ec.SECP521R1):
            raise SigningKeyError(f"The elliptic curve {key.curve.name} is not supported; use P-256, P-384 or P-521.")
        return key
    raise SigningKeyError(f"{type(key).__name__.removeprefix('_')} keys are not supported; use an RSA or EC key.")


def _name_attribute(certificate: x509.Certificate, oid) -> str | None:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def fingerprint_of_der(der: bytes) -> str:
    """The same fingerprint for a DER-encoded certificate (as pyHanko's asn1crypto hands them)."""
    return hashlib.sha256(der).digest().hex(":")
