"""`sales-scaler outbox status|dead|revive`: the side effects waiting, done and parked.

Every change writes its side effects (channel push, buyer email, documents, accounting)
to the outbox; flows drain them. An item that kept failing is parked as dead with its
last error. Operations look here, fix the cause, and put the items back in the queue.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from oms.cli.common import SellerOption, console, engine, fail, handle_errors, resolve_seller
from oms.effects import Topic
from oms.store import outbox
from oms.store import sellers as seller_store
from oms.store.db import transaction

app = typer.Typer(
    help="The outbox: side effects waiting, done, and parked as dead.", no_args_is_help=True
)

STATES = (outbox.PENDING, outbox.DONE, outbox.DEAD)
TopicOption = Annotated[
    Topic | None, typer.Option("--topic", help="Only this consumer", case_sensitive=False)
]


def _seller_id(slug: str | None) -> int | None:
    """The seller named by --seller, or None for every seller (read-only views)."""
    if not slug:
        return None
    with transaction(engine()) as session:
        return seller_store.get_seller(session, slug).id


@app.command("status")
@handle_errors
def status(seller: SellerOption = None) -> None:
    """Side effects per consumer and state (every seller unless --seller)."""
    with transaction(engine()) as session:
        counts = outbox.counts(session, _seller_id(seller))
    table = Table("consumer", *STATES, title=f"outbox of {seller or 'every seller'}")
    for topic in Topic:
        table.add_row(topic.value, *(str(counts.get((topic.value, s), 0)) for s in STATES))
    console.print(table)


@app.command("dead")
@handle_errors
def dead(
    seller: SellerOption = None,
    topic: TopicOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 100,
) -> None:
    """The side effects parked as dead, with their last error (every seller unless --seller)."""
    with transaction(engine()) as session:
        items = outbox.dead_items(session, _seller_id(seller), topic, limit)
    if not items:
        console.print("no dead side effects")
        return
    table = Table("id", "consumer", "event", "order", "attempts", "since", "last error")
    for i in items:
        table.add_row(
            str(i.id),
            i.topic,
            i.event,
            i.order_number or "-",
            str(i.attempts),
            f"{i.created_at:%Y-%m-%d %H:%M}",
            (i.last_error or "")[:200],
        )
    console.print(table)
    console.print(f"{len(items)} dead; put them back with `sales-scaler outbox revive TOPIC ID…`")


@app.command("revive")
@handle_errors
def revive(
    topic: Annotated[Topic, typer.Argument(help="The consumer", case_sensitive=False)],
    ids: Annotated[list[int], typer.Argument(help="Outbox ids, as `outbox dead` lists them")],
    seller: SellerOption = None,
) -> None:
    """Put dead side effects of one consumer back in the queue, after the cause is fixed.
    All or nothing: an id that is not a dead item of this seller and consumer changes nothing."""
    s = resolve_seller(seller)
    wanted = list(dict.fromkeys(ids))
    with transaction(engine()) as session:
        dead_ids = outbox.dead_among(session, topic, wanted, seller_id=s.id)
        missing = [i for i in wanted if i not in dead_ids]
        if missing:
            listed = ", ".join(f"#{i}" for i in missing[:10])
            raise fail(f"outbox {listed}: not a dead {topic.value} item of seller {s.slug}")
        count = outbox.revive(session, topic, wanted, seller_id=s.id)
    console.print(f"{count} {topic.value} item(s) back in the queue; the next drain tries them")
