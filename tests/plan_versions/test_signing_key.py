"""An organisation admin replaces the generated signing key with an uploaded PKCS#12 file."""

import io
import os

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from app.extensions import db
from app.plan_versions import identities, pdfs
from app.plan_versions.models import OrganisationSigningKey
from app.signing.keys import certificate_fingerprint
from app.signing.pades import validate_pdf
from tests.support.signing import self_signed


def _p12(password: bytes = b"p12-secret") -> tuple[bytes, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed(key, "Alpha Ltd (own CA)")
    data = pkcs12.serialize_key_and_certificates(b"alpha", key, certificate, None, BestAvailableEncryption(password))
    return data, certificate_fingerprint(certificate)


def _upload(client, data: bytes, password: str = "p12-secret", name: str = "alpha.p12"):  # noqa: S107
    return client.submit("/organisation/signing-key", {"file": (io.BytesIO(data), name), "password": password},
                         content_type="multipart/form-data")


def test_an_uploaded_certificate_signs_the_organisations_next_signatures(app, versions, client_as):
    admin = versions.people.a.admin
    assert admin.is_org_admin
    client = client_as(admin)
    assert "None yet" in client.get("/organisation/signing-key").get_data(as_text=True)
    data, fingerprint = _p12()
    response = _upload(client, data)
    assert response.status_code == 302
    page = client.get("/organisation/signing-key").get_data(as_text=True)
    assert fingerprint in page and "Uploaded" in page
    stored = db.session.scalar(sa.select(OrganisationSigningKey))
    assert b"PRIVATE KEY" in stored.encrypted_key and b"ENCRYPTED" in stored.encrypted_key
    # The uploaded file itself is never kept: nothing under STORAGE_DIR holds its bytes.
    for directory, _subdirectories, names in os.walk(app.config["STORAGE_DIR"]):
        for name in names:
            with open(os.path.join(directory, name), "rb") as stored_file:
                assert data not in stored_file.read()

    version = versions.issue()
    versions.sign(version, admin)
    versions.sign(version, versions.people.b.admin)
    pdfs.build_now(version.id)
    report = validate_pdf(pdfs.document_state(version).latest.data)
    assert report.intact_and_covers_document
    assert report.signatures[0].certificate_fingerprint == fingerprint
    assert identities.current_key(versions.people.b.admin.organisation_id).source == "generated"


def test_a_wrong_password_or_file_is_explained_and_nothing_is_stored(versions, client_as):
    client = client_as(versions.people.a.admin)
    data, _fingerprint = _p12()
    response = _upload(client, data, password="wrong")
    assert response.status_code == 422 and "password is wrong" in response.get_data(as_text=True)
    response = _upload(client, b"%PDF-1.7 not a key", name="alpha.p12")
    assert response.status_code == 422 and "contents do not match" in response.get_data(as_text=True)
    response = _upload(client, data, name="alpha.pem")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationSigningKey)) == 0


def test_only_organisation_admins_and_small_files(versions, client_as):
    assert client_as(versions.people.a.editor).get("/organisation/signing-key").status_code == 403
    response = _upload(client_as(versions.people.a.admin), b"\x30" + b"0" * (65 * 1024))
    assert response.status_code == 413
