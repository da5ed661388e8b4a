"""Bexio (API v3): each booking as one manual compound entry, over HTTP with a bearer token.

    POST /3.0/accounting/manual_entries   {"type": "manual_compound_entry", "date",
        "reference_nr": <voucher>, "entries": [{"debit_account_id" | "credit_account_id",
        "amount", "description", "currency_id", "currency_factor"}, ...]}
    GET  /3.0/accounting/manual_entries   (limit / offset) to find an entry by reference_nr
    GET  /2.0/accounts, /3.0/currencies   Bexio's ids for our account numbers and currencies

VAT is posted as its own lines (the figures of the invoice), so no `tax_id` is sent:
Bexio would otherwise split VAT off the gross amounts a second time.

Never twice: after an answer that may hide a stored entry (5xx, a connection dropped
after sending, a timeout) the next attempt first looks for the voucher in Bexio and
keeps that entry's id instead of posting again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx

from adapters.erp.base import PermanentExportError, RateLimited, RetryableExportError
from oms.accounting import Booking, ExportOutcome
from oms.store.accounting_exports import ExportItem

ENTRIES = "/3.0/accounting/manual_entries"
PAGE = 2000


def bexio_client(base_url: str, token: str, timeout: float = 30.0) -> httpx.Client:
    """One keep-alive client for a Bexio company; the token never leaves the header."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=timeout,
    )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


class BexioExporter:
    """Posts bookings as manual compound entries; looks before posting when in doubt."""

    target = "bexio"

    def __init__(
        self,
        client: httpx.Client,
        exchange_rates: Mapping[str, Decimal] | None = None,
        base_currency: str = "CHF",
        max_tries: int = 4,
        max_sleep: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.exchange_rates = dict(exchange_rates or {})
        self.base_currency = base_currency
        self.max_tries = max_tries
        self.max_sleep = max_sleep
        self.sleep = sleep
        self._accounts: dict[str, int] | None = None
        self._currencies: dict[str, int] | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RetryableExportError(f"bexio unreachable: {exc}", uncertain=False) from exc
        except httpx.TransportError as exc:  # sent, but no (whole) answer
            raise RetryableExportError(f"bexio: {type(exc).__name__}", uncertain=True) from exc
        status = response.status_code
        if status == 429:
            raise RateLimited("bexio: 429 too many requests", False, _retry_after(response))
        if status >= 500:
            raise RetryableExportError(f"bexio: {status} on {method} {path}", uncertain=True)
        if status in (401, 403):
            raise PermanentExportError(f"bexio refused the token ({status})")
        if status >= 400:
            raise PermanentExportError(f"bexio: {status} on {method} {path}: {response.text[:300]}")
        return response.json()

    def _lookups(self) -> tuple[dict[str, int], dict[str, int]]:
        if self._accounts is None or self._currencies is None:
            accounts = self._call("GET", "/2.0/accounts")
            currencies = self._call("GET", "/3.0/currencies")
            self._accounts = {str(a["account_no"]): int(a["id"]) for a in accounts}
            self._currencies = {str(c["name"]): int(c["id"]) for c in currencies}
        return self._accounts, self._currencies

    def entry_body(self, booking: Booking) -> dict[str, Any]:
        """The manual compound entry for one booking (raises PermanentExportError)."""
        accounts, currencies = self._lookups()
        if booking.currency not in currencies:
            raise PermanentExportError(f"currency {booking.currency} is not set up in Bexio")
        factor = (
            Decimal(1)
            if booking.currency == self.base_currency
            else self.exchange_rates.get(booking.currency)
        )
        if factor is None:
            raise PermanentExportError(
                f"no exchange rate {booking.currency}->{self.base_currency} "
                "(SALES_SCALER_BEXIO_EXCHANGE_RATES)"
            )
        entries = []
        for li in booking.lines:
            if li.account not in accounts:
                raise PermanentExportError(f"account {li.account} is not in Bexio's chart")
            side = "debit_account_id" if li.debit else "credit_account_id"
            code = f" [{li.vat_code}]" if li.vat_code else ""
            entries.append(
                {
                    side: accounts[li.account],
                    "amount": float(li.debit or li.credit),  # cents: exact as a JSON number
                    "description": f"{li.text}{code}"[:255],
                    "currency_id": currencies[booking.currency],
                    "currency_factor": float(factor),
                }
            )
        return {
            "type": "manual_compound_entry",
            "date": booking.booked_on.isoformat(),
            "reference_nr": booking.voucher[:80],
            "entries": entries,
        }

    def find(self, voucher: str) -> str | None:
        """The id of the entry with this reference number, if Bexio has one."""
        offset = 0
        while True:
            page = self._call("GET", ENTRIES, params={"limit": PAGE, "offset": offset})
            for entry in page:
                if entry.get("reference_nr") == voucher[:80]:
                    return str(entry["id"])
            if len(page) < PAGE:
                return None
            offset += PAGE

    def _deliver(self, item: ExportItem) -> ExportOutcome:
        uncertain = item.uncertain
        for attempt in range(1, self.max_tries + 1):
            try:
                body = self.entry_body(item.stored.booking)
                if uncertain and (found := self.find(item.stored.booking.voucher)):
                    return ExportOutcome.exported(found)
                return ExportOutcome.exported(str(self._call("POST", ENTRIES, json=body)["id"]))
            except PermanentExportError as exc:
                return ExportOutcome.give_up(str(exc))
            except RetryableExportError as exc:
                uncertain = uncertain or exc.uncertain
                wait = exc.retry_after if exc.retry_after is not None else 0.2 * 2**attempt
                if attempt == self.max_tries or wait > self.max_sleep:
                    return ExportOutcome.retry(str(exc), uncertain, exc.retry_after)
                self.sleep(wait)
        raise AssertionError("unreachable")

    def export(self, batch: str, items: Sequence[ExportItem]) -> dict[int, ExportOutcome]:
        try:
            self._lookups()  # a refused token or an unreachable Bexio stops the batch here
        except PermanentExportError as exc:
            return {i.stored.id: ExportOutcome.give_up(str(exc)) for i in items}
        except RetryableExportError as exc:
            return {
                i.stored.id: ExportOutcome.retry(str(exc), i.uncertain, exc.retry_after)
                for i in items
            }
        return {item.stored.id: self._deliver(item) for item in items}
