"""Which exporter a target name means, built from the settings (the composition root)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.channels.base import ChannelError
from adapters.erp.base import LedgerExporter, PermanentExportError, RetryableExportError
from adapters.erp.bexio import BexioExporter, bexio_client
from adapters.erp.csv_journal import CsvJournalExporter
from adapters.secrets import resolve_secret
from oms.settings import Settings

TARGETS = ("csv", "bexio")


@contextmanager
def open_exporter(target: str, settings: Settings) -> Iterator[LedgerExporter]:
    """The exporter for `target`, with its HTTP client closed at the end."""
    if target == "csv":
        yield CsvJournalExporter(settings.accounting_dir)
        return
    if target != "bexio":
        raise PermanentExportError(
            f"unknown export target {target!r} (known: {', '.join(TARGETS)})"
        )
    if not settings.bexio_token_ref:
        raise PermanentExportError("Bexio: set SALES_SCALER_BEXIO_TOKEN_REF=env:VARIABLE first")
    try:
        token = resolve_secret(settings.bexio_token_ref).get_secret_value()
    except ChannelError as exc:
        raise RetryableExportError(f"Bexio token: {exc}", uncertain=False) from exc
    with bexio_client(settings.bexio_base_url, token) as client:
        yield BexioExporter(client, exchange_rates=settings.bexio_exchange_rates)
