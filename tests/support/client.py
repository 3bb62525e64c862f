"""A test client that submits forms the way a browser does: with the CSRF token."""

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Attributes that never carry what a person typed (those that may, like value, could hold "None").
_NONE_ATTRIBUTE = re.compile(r'\s(?!value=|title=|alt=|placeholder=|content=|aria-label=)[\w:-]+="None"')
# aria-invalid in any form a tag can carry it: quoted either way, unquoted, or with no value at all.
_ARIA_INVALID = re.compile(r"""<[a-zA-Z][^>]*?\saria-invalid(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_DESCRIBED_BY = re.compile(r'aria-describedby="([^"]*)"')
_IDS = re.compile(r'\sid="([^"]+)"')


def check_markup(page: str) -> None:
    """What a template can get wrong on every page without any test noticing: a Python None
    printed into an attribute, aria-invalid on a field that is not invalid (only "true" is ever
    written, on a field with an error; a valid field leaves the attribute out, so "false", "None"
    or an empty value is a template's slip), a description pointing at an element the page does
    not have."""
    printed = _NONE_ATTRIBUTE.findall(page)
    assert not printed, f"a None printed into an attribute: {printed[:3]}"
    invalid = {(value or "").strip("\"'") for value in _ARIA_INVALID.findall(page)} - {"true"}
    assert not invalid, f"aria-invalid is written only as \"true\", on a field with an error, not {invalid}"
    ids = set(_IDS.findall(page))
    dangling = {ref for refs in _DESCRIBED_BY.findall(page) for ref in refs.split()} - ids
    assert not dangling, f"aria-describedby names ids the page does not have: {sorted(dangling)}"


class JointlyClient(FlaskClient):
    def open(self, *args, **kwargs):
        # Each request gets its own app context, as in production: a fresh `g` and its
        # own database session, even while the test holds one for its own queries.
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not response.is_streamed:
            check_markup(response.get_data(as_text=True))
        return response

    def csrf_token(self) -> str:
        # Signed out: the sign-in form has one; signed in, the page it redirects to has the
        # sign-out form (or the two-factor set-up page, where an organisation requires it).
        response = self.get("/signin", follow_redirects=True)
        match = _TOKEN.search(response.get_data(as_text=True))
        assert match, "no CSRF token found on the page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, *, csrf_field: str = "csrf_token", **kwargs):
        data = dict(data or {})
        data.setdefault(csrf_field, self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def sign_in(self, email: str, password: str):
        response = self.submit("/signin", {"email": email, "password": password})
        assert response.status_code == 302, f"sign-in as {email} failed"
        return response

    def sign_out(self):
        return self.submit("/signout")
