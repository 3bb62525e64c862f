"""PAdES signatures on plan PDFs with pyHanko: signature fields, signing, validation.

Every change is an incremental update, so each party's signature leaves the bytes of
the earlier ones untouched and they stay valid. pyHanko is imported inside the
functions so that importing this module costs nothing at app start-up.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO

from app.signing.keys import SigningIdentity, fingerprint_of_der
from app.signing.rendering import CONTENT_HASH_KEY, STATIC_FOLDER
from app.signing.rendering.pdf import SignatureBox, render_pdf_and_boxes

# The stamp is drawn with our own font, subset and embedded by pyHanko (its default
# stamp font is Courier, a standard font that is never embedded). The font is a
# reduced Source Sans 3: subsetting the full one would cost ~0.4 s per signature.
STAMP_FONT = os.path.join(STATIC_FOLDER, "fonts", "jointly-stamp", "JointlyStampSans-Regular.ttf")
STAMP_TEXT = "Digitally signed by %(signer)s\n%(organisation)s\n%(ts)s\nReason: %(reason)s"
# With the signature's recorded details (how the signer authenticated, from where).
STAMP_TEXT_WITH_DETAILS = STAMP_TEXT + "\n%(details)s"

# Modification levels that still leave a signature's content as signed: later
# signatures filling in the other parties' fields, or signature maintenance (DSS).
ACCEPTED_LATER_CHANGES = frozenset({"none", "signature maintenance", "form filling"})


class SigningError(Exception):
    """The PDF could not be signed; the message is safe to show to the signatory."""


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer_organisation: str | None
    signer_common_name: str | None
    certificate_fingerprint: str | None  # SHA-256, colon-separated hex (see keys.certificate_fingerprint)
    signing_time: datetime | None  # as claimed by the signer (no timestamp authority is used)
    intact: bool  # the signed bytes hash to the digest in the signature
    valid: bool  # the signature over that digest verifies with the certificate's key
    trusted: bool  # the certificate chains to one of the trusted certificates
    coverage: str  # "entire file", "entire revision", "partial" or "unclear"
    modified_after: bool  # anything at all was appended after this signature
    modification_level: str | None  # what was appended, per pyHanko's diff analysis
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Intact and valid, and nothing but signing happened after it (trust aside)."""
        return self.intact and self.valid and (self.modification_level or "other") in ACCEPTED_LATER_CHANGES


@dataclass(frozen=True)
class PdfReport:
    signatures: list[SignatureReport] = field(default_factory=list)
    content_hash: str | None = None  # as signed (first signature's revision); else the file's own
    intact_and_covers_document: bool = False
    error: str | None = None

    @property
    def trusted(self) -> bool:
        return bool(self.signatures) and all(signature.trusted for signature in self.signatures)


def open_reader(pdf_bytes: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(BytesIO(pdf_bytes), strict=False)


def read_content_hash(pdf_bytes: bytes) -> str | None:
    """The content hash in the latest revision's information dictionary, or None."""
    return content_hash_of(open_reader(pdf_bytes))


def content_hash_of(handler) -> str | None:
    """The content hash as a pyHanko reader or historical resolver (one revision) sees it."""
    info = handler.trailer_view.raw_get("/Info") if "/Info" in handler.trailer_view else None
    if info is None:
        return None
    if hasattr(info, "reference"):  # resolve in this revision, not the latest
        info = handler.get_object(info.reference)
    value = info.get(CONTENT_HASH_KEY)
    return str(value) if value is not None else None


def render_for_signing(html: str, **options) -> bytes:
    """`html` as a PDF ready to be signed: an empty visible signature field over each of its
    signature boxes (options as `app.signing.rendering.pdf.render_pdf_and_boxes`)."""
    data, boxes = render_pdf_and_boxes(html, **options)
    return prepare_signature_fields(data, boxes) if boxes else data


def prepare_signature_fields(pdf_bytes: bytes, boxes: Iterable[SignatureBox]) -> bytes:
    """Add an empty visible signature field per box, in one incremental update.

    `SignatureBox.page` may be negative (-1 is the last page). WeasyPrint cannot create
    signature fields itself; render_for_signing calls this with the boxes read from its layout.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    _names_out_of_catalog(writer)
    for box in boxes:
        append_signature_field(
            writer,
            SigFieldSpec(
                sig_field_name=box.field_name,
                on_page=box.page,
                box=tuple(round(value, 2) for value in box.box),
                readable_field_name=box.label or None,
            ),
        )
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _names_out_of_catalog(writer) -> None:
    """Move the catalog's inline /Names dictionary into an object of its own.

    WeasyPrint writes every anchor of the document as a named destination inside the catalog
    (1,120 of them in a 150-page plan). Every signature is an incremental update that parses
    the catalog and writes it again, so each one read and copied those 90 KB: two thirds of a
    signature's time. As an indirect object the names are written once, here, and a signature
    neither parses nor copies them. The document and its links are unchanged.
    """
    from pyhanko.pdf_utils.generic import DictionaryObject

    root = writer.root
    names = root.raw_get("/Names") if "/Names" in root else None
    if isinstance(names, DictionaryObject):
        root["/Names"] = writer.add_object(names)
        writer.update_root()


def signature_field_names(pdf_bytes: bytes) -> list[tuple[str, bool]]:
    """(field name, already signed) for every signature field, in document order."""
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = open_reader(pdf_bytes)
    return [(name, value is not None) for name, value, _ref in enumerate_sig_fields(reader)]


def sign_pdf(
    pdf_bytes: bytes,
    identity: SigningIdentity,
    *,
    field_name: str,
    reason: str,
    location: str | None,
    signer_name: str,
    contact: str | None = None,
    signing_time: datetime | None = None,
    details: str | None = None,
) -> bytes:
    """Sign into `field_name` (PAdES baseline B, SHA-256) as an incremental update.

    The field must exist and be empty (render_for_signing creates one per signature box); the
    visible stamp shows signer, organisation, UTC time and reason in the vendored font, and
    `details` (one line) under them when given.
    """
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    signing_time = (signing_time or datetime.now(UTC)).astimezone(UTC)
    signer = _signer_for(identity)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
        contact_info=contact,
    )
    stamp = TextStampStyle(
        stamp_text=STAMP_TEXT_WITH_DETAILS if details else STAMP_TEXT,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(STAMP_FONT), font_size=9, leading=11),
        border_width=2,  # half of the stroke falls outside the field and is clipped
        border_color=(0.09, 0.32, 0.48),
    )
    text = {
        "signer": signer_name,
        "organisation": identity.organisation or "",
        "ts": signing_time.strftime("%Y-%m-%d %H:%M UTC"),
        "reason": reason,
        "details": details or "",
    }
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
        pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=stamp)
        output = pdf_signer.sign_pdf(
            writer,
            existing_fields_only=True,
            bytes_reserved=_bytes_reserved(identity),
            appearance_text_params=text,
        )
    except (PdfError, ValueError) as error:
        raise SigningError(f"The PDF could not be signed in field {field_name!r}: {error}") from error
    return output.getvalue()


def validate_pdf(pdf_bytes: bytes, trusted_certs: Iterable | None = None) -> PdfReport:
    """Check every signature in the PDF; never raises for a damaged or tampered file.

    `trusted_certs` (cryptography or DER certificates, e.g. the parties' own) are the
    trust roots; nothing else is trusted and nothing is fetched from the network.
    Trust is reported per signature and does not affect `intact`/`valid`.
    """
    try:
        reader = open_reader(pdf_bytes)
        embedded, broken = _embedded_signatures(reader)
    except Exception as error:  # noqa: BLE001 - a hostile file may break the parser anywhere
        return PdfReport(error=f"Not a readable PDF: {type(error).__name__}: {error}")
    if not embedded and not broken:
        return PdfReport(content_hash=_safe(lambda: content_hash_of(reader)))
    if not embedded:
        return PdfReport(signatures=broken)

    context = _validation_context(trusted_certs)
    reports = [_validate_signature(signature, context) for signature in embedded] + broken
    signed_hash = _safe(
        lambda: content_hash_of(reader.get_historical_resolver(embedded[0].signed_revision))
    )
    current_hash = _safe(lambda: content_hash_of(reader))
    covers = (
        all(report.ok for report in reports)
        and reports[-1].coverage == "entire file"
        and signed_hash == current_hash
    )
    return PdfReport(signatures=reports, content_hash=signed_hash, intact_and_covers_document=covers)


def _embedded_signatures(reader):
    """Signed /Sig fields in signing order, and reports for those whose signature cannot be read."""
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    embedded, broken = [], []
    for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            signature = EmbeddedPdfSignature(reader, field_ref, name)
            if signature.sig_object_type == "/Sig":  # document timestamps are not signatures
                embedded.append(signature)
        except Exception as error:  # noqa: BLE001 - unreadable container: report it, check the rest
            broken.append(_unreadable(name, None, error))
    embedded.sort(key=lambda signature: signature.signed_revision)
    return embedded, broken


def _unreadable(name: str, identity: dict | None, error: Exception) -> SignatureReport:
    identity = identity or {
        "field_name": name,
        "signer_organisation": None,
        "signer_common_name": None,
        "certificate_fingerprint": None,
    }
    return SignatureReport(
        **identity,
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        coverage="unclear",
        modified_after=True,
        modification_level=None,
        error=f"{type(error).__name__}: {error}",
    )


def _validate_signature(signature, context) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature

    name = _safe(lambda: signature.field_name) or "?"
    cert = _safe(lambda: signature.signer_cert)
    identity = {
        "field_name": name,
        "signer_organisation": _cert_attribute(cert, "organization_name"),
        "signer_common_name": _cert_attribute(cert, "common_name"),
        "certificate_fingerprint": fingerprint_of_der(cert.dump()) if cert is not None else None,
    }
    try:
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception as error:  # noqa: BLE001 - any failure on hostile input means "not intact"
        return _unreadable(name, identity, error)
    level = status.modification_level
    return SignatureReport(
        **identity,
        signing_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=_COVERAGE.get(status.coverage.name if status.coverage else "UNCLEAR", "unclear"),
        modified_after=status.coverage is None or status.coverage.name != "ENTIRE_FILE",
        modification_level=_MODIFICATION_LEVELS.get(level.name, level.name.lower()) if level else None,
    )


_COVERAGE = {
    "ENTIRE_FILE": "entire file",
    "ENTIRE_REVISION": "entire revision",
    "CONTIGUOUS_BLOCK_FROM_START": "partial",
    "UNCLEAR": "unclear",
}
_MODIFICATION_LEVELS = {
    "NONE": "none",
    "LTA_UPDATES": "signature maintenance",
    "FORM_FILLING": "form filling",
    "ANNOTATIONS": "annotations",
    "OTHER": "other",
}


def _signer_for(identity: SigningIdentity):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der_key = identity.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certificate = asn1_x509.Certificate.load(identity.certificate.public_bytes(serialization.Encoding.DER))
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in identity.chain]
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
    )


def _bytes_reserved(identity: SigningIdentity) -> int:
    """Room for the CMS container, as hex digits; estimating it would cost a dummy signature."""
    from cryptography.hazmat.primitives import serialization

    certificates = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in (identity.certificate, *identity.chain))
    return 2 * (certificates + 4096)


def _validation_context(trusted_certs):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for cert in trusted_certs or ():
        der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
        roots.append(asn1_x509.Certificate.load(der))
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _cert_attribute(cert, name: str) -> str | None:
    if cert is None:
        return None
    try:
        value = cert.subject.native.get(name)
    except (ValueError, TypeError):
        return None
    return str(value) if value else None


def _safe(getter):
    try:
        return getter()
    except Exception:  # noqa: BLE001 - reading a damaged file's details is best effort
        return None
