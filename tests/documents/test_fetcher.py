"""The renderer's URL fetcher: bundled assets and size-capped data: URIs only.

Each attack is rendered for real, once with WeasyPrint's default fetcher (to show
the attack works there) and once through ours.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.fetcher import ASSETS, RefusedResource, SafeURLFetcher
from documents.render import PdfConverter
from tests.documents.conftest import RecordingServer

HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""


def hostile_html(server: RecordingServer) -> str:
    return f"""<html><head>
    <link rel="attachment" href="file:///etc/hostname">
    <style>@import url({server.url}/import.css);
      @font-face {{ font-family: X; src: url({server.url}/font.ttf); }}
      p {{ font-family: X; background: url(file:///etc/hostname); }}</style></head>
    <body><p>hello</p><img src="file:///etc/hostname"><img src="{server.url}/img.png">
    <img src="../../../../etc/hostname">
    <svg width="10" height="10"><image href="{server.url}/svg.png" width="10" height="10"/></svg>
    </body></html>"""


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return PdfReader(io.BytesIO(pdf)).attachments


def test_the_default_fetcher_would_leak_so_this_test_can_fail(
    recording_server: RecordingServer,
) -> None:
    from weasyprint import HTML

    pdf = HTML(string=hostile_html(recording_server)).write_pdf()
    assert recording_server.hits  # the local service was called
    assert attachments(pdf)  # and /etc/hostname was embedded


def test_our_fetcher_loads_nothing_from_files_or_the_network(
    recording_server: RecordingServer,
) -> None:
    converter = PdfConverter()
    pdf = converter.to_pdf(hostile_html(recording_server))
    assert recording_server.hits == []
    assert attachments(pdf) == {}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "hello" in text and "SECRET" not in text
    if HOSTNAME:
        assert HOSTNAME.encode() not in pdf
    assert any(url.startswith("file:///etc") for url in converter.fetcher.refused)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        f"file://{ASSETS}/../../pyproject.toml",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.css",
        "ftp://127.0.0.1/x",
        "file://remote-host/etc/hostname",
    ],
)
def test_anything_but_bundled_files_and_data_uris_is_refused(url: str) -> None:
    with pytest.raises(RefusedResource):
        SafeURLFetcher().fetch(url)


def test_bundled_fonts_and_small_data_uris_are_served() -> None:
    fetcher = SafeURLFetcher()
    font = fetcher.fetch((ASSETS / "fonts" / "LiberationSans-Regular.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    data = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"hi").decode())
    assert data.read() == b"hi"


def test_an_image_over_the_pixel_cap_is_refused_before_it_is_decoded() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 100_000  # small file, huge bitmap
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(RefusedResource, match="over the cap"):
        SafeURLFetcher().fetch(uri)


def test_an_oversized_data_uri_is_refused() -> None:
    with pytest.raises(RefusedResource, match="size cap"):
        SafeURLFetcher().fetch("data:text/plain," + "x" * (4 * 1024 * 1024))
