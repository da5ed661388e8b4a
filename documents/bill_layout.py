"""The QR-bill as our renderer draws it fastest: qrbill's own layout, split in two.

WeasyPrint lays out SVG `<text>` far more slowly than HTML text (≈ 35 texts made
up most of an invoice's render time). So the bill's texts become absolutely
positioned HTML spans at exactly qrbill's coordinates (baseline-aligned), and the
rest — lines, scissors, corner marks, Swiss cross, the QR code as a pixel-exact
PNG — stays one small SVG image underneath. Same layout, same font family
(Liberation Sans, metric-compatible with Arial), a fraction of the cost.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_SVG = "{http://www.w3.org/2000/svg}"
_WIDTH_MM = 210.0
_BASELINE = 0.3465  # em below the top of a zero-height line box: (ascent - descent) / 2, Arial


@dataclass(frozen=True)
class BillText:
    style: str  # position and size, made here from numbers only
    text: str  # data: escaped by the template like every other value


@dataclass(frozen=True)
class BillParts:
    graphics_uri: str  # data:image/svg+xml of everything but the texts
    texts: list[BillText]


_Line = tuple[float, float, float, bool, bool, str]


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Consecutive lines of one block (same x, size, weight, anchor, evenly spaced)."""
    blocks: list[list[_Line]] = []
    for line in lines:
        last = blocks[-1] if blocks else None
        if last and last[-1][0] == line[0] and last[-1][2:5] == line[2:5]:
            step = line[1] - last[-1][1]
            first_step = last[1][1] - last[0][1] if len(last) > 1 else step
            if 0 < step <= 1.6 * line[2] and abs(step - first_step) < 0.01:
                last.append(line)
                continue
        blocks.append([line])
    return blocks


def _block(lines: list[_Line], unit: float) -> BillText:
    """One absolutely positioned span whose first baseline sits where qrbill put it."""
    x, y, size, bold, end, _ = lines[0]
    step = lines[1][1] - y if len(lines) > 1 else size
    top = (y - step / 2 - _BASELINE * size) * unit
    where = f"right:{_WIDTH_MM - x * unit:.2f}mm" if end else f"left:{x * unit:.2f}mm"
    weight = "font-weight:bold;" if bold else ""
    style = (
        f"{where};top:{top:.2f}mm;font-size:{size * unit:.3f}mm;"
        f"line-height:{step * unit:.3f}mm;{weight}"
    )
    return BillText(style=style, text="\n".join(line[5] for line in lines))


def split_bill(svg: str) -> BillParts:
    """qrbill's 210 x 106 mm SVG -> its graphics (an SVG data URI) and its texts."""
    root = ET.fromstring(svg.split("?>", 1)[-1])
    view_width = float(root.get("viewBox", "0 0 744.09447 0").split()[2])
    unit = _WIDTH_MM / view_width  # mm per SVG unit
    raw: list[tuple[float, float, float, bool, bool, str]] = []  # x, y, size, bold, end, text
    for parent in list(root.iter()):
        for node in list(parent):
            if node.tag != f"{_SVG}text":
                continue
            raw.append(
                (
                    float(node.get("x", 0)),
                    float(node.get("y", 0)),
                    float(node.get("font-size", 10)),
                    node.get("font-weight") == "bold",
                    node.get("text-anchor") == "end",
                    " ".join("".join(node.itertext()).split()),
                )
            )
            parent.remove(node)
    texts = [_block(lines, unit) for lines in _blocks(raw)]
    # The white background goes too: the HTML box is white, and the spans lie above it.
    for node in list(root):
        if node.tag == f"{_SVG}rect" and node.get("width") == "100%":
            root.remove(node)
    ET.register_namespace("", _SVG[1:-1])
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    graphics = ET.tostring(root, encoding="unicode")
    uri = "data:image/svg+xml;base64," + base64.b64encode(graphics.encode()).decode("ascii")
    return BillParts(graphics_uri=uri, texts=texts)
