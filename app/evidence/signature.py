"""The manifest's detached CMS signature: made with `cryptography`, checked with pyHanko's CMS
validation, and readable by `openssl cms -verify` too.

The signature is a DER SignedData over the manifest's exact bytes (content type "data", SHA-256,
signed attributes), carrying the signer's certificate and any intermediates, so a pack can be
checked with nothing else at hand. Whether that certificate deserves trust is not decided here
(app/evidence/verification.py says which certificates an installation trusts).
"""

import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from app.signing.keys import SigningIdentity, certificate_fingerprint


def sign_detached(data: bytes, identity: SigningIdentity) -> bytes:
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(
        identity.certificate, identity.private_key, hashes.SHA256()
    )
    for extra in identity.chain:
        builder = builder.add_certificate(extra)
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                    pkcs7.PKCS7Options.Binary])


@dataclass(frozen=True)
class SignatureCheck:
    problem: str | None  # None: the signature is intact, by the certificate below
    certificate_pem: str | None = None
    fingerprint: str | None = None  # SHA-256 of the signer's certificate, "ab:12:…"
    organisation: str | None = None  # the certificate's subject O=
    common_name: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_detached(data: bytes, signature: bytes) -> SignatureCheck:
    """Is `signature` one intact SHA-256 signature over `data` by the certificate it carries?"""
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            return SignatureCheck("the signature file is not a CMS signature")
        signed = info["content"]
        signers = list(signed["signer_infos"])
        if len(signers) != 1:
            return SignatureCheck(f"the signature file holds {len(signers)} signatures instead of one")
        signer = signers[0]
        if signed["encap_content_info"]["content"].native is not None:
            return SignatureCheck("the signature is not detached: it carries content of its own")
        if signer["digest_algorithm"]["algorithm"].native != "sha256":
            return SignatureCheck("the signature does not use SHA-256")
        certificate = _signer_certificate(signed, signer)
        if certificate is None:
            return SignatureCheck("the signature does not carry the certificate that made it")
        intact, valid = validate_sig_integrity(signer, certificate, "data", hashlib.sha256(data).digest())
    except Exception as error:  # noqa: BLE001 - any malformed signature is a finding about the file
        return SignatureCheck(f"the signature file cannot be read ({type(error).__name__})")
    found = _describe(certificate)
    if not intact:
        return SignatureCheck("the manifest was changed after it was signed (its SHA-256 is not the signed one)",
                              **found)
    if not valid:
        return SignatureCheck("the signature does not match the certificate it names", **found)
    return SignatureCheck(None, **found)


def _signer_certificate(signed, signer):
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if candidate.issuer == wanted["issuer"] and candidate.serial_number == wanted["serial_number"].native:
                return candidate
        elif candidate.key_identifier == sid.chosen.native:
            return candidate
    return None


def _describe(certificate) -> dict:
    loaded = x509.load_der_x509_certificate(certificate.dump())
    subject = loaded.subject

    def attribute(oid):
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    return {
        "certificate_pem": loaded.public_bytes(serialization.Encoding.PEM).decode(),
        "fingerprint": certificate_fingerprint(loaded),
        "organisation": attribute(x509.NameOID.ORGANIZATION_NAME),
        "common_name": attribute(x509.NameOID.COMMON_NAME),
    }
