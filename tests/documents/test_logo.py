"""Logos: checked from the header, capped, re-encoded; the `sellers set` hook."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine
from typer.testing import CliRunner

from documents.logo import logo_setting, normalize_logo
from oms.errors import InvalidInput
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tests.factories import SellerSetup


def png(size: tuple[int, int], mode: str = "RGB", **info: str) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, "white")
    image.save(out, format="PNG", pnginfo=_info(info))
    return out.getvalue()


def _info(values: dict[str, str]) -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in values.items():
        info.add_text(key, value)
    return info


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12,000 x 12,000 PNG: a small file that would unpack to 144 million pixels."""
    path = tmp_path_factory.mktemp("logo") / "bomb.png"
    path.write_bytes(png((12_000, 12_000), mode="1"))
    return path


def test_a_12000_by_12000_png_logo_is_refused(bomb: Path) -> None:
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(InvalidInput, match="12000 x 12000 pixels is too large"):
        logo_setting(f"@{bomb}")


def test_a_logo_is_scaled_and_re_encoded_without_its_metadata() -> None:
    out = normalize_logo(png((3000, 1000), Comment="<script>x</script>"))
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "PNG" and image.size == (1200, 400)
        assert "Comment" not in image.info


def test_what_is_not_an_image_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "logo.png"
    fake.write_text("<svg onload=alert(1)/>")
    with pytest.raises(InvalidInput, match="not an image"):
        logo_setting(f"@{fake}")
    with pytest.raises(InvalidInput, match="@path"):
        logo_setting("logo.png")


def test_sellers_set_branding_logo_stores_the_re_encoded_png(
    engine: Engine, shop: SellerSetup, tmp_path: Path, bomb: Path
) -> None:
    from oms.cli.main import app

    logo = tmp_path / "logo.png"
    logo.write_bytes(png((600, 200)))
    runner = CliRunner()
    ok = runner.invoke(app, ["sellers", "set", f"branding.logo=@{logo}", "--seller", "alpen"])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(app, ["sellers", "set", f"branding.logo=@{bomb}", "--seller", "alpen"])
    assert refused.exit_code == 2 and "too large" in refused.output
    with transaction(engine) as session:
        stored = seller_store.get_seller(session, "alpen").branding.logo_png_base64
    assert stored is not None
    with Image.open(io.BytesIO(base64.b64decode(stored))) as image:
        assert image.format == "PNG" and image.size == (600, 200)
