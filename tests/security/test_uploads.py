"""Uploads: size limits answer 413 with the app's page, contents are sniffed, and files
are never stored under the name the user chose."""

import hashlib
import io
import os

import pytest
from flask import request

from app.rules import RuleViolation
from app.uploads import KINDS, FileKind, display_name, storage_path, store_upload

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TINY_PDF_KIND = FileKind("a PDF", "pdf", "application/pdf", 1024, KINDS["pdf"].sniff, (".pdf",))


@pytest.fixture
def upload_app(make_app, tmp_path):
    app = make_app(STORAGE_DIR=str(tmp_path / "storage"), MAX_CONTENT_LENGTH=256 * 1024)

    def receive(kind):
        try:
            stored = store_upload(request.files.get("file"), kind, area="verify")
        except RuleViolation as violation:
            return {"error": violation.message}, 422
        return {"path": stored.path, "sha256": stored.sha256, "name": stored.original_name}

    app.add_url_rule("/t/pdf", "t_pdf", lambda: receive(KINDS["pdf"]), methods=["POST"])
    app.add_url_rule("/t/tiny", "t_tiny", lambda: receive(TINY_PDF_KIND), methods=["POST"])
    return app


def _send(app, path, content: bytes, name: str):
    client = app.test_client()
    return client.submit(path, {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def _stored_files(app):
    root = app.config["STORAGE_DIR"]
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def test_a_pdf_is_kept_under_a_generated_name_whatever_it_was_called(upload_app):
    response = _send(upload_app, "/t/pdf", PDF, "../../../etc/passwd.pdf")
    assert response.status_code == 200
    body = response.json
    assert body["path"].startswith("verify/") and "passwd" not in body["path"] and ".." not in body["path"]
    assert body["name"] == "passwd.pdf" and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    [path] = _stored_files(upload_app)
    assert os.path.basename(path) == body["path"].split("/")[1]
    with open(path, "rb") as handle:
        assert handle.read() == PDF
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_contents_decide_the_type_not_the_name(upload_app):
    for content, name in ((b"<html><script>alert(1)</script>", "report.pdf"), (b"MZ\x90\x00", "invoice.pdf")):
        response = _send(upload_app, "/t/pdf", content, name)
        assert response.status_code == 422 and "contents do not match" in response.json["error"]
    assert "not a PDF" in _send(upload_app, "/t/pdf", PDF, "report.exe").json["error"]
    assert "empty" in _send(upload_app, "/t/pdf", b"", "empty.pdf").json["error"]
    assert _stored_files(upload_app) == []  # nothing half-written is left behind


def test_a_file_over_its_kinds_limit_gets_413_with_the_apps_page(upload_app):
    response = _send(upload_app, "/t/tiny", PDF + b"0" * 2048, "big.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Too large" in page and 'class="site-header"' in page and "Traceback" not in page
    assert _stored_files(upload_app) == []


def test_a_request_over_the_app_limit_gets_413_with_the_apps_page(upload_app):
    response = _send(upload_app, "/t/pdf", PDF + b"0" * (300 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
    assert _stored_files(upload_app) == []


def test_stored_paths_cannot_escape_the_storage_directory(upload_app):
    with upload_app.app_context():
        with pytest.raises(ValueError):
            storage_path("../secret_key")
        with pytest.raises(ValueError):
            storage_path("/etc/passwd")
        assert storage_path("verify/x.pdf").endswith("/storage/verify/x.pdf")


@pytest.mark.parametrize(
    ("given", "shown"),
    [("C:\\Users\\x\\plan.pdf", "plan.pdf"), ("a\x00b\u202e.pdf", "ab.pdf"), ("...", "upload"), (None, "upload")],
)
def test_display_names_are_harmless(given, shown):
    assert display_name(given) == shown
