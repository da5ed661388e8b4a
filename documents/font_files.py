"""The bundled TTF fonts, prepared once for the renderer: `python -m documents.font_files`.

WeasyPrint subsets every font it embeds, on every render; with fontTools (Debian
has no HarfBuzz-Subset unless `libharfbuzz-subset0` is installed) that cost ~20 ms
per font face, mostly spent reading tables the PDF never gets. So the files we
ship carry none of them:
- no hinting (`fpgm`, `prep`, `cvt `, glyph instructions): WeasyPrint strips it
  from the embedded subset anyway (`hinting=False`, its default);
- no OpenType layout tables (`GSUB`, `GPOS`, `GDEF`) where they only repeat the
  legacy `kern` table (Liberation: GPOS has just `kern`, GSUB nothing we use):
  HarfBuzz then kerns from `kern` (same pairs and amounts, the PDF only
  writes the offsets differently: a few anti-aliased pixels differ at 300 dpi);
- no FontForge timestamp table (`FFTM`).
Every glyph, every character and every name stays. DejaVu keeps its layout
tables (mark positioning, ligatures). The originals are in git history
(Liberation 1.07.4, GPLv2 with the font exception; DejaVu 2.37, Bitstream Vera terms).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]  # (weasyprint's, untyped)
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from documents.fetcher import ASSETS

FONTS_DIR = ASSETS / "fonts"
HINTING_TABLES = ("fpgm", "prep", "cvt ")
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")


def _features(font: TTFont, tag: str) -> set[str]:
    if tag not in font:
        return set()
    features = font[tag].table.FeatureList
    return {record.FeatureTag for record in features.FeatureRecord} if features else set()


def layout_only_repeats_kern(font: TTFont) -> bool:
    """GPOS holds nothing but kerning that the `kern` table has too, and GSUB nothing
    our languages use (`locl` is for Romanian, Dutch, …)."""
    return (
        "kern" in font
        and _features(font, "GPOS") <= {"kern"}
        and _features(font, "GSUB") <= {"locl"}
    )


def prepared(data: bytes) -> bytes:
    """The font without hinting (and without layout tables that only repeat `kern`)."""
    font = TTFont(io.BytesIO(data))
    options = subset.Options(
        hinting=False,
        legacy_kern=True,
        layout_features=["*"],
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        notdef_glyph=True,
        notdef_outline=True,
        glyph_names=True,
        recalc_timestamp=False,
        drop_tables=[*subset.Options().drop_tables, "FFTM"],
    )
    if layout_only_repeats_kern(font):
        options.drop_tables += list(LAYOUT_TABLES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder(), unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def is_prepared(font: TTFont) -> bool:
    """What the renderer relies on for speed (checked by the tests)."""
    if any(tag in font for tag in (*HINTING_TABLES, "FFTM")):
        return False
    return not (layout_only_repeats_kern(font) and any(tag in font for tag in LAYOUT_TABLES))


def main(paths: list[str]) -> None:
    for path in [Path(p) for p in paths] or sorted(FONTS_DIR.glob("*.ttf")):
        before = path.read_bytes()
        path.write_bytes(prepared(before))
        sys.stdout.write(f"{path.name}: {len(before):,} -> {path.stat().st_size:,} bytes\n")


if __name__ == "__main__":
    main(sys.argv[1:])
