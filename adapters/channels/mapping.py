"""Small pure helpers the three mappers share: money, text, dates, languages, countries."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ParamSpec, cast

from pydantic import ValidationError

from adapters.channels.base import MappingError
from oms.model import LANGUAGES, Language, NormalizedOrder

CENT = Decimal("0.01")
P = ParamSpec("P")


def money(value: Any, field: str) -> Decimal:
    """A channel amount (string, or a JSON number on some platforms) as an exact Decimal."""
    if value is None or value == "":
        raise MappingError(f"{field} is missing")
    if isinstance(value, bool):
        raise MappingError(f"{field} is not an amount: {value!r}")
    try:
        # str() of a float gives its shortest repr ("12.3"), so no binary noise creeps in.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{field} is not an amount: {value!r}") from None
    if not amount.is_finite():
        raise MappingError(f"{field} is not a finite amount: {value!r}")
    return amount


def money_or_zero(value: Any, field: str) -> Decimal:
    return Decimal(0) if value in (None, "") else money(value, field)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_percent(value: Any, field: str, fraction: bool = False) -> Decimal:
    """A tax rate in percent; `fraction`: the channel gives 0.081 for 8.1 %."""
    rate = money(value, field)
    if fraction:
        rate *= 100
    return rate.quantize(Decimal("0.001")).normalize() if rate else Decimal(0)


def text(value: Any) -> str:
    """Channel text with HTML entities decoded ("&ndash;" -> "–") and blanks trimmed."""
    if value is None:
        return ""
    return html.unescape(str(value)).strip()


def opt_text(value: Any) -> str | None:
    return text(value) or None


def join_name(*parts: Any) -> str:
    return " ".join(p for p in (text(x) for x in parts) if p)


def timestamp(value: Any, field: str, assume_utc: bool = False) -> datetime:
    """An ISO 8601 timestamp with its offset; `assume_utc` for fields documented as GMT without one."""
    if not value or not isinstance(value, str):
        raise MappingError(f"{field} is missing")
    raw = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise MappingError(f"{field} is not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        if not assume_utc:
            raise MappingError(f"{field} has no UTC offset: {value!r}")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def language(locale: Any, default: Language | None) -> Language | None:
    """The buyer's language from a locale such as "de-CH" / "fr_CH" / "it", else `default`."""
    if isinstance(locale, str) and locale:
        code = locale.strip().replace("_", "-").split("-")[0].lower()
        for known in LANGUAGES:
            if code == known:
                return cast(Language, known)
    return default


def quantity(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise MappingError(f"{field} is not a whole number: {value!r}") from None
    if number != value and str(number) != str(value):
        raise MappingError(f"{field} is not a whole number: {value!r}")
    if number <= 0:
        raise MappingError(f"{field} must be positive, got {value!r}")
    return number


def require_dict(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MappingError(f"{what} is not a JSON object")
    return raw


def build(data: dict[str, Any], what: str) -> NormalizedOrder:
    """Validate the mapped fields; a pydantic error becomes a MappingError naming the field."""
    try:
        return NormalizedOrder.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MappingError(f"{what}: {where}: {first['msg']}") from None


def latest(stamps: Any, assume_utc: bool = False) -> str | None:
    """The newest of some channel timestamps as UTC ISO 8601 (the sync cursor), None if none parse."""
    parsed = []
    for value in stamps:
        try:
            parsed.append(timestamp(value, "updated", assume_utc=assume_utc))
        except MappingError:
            continue
    return max(parsed).astimezone(UTC).isoformat() if parsed else None


def refuses_odd_shapes(mapper: Callable[P, NormalizedOrder]) -> Callable[P, NormalizedOrder]:
    """A mapper whose payload has an unexpected shape (a string where an object belongs, ...)
    raises MappingError like any other unmappable payload, so that it is quarantined."""

    @functools.wraps(mapper)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> NormalizedOrder:
        try:
            return mapper(*args, **kwargs)
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            raise MappingError(
                f"the payload has an unexpected shape ({type(exc).__name__}: {exc})"
            ) from exc

    return wrapper
