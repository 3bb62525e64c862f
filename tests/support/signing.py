"""Signing in tests: the text of a PDF's pages, and a certificate as an organisation might upload."""

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from tests.support.poppler import poppler


def page_texts(pdf_path, pages: int) -> list[str]:
    return [
        poppler("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf_path), "-") for n in range(1, pages + 1)
    ]


def self_signed(key, name: str = "Uploaded Org") -> x509.Certificate:
    """A short-lived self-signed certificate, as an organisation might upload."""
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = datetime.now(UTC)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .sign(key, algorithm)
    )
