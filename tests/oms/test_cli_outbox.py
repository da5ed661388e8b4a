"""`sales-scaler outbox status|dead|revive` through the real CLI (both backends)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from oms import actions
from oms.cli.main import app
from oms.draining import Outcome, drain
from oms.effects import Topic
from oms.store.db import transaction
from oms.store.outbox import OutboxItem
from oms.store.schema import OutboxItemRow
from tests.factories import SellerSetup, add_demo_seller, import_orders, make_order

runner = CliRunner()


def one_dead_channel_push(engine: Engine, shop: SellerSetup) -> int:
    """Three confirmed orders; the channel refuses the push of the second for good."""
    import_orders(engine, shop, [make_order(i) for i in (1, 2, 3)])
    actions.confirm(engine, shop.seller, ["1001", "1002", "1003"])

    def handle(items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        return {
            i.id: Outcome.give_up("422 order 1002 is archived") if n == 1 else Outcome.done()
            for n, i in enumerate(items)
        }

    report = drain(engine, Topic.CHANNEL, handle)
    assert (report.done, report.dead) == (2, 1)
    return report.errors[0][0]


def channel_item(engine: Engine, item_id: int) -> tuple[str, int]:
    with transaction(engine) as s:
        row = s.execute(
            select(OutboxItemRow.state, OutboxItemRow.attempts).where(
                OutboxItemRow.id == item_id, OutboxItemRow.topic == "channel"
            )
        ).one()
    return row[0], row[1]


def test_status_and_dead_show_what_is_parked_and_why(engine: Engine, shop: SellerSetup) -> None:
    dead_id = one_dead_channel_push(engine, shop)
    status = runner.invoke(app, ["outbox", "status", "--seller", "alpen"])
    dead = runner.invoke(app, ["outbox", "dead", "--topic", "channel"])
    none = runner.invoke(app, ["outbox", "dead", "--topic", "email"])
    assert status.exit_code == 0, status.output
    channel_line = next(line for line in status.output.splitlines() if "channel" in line)
    assert [c.strip() for c in channel_line.split("│")[2:5]] == [
        "0",
        "2",
        "1",
    ]  # pending, done, dead
    assert dead.exit_code == 0 and str(dead_id) in dead.output and "1002" in dead.output
    assert "422 order 1002 is archived" in dead.output and "1 dead" in dead.output
    assert none.exit_code == 0 and "no dead side effects" in none.output


def test_revive_puts_dead_items_back_all_or_nothing(engine: Engine, shop: SellerSetup) -> None:
    dead_id = one_dead_channel_push(engine, shop)
    wrong_topic = runner.invoke(app, ["outbox", "revive", "email", str(dead_id)])
    unknown = runner.invoke(app, ["outbox", "revive", "channel", str(dead_id), "999"])
    assert wrong_topic.exit_code == 2 and f"#{dead_id}" in wrong_topic.output
    assert (
        unknown.exit_code == 2
        and "#999" in unknown.output
        and "not a dead channel" in unknown.output
    )
    assert channel_item(engine, dead_id) == ("dead", 1)  # nothing changed
    revived = runner.invoke(app, ["outbox", "revive", "channel", str(dead_id), "--seller", "alpen"])
    assert revived.exit_code == 0 and "1 channel item(s) back" in revived.output, revived.output
    assert channel_item(engine, dead_id) == ("pending", 0)


def test_revive_does_not_touch_another_sellers_items(engine: Engine, shop: SellerSetup) -> None:
    dead_id = one_dead_channel_push(engine, shop)
    add_demo_seller(engine, slug="lac")
    result = runner.invoke(app, ["outbox", "revive", "channel", str(dead_id), "--seller", "lac"])
    assert result.exit_code == 2 and "not a dead channel item of seller" in result.output
    assert channel_item(engine, dead_id) == ("dead", 1)
