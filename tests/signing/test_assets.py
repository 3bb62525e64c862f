"""The PDF renderer loads only the app's static files and small inline images."""

import base64
import socket

import pytest

from app.signing.rendering import ASSET_BASE_URL
from app.signing.rendering.assets import MAX_DATA_URI_BYTES, AssetRefusedError, StaticAssetFetcher
from app.signing.rendering.pdf import render_pdf

# No database: these run once, on the first engine's pass (see tests/conftest.py).
pytestmark = pytest.mark.engine_independent

PNG_2PX = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGMUD6piYGBgYmBgYGBgAAAKawDnJYlytQAAAABJRU5ErkJggg=="
BROKEN_PNG = PNG_2PX[:40]


@pytest.fixture
def fetcher():
    return StaticAssetFetcher()


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything opens a socket."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_serves_static_stylesheet_and_font(fetcher):
    css = fetcher.fetch(ASSET_BASE_URL + "static/css/print-fonts.css")
    assert css.content_type == "text/css"
    assert b"@font-face" in css.read()
    font = fetcher.fetch(ASSET_BASE_URL + "static/fonts/source-sans-3/SourceSans3-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"
    assert [d.allowed for d in fetcher.decisions] == [True, True]


def test_serves_small_data_images(fetcher):
    response = fetcher.fetch(f"data:image/png;base64,{PNG_2PX}")
    assert response.content_type == "image/png"
    assert response.read().startswith(b"\x89PNG")
    svg = fetcher.fetch("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E")
    assert svg.read().startswith(b"<svg")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:5000/static/css/print.css",
        "http://[::1]/static/css/print.css",
        "http://10.0.0.5/static/img/logo.svg",
        "https://example.com/static/css/print.css",
        "https://assets.jointly.invalid.example.com/static/css/print.css",
        "ftp://assets.jointly.invalid/static/css/print.css",
        "https://assets.jointly.invalid/config.py",
        "https://assets.jointly.invalid/static/../config.py",
        "https://assets.jointly.invalid/static/%2e%2e/%2e%2e/config.py",
        "https://assets.jointly.invalid/static/css/..%2f..%2f..%2fconfig.py",
        "https://assets.jointly.invalid/static/css/..\\..\\..\\config.py",
        "https://assets.jointly.invalid/static/css",
        "https://assets.jointly.invalid/static/css/no-such-file.css",
        "https://assets.jointly.invalid/static//etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "data:,plain text",
        "data:application/pdf;base64,JVBERi0=",
        "data:image/png;base64",
        f"data:image/png;base64,{BROKEN_PNG}",
    ],
)
def test_refuses_everything_else(fetcher, no_network, url):
    with pytest.raises(AssetRefusedError):
        fetcher.fetch(url)
    assert len(fetcher.decisions) == 1
    assert fetcher.decisions[0].allowed is False


def test_refuses_big_data_uri_without_decoding_it(fetcher):
    payload = base64.b64encode(b"\x89PNG" + b"\0" * MAX_DATA_URI_BYTES).decode()
    with pytest.raises(AssetRefusedError, match="larger than the limit"):
        fetcher.fetch(f"data:image/png;base64,{payload}")


def test_refuses_small_data_image_that_decodes_huge(fetcher):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")  # a few KB compressed, 64 megapixels
    payload = base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(AssetRefusedError, match="too large"):
        fetcher.fetch(f"data:image/png;base64,{payload}")


def test_hostile_narrative_renders_without_fetching_anything_but_static(no_network):
    """Markdown like ![x](file:///etc/passwd) becomes an <img>; WeasyPrint must drop it quietly."""
    fetcher = StaticAssetFetcher()
    html = f"""<!doctype html><html><head><title>t</title>
    <link rel="stylesheet" href="/static/css/print.css">
    <link rel="stylesheet" href="https://evil.example/steal.css">
    </head><body>
    <p><img alt="x" src="file:///etc/passwd"></p>
    <p><img alt="x" src="http://169.254.169.254/"></p>
    <p><img alt="x" src="/static/../config.py"></p>
    <p><img alt="x" src="static/%2e%2e/%2e%2e/config.py"></p>
    <p style="background: url(file:///etc/shadow)">styled</p>
    <p><img alt="broken" src="data:image/png;base64,{BROKEN_PNG}"></p>
    <p><img alt="ok" src="data:image/png;base64,{PNG_2PX}"></p>
    </body></html>"""

    pdf = render_pdf(html, title="t", author="a", subject="s", url_fetcher=fetcher)

    assert pdf.startswith(b"%PDF-")
    refused = {d.url for d in fetcher.decisions if not d.allowed}
    assert refused == {
        "file:///etc/passwd",
        "http://169.254.169.254/",
        f"{ASSET_BASE_URL}config.py",  # the base URL resolves the dot segments away
        f"{ASSET_BASE_URL}static/%2e%2e/%2e%2e/config.py",
        "https://evil.example/steal.css",
        "file:///etc/shadow",
        f"data:image/png;base64,{BROKEN_PNG}",
    }
    allowed = [d.url for d in fetcher.decisions if d.allowed]
    assert f"{ASSET_BASE_URL}static/css/print.css" in allowed
    assert any(url.startswith("data:image/png") for url in allowed)
    assert any(url.endswith(".ttf") for url in allowed)
