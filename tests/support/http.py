"""A small HTTP client for journeys against a real server (Werkzeug or gunicorn): cookies,
CSRF tokens read from the page, no redirects followed unless asked."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

_TOKEN = re.compile(r'name="([a-z0-9-]*csrf_token)"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: dict
    text: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Answer:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - loopback
        try:
            with self.opener.open(req, timeout=20) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())

    def get(self, path: str, follow: bool = False) -> Answer:
        answer = self.request("GET", path)
        while follow and answer.status in (301, 302, 303) and answer.location:
            answer = self.request("GET", answer.location)
        return answer

    def submit(self, path: str, data: dict, *, page: str | None = None, csrf_field: str = "csrf_token") -> Answer:
        """POST `data` with the CSRF token from `page` (default: the same path's form)."""
        html = self.get(page or path, follow=True).text
        tokens = dict(_TOKEN.findall(html))
        data = {csrf_field: tokens.get(csrf_field) or next(iter(tokens.values())), **data}
        return self.request("POST", path, data)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)
