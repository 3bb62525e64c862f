"""The only resources a plan PDF may load: the app's own static files and small inline images.

Plan narratives are user-written Markdown, so an image or stylesheet URL in them is
untrusted input. WeasyPrint fetches every URL through the fetcher given here; anything
it refuses is dropped from the PDF (WeasyPrint logs a warning and renders on).

Imports WeasyPrint: import this module lazily (rendering/pdf.py does), never at app start-up.
"""

import base64
import binascii
import logging
import mimetypes
import os
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.signing.rendering import ASSET_BASE_URL, STATIC_FOLDER

logger = logging.getLogger("jointly.signing")

STATIC_PREFIX = "/static/"
MAX_DATA_URI_BYTES = 256 * 1024
MAX_DATA_IMAGE_PIXELS = 4096 * 4096
DATA_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})


class AssetRefusedError(ValueError):
    """A URL the PDF renderer may not load. WeasyPrint catches it and skips the resource."""


@dataclass(frozen=True)
class FetchDecision:
    url: str
    allowed: bool
    reason: str


class StaticAssetFetcher(URLFetcher):
    """Serve files under the static folder and small data:image URIs; refuse everything else.

    `origins` are the URL prefixes that address the app (the internal base URL, and the
    app's public base URL if templates use absolute `url_for(..., _external=True)`).
    Every request is recorded in `decisions`, which tests and logs use.
    """

    def __init__(self, static_folder: str = STATIC_FOLDER, origins: tuple[str, ...] = (ASSET_BASE_URL,)):
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.static_folder = os.path.realpath(static_folder)
        self.origins = tuple(_origin(url) for url in origins)
        self.decisions: list[FetchDecision] = []

    def fetch(self, url, headers=None):
        try:
            if url[:5].lower() == "data:":
                media_type, body = _decode_data_uri(url)
                result = URLFetcherResponse(url[:64], body, {"Content-Type": media_type})
            else:
                path = self._static_path(url)
                with open(path, "rb") as handle:
                    body = handle.read()
                media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                result = URLFetcherResponse(url, body, {"Content-Type": media_type})
        except AssetRefusedError as refusal:
            self.decisions.append(FetchDecision(_shorten(url), False, str(refusal)))
            logger.warning("PDF renderer refused %s: %s", _shorten(url), refusal)
            raise
        self.decisions.append(FetchDecision(_shorten(url), True, "served"))
        return result

    def _static_path(self, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise AssetRefusedError("malformed URL") from error
        if _origin(url) not in self.origins:
            raise AssetRefusedError("not one of the app's own URLs")
        # Check the decoded path too: %2e%2e and %2f must not smuggle a traversal past us.
        path = unquote(parts.path)
        if not path.startswith(STATIC_PREFIX) or "\\" in path or "\x00" in path:
            raise AssetRefusedError("outside /static/")
        relative = path[len(STATIC_PREFIX):]
        if any(segment in ("", ".", "..") for segment in relative.split("/")):
            raise AssetRefusedError("path traversal")
        full = os.path.realpath(os.path.join(self.static_folder, relative))
        if os.path.commonpath([full, self.static_folder]) != self.static_folder or not os.path.isfile(full):
            raise AssetRefusedError("no such static file")
        return full


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _decode_data_uri(url: str) -> tuple[str, bytes]:
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise AssetRefusedError("malformed data: URI")
    params = [part.strip().lower() for part in header.split(";")]
    media_type, is_base64 = params[0], "base64" in params[1:]
    if media_type not in DATA_IMAGE_TYPES:
        raise AssetRefusedError(f"data: URI of type {media_type or 'text/plain'} is not an allowed image type")
    # Refuse by the encoded length first, so a huge URI is never decoded.
    encoded_limit = (MAX_DATA_URI_BYTES // 3 + 1) * 4 if is_base64 else MAX_DATA_URI_BYTES * 3
    if len(payload) > encoded_limit:
        raise AssetRefusedError("data: URI larger than the limit")
    if is_base64:
        try:
            body = base64.b64decode(unquote(payload), validate=False)
        except (binascii.Error, ValueError) as error:
            raise AssetRefusedError("malformed base64 in data: URI") from error
    else:
        body = unquote(payload).encode()
    if len(body) > MAX_DATA_URI_BYTES:
        raise AssetRefusedError("data: URI larger than the limit")
    if media_type != "image/svg+xml":
        _check_raster_image(body)
    return media_type, body


def _check_raster_image(body: bytes) -> None:
    """A damaged inline image would make WeasyPrint fail the whole PDF, so refuse it here."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(body)) as image:
            width, height = image.size
            if width * height > MAX_DATA_IMAGE_PIXELS:  # a small file can still decode to gigabytes
                raise AssetRefusedError(f"inline image of {width}x{height} pixels is too large")
            image.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise AssetRefusedError(f"damaged or unreadable image in data: URI ({error})") from error


def _shorten(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."
