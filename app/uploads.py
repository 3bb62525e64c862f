"""Receiving and storing uploaded files safely (certificates, PDFs to verify, …).

Every upload is checked three ways before it is kept: its size (413 beyond the kind's
limit, on top of the request-wide MAX_CONTENT_LENGTH), its content (magic bytes, not
the name or the browser's claimed type), and its name is never used: files are stored
under STORAGE_DIR/<area>/ with a random name the app generates. The name the user gave
is kept only as text to show, never as a path.

A feature declares what it accepts with a `FileKind` (or uses one of KINDS), then in
its view: `stored = store_upload(form.file.data, KINDS["pdf"], area="verify")`.
"""

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from app.rules import RuleViolation

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    label: str  # in messages: "a PDF"
    extension: str  # used for the stored name
    media_type: str
    max_bytes: int
    sniff: Callable[[bytes], bool]  # True when the first bytes are this kind's
    name_suffixes: tuple[str, ...] = ()  # user-facing hint only: a wrong suffix is refused early


def _is_pdf(head: bytes) -> bool:
    return head.lstrip(b"\x00\t\r\n ")[:5] == b"%PDF-"


def _is_certificate(head: bytes) -> bool:
    # PEM text, or DER (an ASN.1 SEQUENCE with a long length: 0x30 0x82).
    return head.lstrip().startswith(b"-----BEGIN ") or head[:2] == b"\x30\x82"


def _is_png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


KINDS = {
    "pdf": FileKind("a PDF", "pdf", "application/pdf", 20 * 1024 * 1024, _is_pdf, (".pdf",)),
    "certificate": FileKind(
        "a certificate (PEM, DER or PKCS#12)",
        "crt",
        "application/pkix-cert",
        256 * 1024,
        _is_certificate,
        (".pem", ".crt", ".cer", ".der", ".p12", ".pfx"),
    ),
    "png": FileKind("a PNG image", "png", "image/png", 5 * 1024 * 1024, _is_png, (".png",)),
}


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to STORAGE_DIR, e.g. "verify/3f2a….pdf"
    size: int
    sha256: str
    media_type: str
    original_name: str  # for display only


def display_name(filename: str | None, limit: int = 120) -> str:
    """The user's file name made harmless to show: no path, no control characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:limit] or "upload"


def stream_digest(stream, chunk_size: int = _CHUNK) -> tuple[str, int]:
    """The SHA-256 (hex) and size of what a binary stream holds, read in chunks, never kept whole."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(chunk_size):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


_AREA = re.compile(r"^[a-z0-9_-]{1,40}$")


def storage_path(relative: str) -> str:
    """The absolute path of a stored file; refuses anything outside STORAGE_DIR."""
    root = os.path.realpath(current_app.config["STORAGE_DIR"])
    path = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, path]) != root:
        raise ValueError("path outside the storage directory")
    return path


@dataclass(frozen=True)
class ReadFile:
    data: bytes
    sha256: str
    original_name: str  # for display only

    @property
    def size(self) -> int:
        return len(self.data)


def read_upload(upload: FileStorage | None, kind: FileKind, *, field: str = "file") -> ReadFile:
    """Check an uploaded file as store_upload does, but keep it in memory only (never on disk):
    for files used once, like a PKCS#12 key or a PDF to verify."""
    if upload is None or not upload.filename:
        raise RuleViolation(f"Choose {kind.label} to upload.", field)
    original = display_name(upload.filename)
    if kind.name_suffixes and not original.lower().endswith(kind.name_suffixes):
        raise RuleViolation(f"This file is not {kind.label} ({', '.join(kind.name_suffixes)}).", field)
    chunks, size = [], 0
    while chunk := upload.stream.read(_CHUNK):
        size += len(chunk)
        if size > kind.max_bytes:
            raise RequestEntityTooLarge(f"{kind.label} may be at most {kind.max_bytes // 1024} KB")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise RuleViolation("The file is empty.", field)
    if not kind.sniff(data[:1024]):
        raise RuleViolation(f"This file is not {kind.label}: its contents do not match.", field)
    return ReadFile(data=data, sha256=hashlib.sha256(data).hexdigest(), original_name=original)


def store_upload(upload: FileStorage | None, kind: FileKind, *, area: str, field: str = "file") -> StoredFile:
    """Check and keep an uploaded file; RuleViolation for the user, 413 when too large."""
    if not _AREA.match(area):
        raise ValueError(f"bad storage area {area!r}")
    if upload is None or not upload.filename:
        raise RuleViolation(f"Choose {kind.label} to upload.", field)
    original = display_name(upload.filename)
    if kind.name_suffixes and not original.lower().endswith(kind.name_suffixes):
        raise RuleViolation(f"This file is not {kind.label} ({', '.join(kind.name_suffixes)}).", field)

    directory = os.path.join(current_app.config["STORAGE_DIR"], area)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind.extension}"
    final = os.path.join(directory, name)
    partial = final + ".part"
    digest, size, head = hashlib.sha256(), 0, b""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(_CHUNK):
                size += len(chunk)
                if size > kind.max_bytes:
                    raise RequestEntityTooLarge(f"{kind.label} may be at most {kind.max_bytes // 1024} KB")
                if len(head) < 1024:
                    head += chunk[: 1024 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise RuleViolation("The file is empty.", field)
        if not kind.sniff(head):
            raise RuleViolation(f"This file is not {kind.label}: its contents do not match.", field)
        os.replace(partial, final)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return StoredFile(
        path=f"{area}/{name}", size=size, sha256=digest.hexdigest(), media_type=kind.media_type, original_name=original
    )
