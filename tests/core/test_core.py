import pytest
from flask import abort


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_front_page_invites_to_sign_up_or_in(client):
    page = client.get("/").get_data(as_text=True)
    assert "Create your organisation" in page
    assert 'href="/signin"' in page


@pytest.mark.parametrize("path", ["/", "/signin", "/no-such-page"])
def test_every_response_carries_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_https_requests_get_hsts_and_secure_cookies(client):
    response = client.get("/signin", base_url="https://jointly.example.com")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_and_lax_over_http(client):
    cookie = client.get("/signin").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_not_found_page_uses_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'class="site-header"' in page


def test_csrf_failure_explains_itself(client):
    response = client.post("/signin", data={"email": "a@b.example.com", "password": "x"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [400, 403, 429])
def test_error_pages_render_in_the_layout(make_app, status):
    app = make_app()
    app.add_url_rule(f"/fail-{status}", f"fail_{status}", lambda: abort(status))
    response = app.test_client().get(f"/fail-{status}")
    assert response.status_code == status
    assert 'class="site-header"' in response.get_data(as_text=True)


@pytest.mark.server_error_expected
def test_unexpected_errors_show_no_internals(make_app, caplog):
    app = make_app()

    def boom():
        raise RuntimeError("secret internals: database password is hunter2")

    app.add_url_rule("/boom", "boom", boom)
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "hunter2" not in page and "Traceback" not in page
    assert "RuntimeError" in caplog.text  # the operator still learns what happened


def test_mail_subjects_built_from_typed_names_stay_one_line(app):
    from app.mail import build_message

    message = build_message("a@example.com", "Fay invites you to Evil\r\nBcc: x@evil.example\u2028Co", "body")
    assert message["Subject"] == "Fay invites you to Evil Bcc: x@evil.example Co"
    assert message["Bcc"] is None



def test_email_links_use_the_address_served_when_no_base_url_is_set(monkeypatch):
    from config import served_address

    monkeypatch.setenv("PORT", "5001")
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 - the setting under test, nothing is bound
    assert served_address() == "http://127.0.0.1:5001"
    monkeypatch.setenv("HOST", "192.0.2.7")
    assert served_address() == "http://192.0.2.7:5001"
    monkeypatch.delenv("PORT")
    monkeypatch.delenv("HOST")
    assert served_address() == "http://127.0.0.1:5000"
