"""The only way WeasyPrint may load anything while it renders our documents.

Allowed: size-capped `data:` URIs, and regular files under the bundled asset
folder (templates/documents) after resolving the real path. Refused: every
other `file://` path, http(s), ftp, redirects (nothing is ever opened over a
network), and images whose pixel count is over the cap — checked from the
header, before a single pixel is decoded.
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS = (Path(__file__).resolve().parents[1] / "templates" / "documents").resolve()
MAX_DATA_URI = 3 * 1024 * 1024  # characters of a data: URI (the QR-bill SVG is ~40 KB)
MAX_FILE = 8 * 1024 * 1024  # bytes of a bundled file (fonts are < 1 MB)
MAX_PIXELS = 4_000_000  # e.g. 2000 x 2000; a logo needs far less


class RefusedResource(ValueError):
    """A URL the renderer may not load (WeasyPrint skips it and renders the rest)."""


def check_image_pixels(data: bytes, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse an image with too many pixels, reading its header only."""
    from PIL import Image

    if data.lstrip()[:1] == b"<":
        return  # SVG: vector, no pixel buffer of its own (its <image>s come through here too)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception as exc:
        raise RefusedResource(f"not an image we can read: {exc}") from None
    if width * height > max_pixels:
        raise RefusedResource(f"image of {width} x {height} pixels is over the cap")


class SafeURLFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's fetcher, locked down: data: URIs and bundled assets, nothing else."""

    def __init__(self, assets: Path = ASSETS, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, **kwargs)
        self.assets = assets.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            return self._fetch(url)
        except RefusedResource as exc:
            self.refused.append(url[:120])
            raise RefusedResource(f"{url[:80]}: {exc}") from None

    def _fetch(self, url: str) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._bundled(url)
        raise RefusedResource("only bundled assets and data: URIs may be loaded")

    def _data(self, url: str) -> URLFetcherResponse:
        if len(url) > MAX_DATA_URI:
            raise RefusedResource("data: URI over the size cap")
        header, sep, payload = url[5:].partition(",")
        if not sep:
            raise RefusedResource("malformed data: URI")
        media_type = header.split(";")[0] or "text/plain"
        if header.endswith(";base64"):
            try:
                body = base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                raise RefusedResource("bad base64 in data: URI") from None
        else:
            body = unquote(payload).encode()
        if media_type.startswith("image/"):
            check_image_pixels(body)
        return URLFetcherResponse(url, body, {"Content-Type": media_type})

    def _bundled(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedResource("no remote file hosts")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.assets) or not path.is_file():
            raise RefusedResource("not a bundled asset")
        if path.stat().st_size > MAX_FILE:
            raise RefusedResource("bundled file over the size cap")
        body = path.read_bytes()
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".webp"):
            check_image_pixels(body)
        return URLFetcherResponse(path.as_uri(), body)
