"""Secrets with key ids, so each can rotate: `AUDIT_KEY` and `SIGNING_KEYS_SECRET`.

A setting holds one or more `ID=SECRET` pairs separated by commas, newest first:

    AUDIT_KEY="k2=7f3c…,k1=90ab…"

The first pair is used for everything new; the others only to read or check what was
written under them, until `flask --app wsgi ermp rekey` (signing keys) or time (audit
events keep the id of the key that chained them) makes them unnecessary. A bare secret
without `ID=` is the key "k1". Secrets never appear in logs or error messages; only ids do.

Each purpose derives its own key from a secret with HKDF (`derive`), so one secret can
serve several purposes without one derived key saying anything about another.
"""

import base64
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class KeyringError(ValueError):
    """A malformed setting or an unknown key id; the message names the setting and id only."""


@dataclass(frozen=True)
class Keyring:
    name: str  # the setting, for messages ("AUDIT_KEY")
    keys: tuple[tuple[str, bytes], ...]  # (id, secret), newest first

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> list[str]:
        return [key_id for key_id, _secret in self.keys]

    def secret(self, key_id: str) -> bytes:
        for known, secret in self.keys:
            if known == key_id:
                return secret
        raise KeyringError(f"{self.name} has no key with the id {key_id!r} (it has {', '.join(self.ids)})")

    def has(self, key_id: str) -> bool:
        return key_id in self.ids

    def derive(self, key_id: str, purpose: bytes, length: int = 32) -> bytes:
        return derive(self.secret(key_id), purpose, length)


def derive(secret: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(secret)


def parse(name: str, value: str | None) -> Keyring:
    """`ID=SECRET[,ID=SECRET…]` (newest first) into a Keyring; KeyringError when malformed."""
    pairs = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not pairs:
        raise KeyringError(f"{name} is empty")
    keys, seen = [], set()
    for pair in pairs:
        key_id, separator, secret = pair.partition("=")
        if not separator:
            key_id, secret = "k1", pair
        key_id, secret = key_id.strip(), secret.strip()
        if not _KEY_ID.match(key_id):
            raise KeyringError(f"{name}: a key id must be 1 to 40 letters, digits, '.', '_' or '-'")
        if len(secret) < 16:
            raise KeyringError(f"{name}: the secret of key {key_id!r} is too short (at least 16 characters)")
        if key_id in seen:
            raise KeyringError(f"{name}: the key id {key_id!r} appears twice")
        seen.add(key_id)
        keys.append((key_id, secret.encode()))
    return Keyring(name, tuple(keys))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
