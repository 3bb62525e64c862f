"""PAdES signatures: two parties sign in turn, and any later change or damage shows."""

import re
from io import BytesIO

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from app.signing import pades
from app.signing.keys import load_pkcs12
from tests.support.poppler import poppler
from tests.support.sample_plan import CONTENT_HASH
from tests.support.signing import self_signed

# No database: these run once, on the first engine's pass (see tests/conftest.py).
pytestmark = pytest.mark.engine_independent


def trusted(identities):
    return [identity.certificate for identity in identities]


def signed_ranges(pdf: bytes) -> list[tuple[int, int]]:
    """The (start, end) of each signature's /Contents hex string: the bytes a signature does not cover."""
    gaps = []
    for match in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf):
        start, length, second, _ = (int(n) for n in match.groups())
        gaps.append((start + length, second))
    return gaps


def test_two_parties_sign_and_both_signatures_hold(signed_twice, identities):
    report = pades.validate_pdf(signed_twice, trusted(identities))

    assert report.error is None
    assert report.intact_and_covers_document
    assert report.trusted
    assert report.content_hash == CONTENT_HASH
    first, second = report.signatures
    assert (first.field_name, second.field_name) == ("Party1", "Party2")
    assert first.signer_organisation == "Northwind Logistics Ltd"
    assert second.signer_organisation == "Contoso Manufacturing GmbH"
    assert first.certificate_fingerprint == identities[0].fingerprint
    assert second.certificate_fingerprint == identities[1].fingerprint
    for signature in report.signatures:
        assert signature.intact and signature.valid and signature.trusted and signature.ok
        assert signature.signing_time is not None and signature.signing_time.tzinfo is not None
    # The first signature covers its own revision; all that came after is the second signing.
    assert (first.coverage, first.modified_after, first.modification_level) == ("entire revision", True, "form filling")
    assert (second.coverage, second.modified_after, second.modification_level) == ("entire file", False, "none")


def test_one_signature_covers_the_whole_file(signed_once, identities):
    report = pades.validate_pdf(signed_once, trusted(identities))
    assert report.intact_and_covers_document
    assert [s.field_name for s in report.signatures] == ["Party1"]
    assert pades.signature_field_names(signed_once) == [("Party1", True), ("Party2", False)]


def test_self_signed_certificates_are_untrusted_but_still_intact(signed_twice):
    report = pades.validate_pdf(signed_twice)
    assert report.intact_and_covers_document
    assert not report.trusted
    assert all(s.intact and s.valid and not s.trusted for s in report.signatures)


def test_trusting_only_one_party(signed_twice, identities):
    report = pades.validate_pdf(signed_twice, [identities[0].certificate])
    assert [s.trusted for s in report.signatures] == [True, False]


def test_signing_is_an_incremental_update(plan_pdf, signed_once, signed_twice):
    assert signed_once.startswith(plan_pdf)
    assert signed_twice.startswith(signed_once)


def test_signatures_leave_the_named_destinations_where_they_are(plan_pdf, signed_once, signed_twice):
    """The document's anchors (named destinations) sit in an object of their own, written once before
    signing, so a signature neither parses nor copies them; the links still resolve."""
    from pyhanko.pdf_utils.generic import IndirectObject

    for pdf in (plan_pdf, signed_once, signed_twice):
        root = pades.open_reader(pdf).root
        assert isinstance(root.raw_get("/Names"), IndirectObject)
        destinations = root["/Names"]["/Dests"]["/Names"]
        assert len(destinations) > 20 and {"business-case", "signatures"} <= set(list(destinations)[::2])
    for earlier, later in ((plan_pdf, signed_once), (signed_once, signed_twice)):
        update = later[len(earlier):]
        assert b"/Dests" not in update and len(update) < 40_000


def test_content_hash_survives_signing(plan_pdf, signed_once, signed_twice):
    hashes = {pades.read_content_hash(pdf) for pdf in (plan_pdf, signed_once, signed_twice)}
    assert hashes == {CONTENT_HASH}


def test_stamp_font_is_embedded(signed_twice, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_twice)
    rows = poppler("pdffonts", str(path)).splitlines()[2:]
    assert sum("JointlyStampSans" in row for row in rows) == 2  # one per stamp
    assert all(row.split()[-5] == "yes" for row in rows)


def test_each_field_gets_a_stamp_in_our_font_and_the_signing_details(signed_twice):
    from pyhanko.sign.fields import enumerate_sig_fields

    fields = {name: ref.get_object() for name, _value, ref in enumerate_sig_fields(pades.open_reader(signed_twice))}
    assert set(fields) == {"Party1", "Party2"}
    for name, signer, location in (("Party1", "Dana Whitfield", "Leeds"), ("Party2", "Jonas Becker", "Hamburg")):
        field = fields[name]
        signature = field["/V"]
        assert (str(signature["/Name"]), str(signature["/Location"])) == (signer, location)
        assert str(signature["/Reason"]) == "Approves plan version 1.2"
        assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
        appearance = field["/AP"]["/N"]
        assert b" Tj" in appearance.data or b" TJ" in appearance.data
        fonts = appearance["/Resources"]["/Font"]
        assert any("JointlyStampSans" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_flipping_any_signed_byte_breaks_the_document(signed_twice, identities):
    gaps = signed_ranges(signed_twice)
    assert len(gaps) == 2
    positions = [int(len(signed_twice) * (i + 0.5) / 50) for i in range(50)]
    checked = 0
    for position in positions:
        if any(start <= position < end for start, end in gaps):
            position = max(end for start, end in gaps if start <= position < end) + 1
        tampered = bytearray(signed_twice)
        tampered[position] ^= 0x01
        report = pades.validate_pdf(bytes(tampered), trusted(identities))
        assert not report.intact_and_covers_document, f"flip at byte {position} went unnoticed"
        broken = report.error or not all(s.intact and s.valid for s in report.signatures)
        assert broken or len(report.signatures) < 2, f"flip at byte {position}: {report}"
        checked += 1
    assert checked == 50


def test_a_damaged_signature_container_is_caught(signed_twice, identities):
    start, _end = signed_ranges(signed_twice)[1]
    tampered = bytearray(signed_twice)
    tampered[start + 1] = ord("0") if tampered[start + 1] != ord("0") else ord("1")  # the CMS header
    report = pades.validate_pdf(bytes(tampered), trusted(identities))
    assert not report.intact_and_covers_document
    by_field = {s.field_name: s for s in report.signatures}
    assert by_field["Party1"].intact and by_field["Party1"].valid  # the other signature is still checked
    assert not by_field["Party2"].ok and by_field["Party2"].error


def append_annotation(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(0)
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (50, 50, 70, 70)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Added after signing"),
        }
    )
    writer.register_annotation(page_ref, writer.add_object(annotation))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def change_title(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("Something else")
    writer.update_container(info)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def replace_page_text(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(2)
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (We owe you nothing) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize(
    ("change", "expected_level"),
    [(append_annotation, {"annotations", "other"}), (change_title, None), (replace_page_text, {"other"})],
)
def test_an_update_after_the_last_signature_is_reported(signed_twice, identities, change, expected_level):
    modified = change(signed_twice)
    assert modified.startswith(signed_twice)

    report = pades.validate_pdf(modified, trusted(identities))

    assert not report.intact_and_covers_document
    last = report.signatures[-1]
    assert last.intact and last.valid  # the signed bytes themselves are untouched
    assert last.modified_after and last.coverage == "entire revision"
    if expected_level:
        assert last.modification_level in expected_level
    assert last.modification_level != "none"


def test_content_hash_changed_after_signing_is_not_accepted(signed_twice, identities):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed_twice))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/JointlyContentHash")] = generic.TextStringObject("0" * 64)
    writer.update_container(info)
    output = BytesIO()
    writer.write(output)

    report = pades.validate_pdf(output.getvalue(), trusted(identities))
    assert report.content_hash == CONTENT_HASH  # what was signed
    assert pades.read_content_hash(output.getvalue()) == "0" * 64
    assert not report.intact_and_covers_document


def test_poppler_pdfsig_agrees(signed_twice, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_twice)
    # pdfsig exits non-zero when a certificate is untrusted; its report is what we check.
    output = poppler("pdfsig", str(path), check=False)
    signatures = re.split(r"^Signature #\d+:", output, flags=re.M)[1:]
    assert len(signatures) == 2
    names = [re.search(r"Signature Field Name: (\S+)", block)[1] for block in signatures]
    assert names == ["Party1", "Party2"]
    for block in signatures:
        assert "Signature Validation: Signature is Valid." in block
        assert "Signing Hash Algorithm: SHA-256" in block
        assert "ETSI.CAdES.detached" in block  # PAdES
    assert "Total document signed" in signatures[1]
    assert "Not total document signed" in signatures[0]


def test_an_rsa_identity_from_pkcs12_signs_too(signed_once, identities):
    key = rsa.generate_private_key(65537, 2048)
    blob = pkcs12.serialize_key_and_certificates(
        b"org", key, self_signed(key, "RSA Org"), None, BestAvailableEncryption(b"pw")
    )
    identity = load_pkcs12(blob, "pw")
    signed = pades.sign_pdf(
        signed_once, identity, field_name="Party2", reason="Approves", location=None, signer_name="Ria Sharma"
    )
    report = pades.validate_pdf(signed, [identities[0].certificate, identity.certificate])
    assert report.intact_and_covers_document and report.trusted
    assert report.signatures[1].signer_organisation == "RSA Org"


def test_a_field_cannot_be_signed_twice_or_made_up(signed_once, identities):
    with pytest.raises(pades.SigningError):
        pades.sign_pdf(signed_once, identities[1], field_name="Party1", reason="r", location=None, signer_name="x")
    with pytest.raises(pades.SigningError):
        pades.sign_pdf(signed_once, identities[1], field_name="Party9", reason="r", location=None, signer_name="x")


def test_unsigned_and_unreadable_files(plan_pdf):
    unsigned = pades.validate_pdf(plan_pdf)
    assert unsigned.signatures == [] and not unsigned.intact_and_covers_document
    assert unsigned.content_hash == CONTENT_HASH
    garbage = pades.validate_pdf(b"%PDF-1.7\nnot really a pdf")
    assert garbage.error and not garbage.intact_and_covers_document
    truncated = pades.validate_pdf(plan_pdf[: len(plan_pdf) // 2])
    assert not truncated.intact_and_covers_document
