"""A seller's logo: checked, size-capped, pixel-capped, scaled and re-encoded as PNG.

Only the re-encoded PNG is stored (base64 in `branding.logo_png_base64`), so
whatever the seller uploaded — metadata, odd chunks, a decompression bomb —
never reaches the renderer. `sales-scaler sellers set branding.logo=@logo.png`
goes through `logo_setting` below.
"""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path

from oms.errors import InvalidInput

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_SOURCE_PIXELS = 16_000_000  # checked from the header, before decoding
MAX_SIZE = (1200, 400)  # what is kept: plenty for 60 x 20 mm at 500 dpi
MAX_STORED_BASE64 = 700_000  # oms.seller.Branding.logo_png_base64


def normalize_logo(data: bytes) -> bytes:
    """The logo as a fresh PNG of at most 1200 x 400 pixels, or InvalidInput with the reason."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"logo: {len(data):,} bytes, at most {MAX_FILE_BYTES:,}")
    try:
        with warnings.catch_warnings():
            # Our own cap below is stricter than Pillow's bomb warning, and says why.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size  # the header only; nothing decoded yet
                kind = probe.format
    except Image.DecompressionBombError:
        raise InvalidInput("logo: far too many pixels (a decompression bomb?)") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(f"logo: not an image Sales Scaler can read ({exc})") from None
    if kind not in ("PNG", "JPEG", "GIF", "WEBP"):
        raise InvalidInput(f"logo: {kind} is not supported (use PNG or JPEG)")
    if width * height > MAX_SOURCE_PIXELS:
        raise InvalidInput(
            f"logo: {width} x {height} pixels is too large "
            f"(at most {MAX_SOURCE_PIXELS:,} pixels, e.g. 4000 x 4000)"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"logo: the image is damaged ({exc})") from None
    converted.thumbnail(MAX_SIZE)
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    if len(base64.b64encode(png)) > MAX_STORED_BASE64:
        raise InvalidInput("logo: still too large after scaling; use a simpler image")
    return png


def logo_setting(value: object) -> tuple[str, str | None]:
    """`branding.logo=@path.png` -> ("logo_png_base64", base64 PNG); empty / null removes it."""
    if value in (None, ""):
        return "logo_png_base64", None
    if not isinstance(value, str) or not value.startswith("@"):
        raise InvalidInput("branding.logo: give a file as @path/to/logo.png (or empty to remove)")
    path = Path(value[1:]).expanduser()
    if not path.is_file():
        raise InvalidInput(f"branding.logo: {path} is not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"logo: {path.stat().st_size:,} bytes, at most {MAX_FILE_BYTES:,}")
    png = normalize_logo(path.read_bytes())
    return "logo_png_base64", base64.b64encode(png).decode("ascii")


def logo_data_uri(logo_png_base64: str | None) -> str | None:
    """A data: URI of a stored logo (already re-encoded when it was saved)."""
    return f"data:image/png;base64,{logo_png_base64}" if logo_png_base64 else None
