"""A test client that submits forms the way a browser does: with the CSRF token."""

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class JointlyClient(FlaskClient):
    def open(self, *args, **kwargs):
        # Each request gets its own app context, as in production: a fresh `g` and its
        # own database session, even while the test holds one for its own queries.
        with self.application.app_context():
            return super().open(*args, **kwargs)

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
