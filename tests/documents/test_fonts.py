"""The bundled fonts are prepared for fast embedding and still cover what a
QR-bill and an invoice must print."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from documents.font_files import FONTS_DIR, HINTING_TABLES, is_prepared, prepared

FONTS = sorted(FONTS_DIR.glob("*.ttf"))
# The QR-bill character set (implementation guidelines v2.3): Basic Latin, Latin-1
# Supplement, Latin Extended-A, Ș ș Ț ț and €.
QR_BILL_CHARACTERS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x100),
    *range(0x100, 0x180),
    0x218,
    0x219,
    0x21A,
    0x21B,
    0x20AC,
]


def test_there_are_bundled_fonts() -> None:
    assert len(FONTS) == 12


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_every_bundled_font_is_prepared(path: Path) -> None:
    font = TTFont(path)
    assert is_prepared(font), path.name
    assert not any(tag in font for tag in HINTING_TABLES)


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_every_bundled_font_prints_the_qr_bill_character_set(path: Path) -> None:
    cmap = TTFont(path).getBestCmap()
    missing = [f"U+{c:04X}" for c in QR_BILL_CHARACTERS if c not in cmap]
    assert missing == [], path.name


def test_preparing_a_prepared_font_keeps_every_glyph_and_character() -> None:
    path = FONTS_DIR / "LiberationSans-Regular.ttf"
    before = TTFont(path)
    after = TTFont(io.BytesIO(prepared(path.read_bytes())))
    assert after.getGlyphOrder() == before.getGlyphOrder()
    assert after.getBestCmap() == before.getBestCmap()
    assert after["kern"].kernTables[0].kernTable == before["kern"].kernTables[0].kernTable
    assert is_prepared(after)
