"""Where the app keeps stored files (evidence attachments): one interface, two backends.

A folder under STORAGE_DIR by default; an S3-compatible bucket (AWS S3, MinIO, Ceph, …) when
S3_BUCKET is set. Attachments are stored under their SHA-256 (`content_key`), so storing one
again is harmless and none is ever changed in place. Backups carry every object whichever
backend holds it (app/backup.py).

    store = object_store()
    store.put_file(content_key(sha256), path)
    with store.open(key) as stream: ...
"""

import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from flask import Flask, current_app

_EXTENSION = "jointly.object_store"
OBJECTS_FOLDER = "objects"  # the filesystem store's folder under STORAGE_DIR
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Lowercase ASCII path segments; none empty or starting with a dot, which keeps out ".", "..",
# and the temporary names the filesystem store writes to before renaming.
_KEY = re.compile(r"[a-z0-9_-][a-z0-9_.-]*(/[a-z0-9_-][a-z0-9_.-]*)*")
_MAX_KEY = 512
_CHUNK = 1024 * 1024


class StorageError(Exception):
    """The store cannot be used (bucket missing, credentials refused, unreachable); the
    message tells an operator which store and what to fix."""


def content_key(sha256: str) -> str:
    """The key of an attachment whose bytes have this SHA-256: attachments/ab/ab12…"""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError("a SHA-256 is 64 lowercase hexadecimal digits")
    return f"attachments/{sha256[:2]}/{sha256}"


def sha256_named_by(key: str) -> str | None:
    """The SHA-256 a content key names (None for other keys)."""
    digest = key.rsplit("/", 1)[-1]
    if _SHA256.fullmatch(digest) and key == content_key(digest):
        return digest
    return None


def check_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > _MAX_KEY or not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _check_prefix(prefix: str) -> str:
    """A prefix is empty or the start of a key: "attachments/", "attachments/ab"."""
    if not isinstance(prefix, str) or (prefix and not _is_key(prefix.removesuffix("/"))):
        raise ValueError(f"not a storage key prefix: {prefix!r}")
    return prefix


def _is_key(name: str) -> bool:
    return len(name) <= _MAX_KEY and _KEY.fullmatch(name) is not None


class ObjectStore:
    """What every backend offers. Keys are checked with `check_key` (ValueError otherwise)."""

    name: str

    def put_file(self, key: str, path: str) -> None:
        """Store the local file at `path` under `key`; the object appears whole or not at all."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        """A readable stream (a context manager); FileNotFoundError when there is no such key."""
        raise NotImplementedError

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key that starts with `prefix`, sorted."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"


# Filesystem ---------------------------------------------------------------------------


class FilesystemStore(ObjectStore):
    """Objects as files under one folder (STORAGE_DIR/objects), readable by the app's user only."""

    name = "filesystem"

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def _make_dirs(self, directory: str) -> None:
        # makedirs' mode would apply to the last folder only: every folder of ours is 0o700.
        if os.path.isdir(directory):
            return
        if directory == self.root:
            os.makedirs(os.path.dirname(directory), exist_ok=True)
        else:
            self._make_dirs(os.path.dirname(directory))
        with contextlib.suppress(FileExistsError):  # made by another process meanwhile
            os.mkdir(directory, 0o700)

    def put_file(self, key: str, path: str) -> None:
        final = self._path(key)
        directory = os.path.dirname(final)
        self._make_dirs(directory)
        # A temporary name in the same folder (never a valid key), renamed into place once whole.
        fd, partial = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(final)}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
                shutil.copyfileobj(source, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no object {key} in {self.describe()}")
        return open(path, "rb")

    def keys(self, prefix: str = "") -> Iterator[str]:
        _check_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        start = self._path(folder) if folder else self.root
        found = []
        for directory, dirs, names in os.walk(start):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            base = os.path.relpath(directory, self.root).replace(os.sep, "/")
            for name in names:
                key = name if base == "." else f"{base}/{name}"
                if _is_key(key) and key.startswith(prefix):
                    found.append(key)
        yield from sorted(found)

    def describe(self) -> str:
        return f"the folder {self.root}"


# S3 -----------------------------------------------------------------------------------

_MISSING_KEY = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled", "AccountProblem"}


class S3Store(ObjectStore):
    """Objects in an S3 bucket (AWS or any S3-compatible service), under an optional key prefix."""

    name = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str = "us-east-1",
                 prefix: str = "", access_key_id: str | None = None, secret_access_key: str | None = None) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        try:
            prefix = _check_prefix(prefix.lstrip("/"))
        except ValueError:
            raise StorageError(f"S3_PREFIX {prefix!r} is not usable: lowercase letters, digits and / _ . - "
                               "only, like jointly/") from None
        # One prefix must not be the start of another's keys ("jointly" and "jointly2").
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.bucket = bucket
        # botocore's DEBUG records carry the signed request headers: the access key id, and the
        # session token when the credentials are temporary. Never below INFO, whatever LOG_LEVEL says.
        for logger in ("botocore", "boto3", "s3transfer"):
            if logging.getLogger(logger).getEffectiveLevel() < logging.INFO:
                logging.getLogger(logger).setLevel(logging.INFO)
        options = {
            # Fail within seconds when the endpoint is down, retry what S3 itself asks to retry.
            "connect_timeout": 5,
            "read_timeout": 60,
            "retries": {"mode": "standard", "max_attempts": 3},
        }
        if endpoint_url:
            # S3-compatible services (MinIO, Ceph, …) answer path-style requests without DNS set-up,
            # and many refuse the checksums boto3 adds to every upload unless asked.
            options["s3"] = {"addressing_style": "path"}
            options["request_checksum_calculation"] = "when_required"
            options["response_checksum_validation"] = "when_required"
        try:
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or "us-east-1",
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=BotoConfig(**options),
            )
        except ValueError as error:  # a malformed endpoint URL or region
            raise StorageError(f"S3 storage is misconfigured (S3_ENDPOINT_URL, S3_REGION): {error}") from None
        self.endpoint = endpoint_url or self._client.meta.endpoint_url

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _error(self, error: Exception) -> StorageError:
        """An operator's message for a botocore failure; never the credentials."""
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            HTTPClientError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        where = self.describe()
        if isinstance(error, ClientError):
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchBucket", "404"):
                return StorageError(f"The {where} does not exist: create the bucket, or correct S3_BUCKET.")
            if code in _REFUSED:
                return StorageError(
                    f"The {where} refused the credentials ({code}): check S3_ACCESS_KEY_ID and "
                    "S3_SECRET_ACCESS_KEY (or the machine's AWS credentials) and the bucket's policy."
                )
            message = error.response.get("Error", {}).get("Message", "")
            return StorageError(f"The {where} answered with an error: {code} {message}".rstrip())
        if isinstance(error, NoCredentialsError | PartialCredentialsError):
            return StorageError(
                f"No S3 credentials for the {where}: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, "
                "or give the machine credentials boto3 finds (environment, ~/.aws, an instance role)."
            )
        if isinstance(error, ConnectionError | HTTPClientError):
            return StorageError(f"The {where} is unreachable ({type(error).__name__}): check S3_ENDPOINT_URL "
                                "and the network.")
        return StorageError(f"The {where} failed: {type(error).__name__}: {error}")

    def put_file(self, key: str, path: str) -> None:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._object(key)
        try:
            # A single PUT, or a multipart upload that S3 shows only once it is complete.
            self._client.upload_file(path, self.bucket, name)
        except S3UploadFailedError as error:
            # boto3 wraps the ClientError it caught; its code says what went wrong.
            cause = error.__context__
            raise (self._error(cause) if isinstance(cause, ClientError) else self._error(error)) from None
        except (BotoCoreError, ClientError) as error:
            raise self._error(error) from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._object(key)
        try:
            self._client.head_object(Bucket=self.bucket, Key=name)
            return True
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code", "")) not in _MISSING_KEY:
                raise self._error(error) from None
        except BotoCoreError as error:
            raise self._error(error) from None
        # A HEAD answers 404 alike for a missing key and a missing bucket: tell them apart.
        self._check_bucket()
        return False

    def _check_bucket(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise self._error(error) from None

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._object(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code", "")) in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"no object {key} in the {self.describe()}") from None
            raise self._error(error) from None
        except BotoCoreError as error:
            raise self._error(error) from None
        return io.BufferedReader(_S3Stream(response["Body"], self), buffer_size=_CHUNK)

    def keys(self, prefix: str = "") -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        _check_prefix(prefix)
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        try:
            # S3 lists keys in UTF-8 byte order, which is sorted order for these ASCII keys.
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix):]
                    if _is_key(key):
                        yield key
        except (BotoCoreError, ClientError) as error:
            raise self._error(error) from None

    def describe(self) -> str:
        under = f" (keys under {self.prefix})" if self.prefix else ""
        return f"S3 bucket {self.bucket} at {self.endpoint}{under}"


class _S3Stream(io.RawIOBase):
    """An object's body, read as it arrives; a dropped connection is a StorageError."""

    def __init__(self, body, store: S3Store) -> None:
        self._body = body
        self._store = store

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from botocore.exceptions import BotoCoreError

        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as error:
            raise self._store._error(error) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


# Configuration ------------------------------------------------------------------------


def _from_config(config) -> ObjectStore:
    if config.get("S3_BUCKET"):
        return S3Store(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION") or "us-east-1",
            prefix=config.get("S3_PREFIX") or "",
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        )
    return FilesystemStore(os.path.join(config["STORAGE_DIR"], OBJECTS_FOLDER))


def object_store(app: Flask | None = None) -> ObjectStore:
    """The app's store, made from its configuration on first use and kept on the app."""
    app = app or current_app._get_current_object()
    # Per process: a boto3 client must not be shared with processes forked after it was made
    # (the worker's job processes, a preloading web server's workers).
    made = app.extensions.get(_EXTENSION)
    if made is None or made[0] != os.getpid():
        made = app.extensions[_EXTENSION] = (os.getpid(), _from_config(app.config))
    return made[1]
