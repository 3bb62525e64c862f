import re

import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from tests.support.factories import PASSWORD, make_organisation_user
from tests.support.forms import invalid_fields
from tests.support.mail import file_outbox, first_link

SIGN_UP = {
    "organisation_name": "Fabrikam",
    "full_name": "Fay Field",
    "email": "fay@fabrikam.example.com",
    "password": "a long enough password",
    "time_zone": "Europe/Paris",
}


def test_sign_up_signs_in_and_lands_on_the_home_page(client):
    response = client.submit("/signup", SIGN_UP)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    home = client.get("/home").get_data(as_text=True)
    assert "Fabrikam" in home and "Fay Field" in home


def test_bad_sign_up_keeps_what_was_typed_and_says_why_beside_the_field(client):
    data = {**SIGN_UP, "email": "fay-at-fabrikam", "password": "short"}
    response = client.submit("/signup", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Fabrikam"' in page and 'value="Fay Field"' in page and 'value="fay-at-fabrikam"' in page
    assert re.search(r'id="email-error"', page) and re.search(r'id="password-error"', page)
    assert invalid_fields(page) == ["email", "password"]
    assert "Use at least 12 characters" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_email_message_is_beside_the_email_field(client):
    make_organisation_user(email="fay@fabrikam.example.com")
    db.session.commit()
    page = client.submit("/signup", SIGN_UP).get_data(as_text=True)
    error = re.search(r'id="email-error">([^<]*)<', page).group(1)
    assert "already exists" in error


def test_sign_in_goes_back_to_the_page_asked_for(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302 and "/signin?next=%2Faccount" in response.headers["Location"]
    response = client.submit("/signin?next=/account", {"email": "sam@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_sign_in_never_redirects_off_site(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    for target in ["https://evil.example.com/", "//evil.example.com", "/\\evil.example.com", "javascript:alert(1)"]:
        client.sign_out()
        response = client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD, "next": target})
        assert response.headers["Location"] == "/home", target


def test_wrong_password_is_explained_and_email_kept(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    page = client.submit("/signin", {"email": "sam@example.com", "password": "wrong password!"}).get_data(as_text=True)
    assert "do not match an account" in page and 'value="sam@example.com"' in page


def test_remember_me_makes_the_session_cookie_outlive_the_browser(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    response = client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD, "remember": "y"})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("jointly_session=")]
    assert "HttpOnly" in cookie and "Expires=" in cookie
    assert not any(c.startswith("jointly_remember=") for c in response.headers.getlist("Set-Cookie"))
    client.sign_out()
    response = client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("jointly_session=")]
    assert "Expires=" not in cookie  # ends with the browser


def test_session_is_renewed_at_sign_in(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    client.get("/signin")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.sign_in("sam@example.com", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_signing_out_ends_the_session_on_every_device(app):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in("sam@example.com", PASSWORD)
    phone.sign_in("sam@example.com", PASSWORD)
    assert phone.get("/account").status_code == 200
    laptop.sign_out()
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302


def test_sign_in_is_rate_limited_with_a_clear_message(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGNIN_LIMIT_PER_ACCOUNT="3 per minute")
    client = app.test_client()
    with app.app_context():
        make_organisation_user(email="sam@example.com")
        db.session.commit()
    for _ in range(3):
        assert client.submit("/signin", {"email": "sam@example.com", "password": "wrong password!"}).status_code == 422
    response = client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many" in response.get_data(as_text=True)
    # Another account from the same address is not locked out by the per-account limit.
    other = client.submit("/signin", {"email": "someone@example.com", "password": "wrong password!"})
    assert other.status_code == 422


def test_forgotten_password_journey(client, app):
    make_organisation_user(email="rita@example.com")
    db.session.commit()
    page = client.submit("/password/forgot", {"email": "rita@example.com"}).get_data(as_text=True)
    assert "Check your email" in page
    link = first_link(file_outbox(app)[0])
    path = link.replace("http://localhost", "")
    assert client.get(path).status_code == 200
    mismatch = client.submit(path, {"password": "a brand new passphrase", "confirm": "something else entirely"})
    assert "differ" in mismatch.get_data(as_text=True)
    response = client.submit(path, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.headers["Location"] == "/home"
    assert client.get(path).status_code == 404  # used


def test_forgot_password_says_the_same_for_unknown_addresses(client):
    page = client.submit("/password/forgot", {"email": "ghost@example.com"}).get_data(as_text=True)
    assert "Check your email" in page


def test_settings_change_time_zone_and_show_times_in_it(client, app):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    client.sign_in("sam@example.com", PASSWORD)
    response = client.submit(
        "/account",
        {"profile-full_name": "Sam Sample", "profile-email": "sam@example.com", "profile-time_zone": "Asia/Tokyo"},
        csrf_field="profile-csrf_token",
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.time_zone == "Asia/Tokyo" and user.full_name == "Sam Sample"


def test_settings_errors_keep_input(client):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    client.sign_in("sam@example.com", PASSWORD)
    page = client.submit(
        "/account",
        {"profile-full_name": "Sam", "profile-email": "sam@new.example.com", "profile-time_zone": "UTC"},
        csrf_field="profile-csrf_token",
    ).get_data(as_text=True)
    assert 'value="sam@new.example.com"' in page
    assert "Enter your current password" in page


def test_changing_password_keeps_this_device_and_signs_out_others(app):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in("sam@example.com", PASSWORD)
    phone.sign_in("sam@example.com", PASSWORD)
    response = laptop.submit(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-new_password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
        csrf_field="password-csrf_token",
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
