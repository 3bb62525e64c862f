"""The stored PDFs: one valid PAdES signature per party, the content hash, what a tampered or
extended file reports, the DRAFT watermark, and an independent check with poppler."""

from io import BytesIO

import pytest

from app.plan_versions import pdfs, services
from app.signing.pades import open_reader, read_content_hash, validate_pdf
from tests.support.poppler import poppler


@pytest.fixture
def signed(versions, tmp_path):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    pdfs.build_now(version.id)
    data = pdfs.document_state(version).latest.data
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    return version, data, path


def test_a_fully_signed_pdf_has_one_valid_signature_per_party_over_the_whole_file(versions, signed):
    version, data, _path = signed
    report = validate_pdf(data)
    assert report.intact_and_covers_document
    assert [s.signer_organisation for s in report.signatures] == ["Alpha Ltd", "Beta GmbH"]
    assert all(s.intact and s.valid and s.ok for s in report.signatures)
    assert report.signatures[-1].coverage == "entire file"
    assert report.content_hash == version.content_hash == read_content_hash(data)
    fingerprints = [s.signing_key.fingerprint for s in version.signatures]
    assert [s.certificate_fingerprint for s in report.signatures] == fingerprints


def test_each_signature_is_an_incremental_update_of_the_stored_rendering(versions, signed):
    version, data, _path = signed
    documents = pdfs.documents_of(version.id)
    assert [d.number for d in documents] == [0, 1, 2]
    for earlier, later in zip(documents, documents[1:], strict=False):
        assert later.data.startswith(earlier.data)
    assert documents[-1].sha256 == __import__("hashlib").sha256(data).hexdigest()


def test_flipping_any_signed_byte_breaks_validation(signed):
    _version, data, _path = signed
    reader = open_reader(data)
    from pyhanko.sign.fields import enumerate_sig_fields

    last = [value for _name, value, _ref in enumerate_sig_fields(reader, filled_status=True)][-1]
    start, length, after, tail = (int(x) for x in last.get_object()["/ByteRange"])
    positions = [int(start + n * (length - 1) / 24) for n in range(25)] + [after + 10, after + tail - 20]
    for position in positions:
        tampered = bytearray(data)
        tampered[position] ^= 0x20
        report = validate_pdf(bytes(tampered))
        assert not report.intact_and_covers_document, f"flipping byte {position} went unnoticed"


def test_an_update_appended_after_the_last_signature_is_reported(signed):
    _version, data, _path = signed
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    report = validate_pdf(out.getvalue())
    assert not report.intact_and_covers_document
    assert report.signatures[-1].modified_after and not report.signatures[-1].ok


def test_the_document_has_cover_contents_sections_signature_page_and_metadata(versions, signed):
    version, _data, path = signed
    info = poppler("pdfinfo", str(path))
    assert f"Relationship Management Plan {version.label}" in info and "Alpha Ltd, Beta GmbH" in info
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = [poppler("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-") for n in range(1, pages + 1)]
    assert "Enterprise Relationship Management Plan" in text[0] and version.content_hash in text[0]
    assert "Contents" in text[1] and "Risk assessment" in text[1]
    for n, page in enumerate(text[1:], start=2):
        assert f"Page {n} of {pages}" in page and version.content_hash[:20] in page.replace("\n", "")
    assert "Signatures" in text[-1] and "Digitally signed by Ada Admin" in text[-1]
    fonts = poppler("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts


def test_poppler_pdfsig_finds_both_signatures_valid(signed):
    _version, _data, path = signed
    output = poppler("pdfsig", str(path), check=False)
    assert output.count("Signature Validation: Signature is Valid.") == 2
    assert "Total document signed" in output


def test_the_draft_is_watermarked_on_every_page_and_has_no_signature_fields(versions, tmp_path):
    data = pdfs.render_draft(versions.partnership)
    path = tmp_path / "draft.pdf"
    path.write_bytes(data)
    info = poppler("pdfinfo", str(path))
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    for n in range(1, pages + 1):
        assert "DRAFT" in poppler("pdftotext", "-f", str(n), "-l", str(n), str(path), "-").replace("\n", "")
    assert validate_pdf(data).signatures == []
    assert read_content_hash(data) is None


def test_narratives_fetch_nothing_outside_the_apps_own_assets(versions):
    from app.plan_sections import reading
    from app.plan_versions.document import document_html
    from app.signing.rendering.assets import StaticAssetFetcher
    from app.signing.rendering.pdf import render_pdf

    content = reading.current_content(versions.partnership.id, "communications")
    content["narrative"] = "![x](file:///etc/passwd) ![y](http://169.254.169.254/latest/meta-data/) [z](http://10.0.0.1/)"
    versions.save(versions.people.a.editor, "communications", content)
    fetcher = StaticAssetFetcher()
    render_pdf(document_html(versions.partnership, None, draft=True), title="t", author="a", subject="s",
               url_fetcher=fetcher)
    served = [d.url for d in fetcher.decisions if d.allowed]
    assert served and all("/static/" in url for url in served)
    assert services.working_contents(versions.partnership.id)["communications"]["narrative"].startswith("![x]")
