"""A person's secret calendar address: created, shown again, reset, and looked up by its token.

Calendar apps subscribe to an address and keep polling it, so the address has to stay the
same and be there to copy again. It is still never stored: the token is an HMAC of a random
nonce under a key derived from SECRET_KEY (outside the database), and rows are found by the
token's SHA-256, as link tokens are. Resetting draws a new nonce; the old address is dead at
once. After a SECRET_KEY rotation an address made with an older key keeps working (its hash is
stored) and is shown while that key is among SECRET_KEY_FALLBACKS.
"""

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from app.accounts.models import CalendarFeed, User
from app.audit.services import record_event
from app.extensions import db
from app.security import hash_token
from app.types import utcnow


def _keys() -> list[bytes]:
    raw = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    return [hmac.new(str(k).encode(), b"jointly calendar feed", hashlib.sha256).digest() for k in raw if k]


def _token(key: bytes, feed: CalendarFeed) -> str:
    digest = hmac.new(key, f"{feed.user_id}:{feed.nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()  # 43 characters, like link tokens


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def token_of(feed: CalendarFeed) -> str | None:
    """The feed's token, or None when no configured key made it (the address still works)."""
    for key in _keys():
        token = _token(key, feed)
        if hmac.compare_digest(hash_token(token), feed.token_hash):
            return token
    return None


def _new_nonce(feed: CalendarFeed) -> str:
    feed.nonce = secrets.token_hex(32)
    token = _token(_keys()[0], feed)
    feed.token_hash = hash_token(token)
    return token


def create_feed(user: User) -> CalendarFeed:
    """The person's feed, made now if they have none (asking twice makes one)."""
    feed = feed_of(user)
    if feed is not None:
        return feed
    feed = CalendarFeed(user_id=user.id, created_at=utcnow())
    _new_nonce(feed)
    db.session.add(feed)
    db.session.flush()
    record_event("account.calendar_feed_created", actor=user, obj=user)
    return feed


def reset_feed(user: User) -> CalendarFeed:
    """A new address; the old one answers 404 from now on."""
    feed = feed_of(user)
    if feed is None:
        return create_feed(user)
    _new_nonce(feed)
    feed.reset_at = utcnow()
    db.session.flush()
    record_event("account.calendar_feed_reset", actor=user, obj=user)
    return feed


def user_for_token(token: str) -> User | None:
    """The active person whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if feed is None or not feed.user.active:
        return None
    return feed.user
