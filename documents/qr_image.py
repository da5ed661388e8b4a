"""The QR code of a QR-bill as a pixel-exact PNG inside qrbill's SVG.

qrbill draws the code as one SVG path of ~1,000 squares, which WeasyPrint then
parses in Python on every render. Here qrbill's `qr_image` is replaced: the code
is made by the same library with the same settings (error correction M, no
border, best mask), its modules are kept, and qrbill gets a one-square stand-in
whose place in the SVG is then taken by a 1-bit PNG, one pixel per module,
drawn without interpolation. Same picture, a fraction of the cost; the tests
decode the printed code to prove it.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from typing import Any

_STAND_IN = re.compile(r'<path d="M0,0H(\d+)V\1H0z" style="[^"]*" (transform="[^"]*") />')


class _Modules:
    """What qrbill needs of a qrcode image: `width` (in modules) and `save` (an SVG path)."""

    def __init__(self, size: int) -> None:
        self.width = size

    def save(self, stream: io.BytesIO) -> None:
        stream.write(f'<svg><path d="M0,0H{self.width}V{self.width}H0z" /></svg>'.encode())


@lru_cache(maxsize=1)
def bill_class() -> type[Any]:
    """qrbill's QRBill, keeping the QR code's modules instead of drawing them."""
    import qrcode  # type: ignore[import-untyped]  # (a dependency of qrbill, untyped)
    from qrbill import QRBill

    class ModulesQRBill(QRBill):  # type: ignore[misc]
        matrix: list[list[bool]] = []

        def qr_image(self) -> _Modules:
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
            code.add_data(self.qr_data())
            code.make(fit=True)
            self.matrix = code.get_matrix()
            return _Modules(len(self.matrix))

    return ModulesQRBill


def png_of(matrix: list[list[bool]]) -> str:
    """The modules as a base64 1-bit PNG, one pixel per module (dark = black)."""
    from PIL import Image

    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (size, size), pixels).convert("1")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def with_qr_image(svg: str, matrix: list[list[bool]]) -> str:
    """qrbill's SVG with the stand-in square replaced by the QR code's PNG."""

    def image(match: re.Match[str]) -> str:
        size = match.group(1)
        if int(size) != len(matrix):
            raise ValueError("the QR code's stand-in does not match its modules")
        return (
            f'<image x="0" y="0" width="{size}" height="{size}" image-rendering="pixelated" '
            f'preserveAspectRatio="none" xlink:href="data:image/png;base64,{png_of(matrix)}" '
            f"{match.group(2)} />"
        )

    result, count = _STAND_IN.subn(image, svg, count=1)
    if count != 1:
        raise ValueError("qrbill's SVG changed: the QR code's place was not found")
    return result
