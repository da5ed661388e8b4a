"""Export claims: concurrent workers share the bookings, never take one twice; failures back off."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from adapters.erp.export import export_batch
from oms import actions
from oms.accounting import ExportOutcome
from oms.store import accounting_exports as exports
from oms.store.accounting_exports import ExportItem
from oms.store.db import transaction
from tests.accounting.conftest import book_all
from tests.conftest import unique_engine
from tests.factories import SellerSetup, import_orders, make_order


def prepaid_orders(engine: Engine, shop: SellerSetup, n: int) -> None:
    import_orders(engine, shop, [make_order(i) for i in range(1, n + 1)])
    actions.confirm(engine, shop.seller, [str(1000 + i) for i in range(1, n + 1)])
    assert book_all(engine).done == n  # one payment booking each


def test_two_workers_claiming_at_once_take_different_bookings(
    engine: Engine, shop: SellerSetup
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: claims cannot overlap there")
    prepaid_orders(engine, shop, 6)
    with transaction(engine) as session:  # queued by an earlier run
        exports.queue_new(session, shop.seller.id, "bexio")
    other = unique_engine(engine.url.render_as_string(hide_password=False))
    try:
        with transaction(engine) as first:
            mine = exports.claim(first, shop.seller.id, "bexio", 4, "bexio-alpen")
            with transaction(other) as second:  # while the first still holds its rows
                theirs = exports.claim(second, shop.seller.id, "bexio", 4, "bexio-alpen")
    finally:
        other.dispose()
    assert len(mine) == 4 and len(theirs) == 2
    assert not {i.stored.id for i in mine} & {i.stored.id for i in theirs}


class FlakyLedger:
    """A target that fails every booking once (maybe stored), then takes them."""

    target = "bexio"

    def __init__(self) -> None:
        self.seen: dict[int, list[bool]] = {}

    def export(self, batch: str, items: list[ExportItem]) -> dict[int, ExportOutcome]:
        out = {}
        for item in items:
            self.seen.setdefault(item.stored.id, []).append(item.uncertain)
            first = len(self.seen[item.stored.id]) == 1
            out[item.stored.id] = (
                ExportOutcome.retry("503", uncertain=True, retry_after=0)
                if first
                else ExportOutcome.exported(f"remote-{item.stored.id}")
            )
        return out


def test_a_failed_export_comes_back_marked_uncertain_and_is_done_after(
    engine: Engine, shop: SellerSetup
) -> None:
    prepaid_orders(engine, shop, 2)
    ledger = FlakyLedger()
    _, first = export_batch(engine, shop.seller, ledger)
    _, second = export_batch(engine, shop.seller, ledger)
    assert first == {"done": 0, "retried": 2, "dead": 0}
    assert second == {"done": 2, "retried": 0, "dead": 0}
    assert all(flags == [False, True] for flags in ledger.seen.values())
    assert export_batch(engine, shop.seller, ledger) == (None, {})
    with transaction(engine) as session:
        assert exports.state_counts(session, shop.seller.id, "bexio") == {"done": 2}
