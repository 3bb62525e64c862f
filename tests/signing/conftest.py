"""Shared, expensive fixtures for the signing tests: rendered PDFs and identities.

Rendering is the slow part (seconds), so each PDF is rendered once per session.
"""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from app.signing import keys, pades
from app.signing.pdf import render_pdf
from tests.signing.sample_plan import CONTENT_HASH, PARTIES, build_plan_html
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


def render_sample(**options) -> bytes:
    draft = options.pop("draft", False)
    return render_pdf(
        build_plan_html(**options),
        title="Northwind–Contoso Logistics Alliance — ERMP v1.2",
        author="Northwind Logistics Ltd, Contoso Manufacturing GmbH",
        subject="Enterprise Relationship Management Plan, version 1.2",
        keywords=["ERMP", "v1.2", "partnership plan"],
        draft=draft,
        content_hash=CONTENT_HASH,
        lang="en-GB",
    )


@pytest.fixture(scope="session")
def draft_plan_pdf(tmp_path_factory):
    """The full sample: cover, contents, 300-row risk register, heat map, signature page; DRAFT."""
    data = render_sample(draft=True, risks=300)
    path = tmp_path_factory.mktemp("pdf") / "draft.pdf"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def plan_pdf() -> bytes:
    """A short final (not draft) plan with one signature field per party, for signing."""
    return render_sample(risks=12, assets=4, narrative_paragraphs=1)


@pytest.fixture(scope="session")
def identities():
    return [keys.generate_identity(name) for name in PARTIES]


@pytest.fixture(scope="session")
def signed_once(plan_pdf, identities) -> bytes:
    return pades.sign_pdf(
        plan_pdf,
        identities[0],
        field_name="Party1",
        reason="Approves plan version 1.2",
        location="Leeds",
        signer_name="Dana Whitfield",
    )


@pytest.fixture(scope="session")
def signed_twice(signed_once, identities) -> bytes:
    return pades.sign_pdf(
        signed_once,
        identities[1],
        field_name="Party2",
        reason="Approves plan version 1.2",
        location="Hamburg",
        signer_name="Jonas Becker",
    )
