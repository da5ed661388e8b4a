"""The port every ledger target (ERP) implements, and the errors an adapter may raise.

    ExportError                     anything that went wrong handing bookings to a ledger
    ├── RetryableExportError        try again later: timeouts, dropped connections, 429, 5xx
    │   │                           (.uncertain: the request may have been stored)
    │   └── RateLimited             429 with the Retry-After the ledger asked for
    └── PermanentExportError        retrying will not help: 400, 401, 403, 404, 422,
                                    an account or currency the ledger does not know

Adapters translate httpx / OS errors into this tree with `raise ... from exc`, and
answer one `oms.accounting.ExportOutcome` per booking; they never book twice:
an item marked uncertain is looked up by its voucher before it is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oms.accounting import ExportOutcome
from oms.store.accounting_exports import ExportItem


class ExportError(Exception):
    pass


class RetryableExportError(ExportError):
    def __init__(self, message: str, uncertain: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.uncertain = uncertain
        self.retry_after = retry_after


class RateLimited(RetryableExportError):
    pass


class PermanentExportError(ExportError):
    pass


class LedgerExporter(Protocol):
    """Hands a batch of bookings to one ledger target."""

    target: str  # "csv", "bexio": the name the export state is kept under

    def export(self, batch: str, items: Sequence[ExportItem]) -> dict[int, ExportOutcome]:
        """Deliver each booking at most once; one outcome per booking id."""
        ...
