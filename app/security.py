"""Small security primitives shared by features: tokens and safe redirects."""

import hashlib
import secrets
from urllib.parse import urlsplit


def new_token() -> tuple[str, str]:
    """A URL-safe secret for a link, and the hash that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def safe_next_url(target: str | None) -> str | None:
    """Only the app's own relative paths are allowed as a redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(c in target for c in "\r\n\t\\") or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def client_address() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXIES)."""
    from flask import request

    return request.remote_addr or "unknown"
