"""Our error tree. Every error a person can see carries a stable code.

OmsError(code, message)
├── NotFound            an order, seller, channel... that does not exist for this seller
├── InvalidInput        bad data typed or imported: names the field and the reason
├── IllegalTransition   (oms.status) the status machine forbids the action
└── Conflict            the thing exists already / was changed concurrently
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    ILLEGAL_TRANSITION = "illegal_transition"
    CONFLICT = "conflict"
    INVALID_VAT_NUMBER = "invalid_vat_number"
    INVALID_IBAN = "invalid_iban"
    UNAUTHORIZED = "unauthorized"


class OmsError(Exception):
    """Base of every error we raise on purpose; `str()` is the one line a person reads."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(OmsError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(ErrorCode.NOT_FOUND, f"{what} {key} not found")


class InvalidInput(OmsError):
    def __init__(self, message: str, code: ErrorCode = ErrorCode.INVALID_INPUT) -> None:
        super().__init__(code, message)


class Conflict(OmsError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.CONFLICT, message)
