"""Reading normalized order JSON (one order or a list), item by item."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oms.errors import InvalidInput
from oms.model import NormalizedOrder


@dataclass
class ParsedFile:
    orders: list[NormalizedOrder] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "orders[3].buyer.name: reason"


def explain(exc: ValidationError, where: str) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}.{loc}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def parse_orders(data: Any, label: str = "order") -> ParsedFile:
    items = data if isinstance(data, list) else [data]
    parsed = ParsedFile()
    for i, item in enumerate(items):
        where = label if not isinstance(data, list) else f"{label}[{i}]"
        try:
            parsed.orders.append(NormalizedOrder.model_validate(item))
        except ValidationError as exc:
            parsed.problems.append(explain(exc, where))
    return parsed


def read_orders_file(path: Path) -> ParsedFile:
    """Every order of the file that is valid, and a line for each one that is not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read it ({exc})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, (dict, list)):
        raise InvalidInput(f"{path}: expected an order object or a list of orders")
    return parse_orders(data, label=path.name)
