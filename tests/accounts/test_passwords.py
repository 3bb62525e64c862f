"""Passwords: 12 to 128 characters, no composition rules, never one from the common list."""

import pytest

from app.accounts import services
from app.accounts.passwords import MAX_LENGTH, common_passwords, password_problem
from app.extensions import db
from app.rules import RuleViolation
from tests.support.factories import PASSWORD, make_organisation_user


def test_the_shipped_list_is_large_and_lower_cased():
    words = common_passwords()
    assert len(words) > 19_000
    assert "password1234" in words and all(w == w.casefold() for w in list(words)[:500])


@pytest.mark.parametrize("password", ["password1234", "PassWord1234", "  qwertyqwerty ", "1Q2W3E4R5T6Y"])
def test_common_passwords_are_refused_whatever_their_case(password):
    assert "commonly used" in password_problem(password)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "a" * 12, "é" * 12, "lowercaseonlyletters", "x" * MAX_LENGTH],
)
def test_long_enough_uncommon_passwords_need_no_digits_or_symbols(password):
    assert password_problem(password) is None


def test_limits():
    assert "at least 12" in password_problem("short")
    assert "at most 128" in password_problem("x" * (MAX_LENGTH + 1))


def test_every_place_a_password_is_set_refuses_common_ones(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    with pytest.raises(RuleViolation):
        services.change_password(user, current_password=PASSWORD, new_password="Password1234")
    page = client.submit(
        "/signup",
        {
            "organisation_name": "Fabrikam",
            "full_name": "Fay",
            "email": "fay@fabrikam.example.com",
            "password": "qwertyuiopasdfgh" if "qwertyuiopasdfgh" in common_passwords() else "password1234",
            "time_zone": "UTC",
        },
    ).get_data(as_text=True)
    assert "commonly used" in page
