"""Document number formats such as `R-{year}-{seq:05}` (the sequence itself lives in the store)."""

from __future__ import annotations

import string

from oms.errors import InvalidInput

_FIELDS = {"year", "seq"}


def check_number_format(fmt: str) -> None:
    """Refuse a format with unknown fields, no `{seq}`, or a spec Python cannot apply."""
    if len(fmt) > 40:
        raise InvalidInput(f"number format {fmt!r}: at most 40 characters")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        raise InvalidInput(f"number format {fmt!r}: {exc}") from exc
    if any(not n.isidentifier() for n in names):
        raise InvalidInput(f"number format {fmt!r}: use plain fields, {{year}} and {{seq:05}}")
    if "seq" not in names:
        raise InvalidInput(
            f"number format {fmt!r}: must contain {{seq}}, e.g. R-{{year}}-{{seq:05}}"
        )
    unknown = names - _FIELDS
    if unknown:
        raise InvalidInput(
            f"number format {fmt!r}: unknown field {sorted(unknown)[0]!r} (use year, seq)"
        )
    try:
        format_number(fmt, 2026, 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"number format {fmt!r}: {exc}") from exc


def format_number(fmt: str, year: int, seq: int) -> str:
    return fmt.format(year=year, seq=seq)
