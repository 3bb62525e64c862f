"""Uploads built to be slow or huge are checked in a child process that limits stop, with a
clear answer, while the web process goes on serving other requests."""

import io
import threading

import pytest

from app.signing.inspection import InspectionRefused, Limits, inspect_pdf
from tests.support.factories import make_organisation_user


def many_signature_fields(count: int) -> bytes:
    """A well-formed PDF whose form lists `count` signature fields: each costs the checker time
    and memory (about 5 s of CPU and 150 MB for 20,000 on a laptop-class core)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Fields [" + b" ".join(b"%d 0 R" % (5 + n) for n in range(count)) + b"] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    objects += [
        b"<< /FT /Sig /T (f%d) /V << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
        b"/ByteRange [0 1 2 3] /Contents <00> >> >>" % n
        for n in range(count)
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile() -> bytes:
    return many_signature_fields(20_000)


def test_a_slow_file_is_stopped_by_the_cpu_limit(hostile):
    with pytest.raises(InspectionRefused, match="more than 1 seconds of computing time"):
        inspect_pdf(hostile, Limits(cpu_seconds=1, memory_mb=2048, wall_seconds=120))


def test_a_huge_file_is_stopped_by_the_memory_limit(hostile):
    with pytest.raises(InspectionRefused, match="more than 40 MB of memory"):
        inspect_pdf(hostile, Limits(cpu_seconds=120, memory_mb=40, wall_seconds=120))


def test_a_file_that_keeps_the_checker_busy_is_stopped_by_the_clock(hostile):
    with pytest.raises(InspectionRefused, match="took longer than 2 seconds"):
        inspect_pdf(hostile, Limits(cpu_seconds=120, memory_mb=2048, wall_seconds=2))


def test_the_verify_page_answers_clearly_and_other_requests_are_served_meanwhile(make_app, hostile):
    app = make_app(VERIFY_CPU_SECONDS=3, VERIFY_MEMORY_MB=2048, VERIFY_TIMEOUT_SECONDS=120)
    with app.app_context():
        from app.extensions import db

        user = make_organisation_user()
        db.session.commit()
        email = user.email
    uploader, other = app.test_client(), app.test_client()
    for client in (uploader, other):
        client.sign_in(email, "correct horse battery staple")
    token = uploader.csrf_token()
    answer = {}

    def upload():
        answer["response"] = uploader.post("/verify", data={"csrf_token": token,
                                                            "file": (io.BytesIO(hostile), "plan.pdf")})

    thread = threading.Thread(target=upload)
    thread.start()
    served_meanwhile = 0
    while thread.is_alive() and served_meanwhile < 3:
        assert other.get("/verify").status_code == 200
        served_meanwhile += 1
    thread.join(180)
    response = answer["response"]
    assert served_meanwhile >= 1  # the upload was still being checked while another page was served
    assert response.status_code == 422
    assert "needed more than 3 seconds of computing time, so the check was stopped" in response.get_data(as_text=True)


def test_a_genuine_plan_pdf_is_checked_within_the_default_limits(versions, app):
    from app.plan_versions import pdfs
    from app.plan_versions.verification import verify_pdf

    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    pdfs.build_now(version.id)
    result = verify_pdf(pdfs.document_state(version).latest.data)
    assert result.ok and all(check.report.trusted for check in result.signatures)
