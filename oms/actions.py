"""The seller actions: confirm, cancel, track, ship, deliver, mark paid.

Each takes one order number or many. A batch of orders is one transaction that
writes the new states, their audit rows and their outbox rows together; every
order the action is not allowed for is reported with the reason and left as it
was. Orders are looked up within one seller only: another seller's order is
"not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, true
from sqlalchemy.orm import Session

from oms.effects import EVENT_OF_ACTION, Event, effects
from oms.errors import ErrorCode, InvalidInput, NotFound, OmsError
from oms.model import Tracking
from oms.seller import Seller
from oms.settings import default_bulk_batch
from oms.status import Action, Actor, OrderStatus, refusal_reason, sources, target
from oms.store import changes
from oms.store.db import transaction
from oms.store.lookups import custom_plans, one_of
from oms.store.schema import OrderRow

MAX_REASON = 512
BATCH = 5_000  # orders per transaction of track / ship (one executemany each)


@dataclass(frozen=True)
class Refusal:
    order_number: str
    reason: str
    code: ErrorCode = ErrorCode.ILLEGAL_TRANSITION

    def __str__(self) -> str:
        return f"order {self.order_number}: {self.reason}"


@dataclass
class BulkResult:
    """What a bulk action did: the orders changed and each refused order with its reason."""

    applied: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    count: int = 0  # orders changed; also set when orders were selected by status

    def raise_for_single(self) -> None:
        """For a one-order call: turn its refusal into the matching error."""
        if self.refused:
            first = self.refused[0]
            if first.code is ErrorCode.NOT_FOUND:
                raise NotFound("order", first.order_number)
            raise OmsError(first.code, str(first).replace(": ", " ", 1))


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _unique(numbers: Sequence[str]) -> list[str]:
    unique = dict.fromkeys(map(str.strip, numbers))
    unique.pop("", None)
    return list(unique)


def steps_for(
    seller: Seller,
    action: Action,
    actor: Actor,
    details: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> list[changes.Step]:
    """One step per status the action may start from, with the outbox rules it causes."""
    event = EVENT_OF_ACTION[action]
    rules = effects(event, actor, seller.notifications.sends(event.value))
    return [
        changes.Step(
            seller_id=seller.id,
            kind=action.value,
            actor=actor.value,
            src=src,
            dst=target(action, src),
            rules=rules,
            details=details or {},
            values=values or {},
        )
        for src in sources(action)
    ]


def paid_steps(seller: Seller, actor: Actor) -> list[changes.Step]:
    rules = effects(Event.PAID, actor, email_enabled=False)
    return [
        changes.Step(
            seller_id=seller.id,
            kind="paid",
            actor=actor.value,
            src=status,
            dst=status,
            rules=rules,
            values={"paid": True},
            extra_where=(OrderRow.__table__.c.paid != true(),),
        )
        for status in OrderStatus
        if status is not OrderStatus.CANCELLED
    ]


def _why_refused(
    session: Session, seller: Seller, numbers: Sequence[str], action: str
) -> list[Refusal]:
    if not numbers:
        return []
    custom_plans(session)
    rows = session.scalars(
        select(OrderRow).where(
            OrderRow.seller_id == seller.id, one_of(session, OrderRow.order_number, numbers)
        )
    )
    found = {r.order_number: r for r in rows}
    refusals = []
    for n in numbers:
        row = found.get(n)
        if row is None:
            refusals.append(Refusal(n, "not found", ErrorCode.NOT_FOUND))
        elif action == "paid":
            why = "is paid already" if row.paid else "is cancelled: cannot mark it paid"
            refusals.append(Refusal(n, why, ErrorCode.INVALID_INPUT))
        else:
            refusals.append(Refusal(n, refusal_reason(Action(action), OrderStatus(row.status))))
    return refusals


def _batch(engine: Engine) -> int:
    return default_bulk_batch(engine.dialect.name)


def _run(
    engine: Engine, seller: Seller, steps: list[changes.Step], numbers: Sequence[str], kind: str
) -> BulkResult:
    wanted = _unique(numbers)
    result = BulkResult()
    for chunk in _chunks(wanted, _batch(engine)):
        with transaction(engine) as session:
            applied: list[str] = []
            for step in steps:
                applied += changes.apply_to_numbers(session, step, chunk)
            if len(applied) == len(chunk):  # every order changed (each by one step only)
                result.applied += chunk
                continue
            done = set(applied)
            result.refused += _why_refused(
                session, seller, [n for n in chunk if n not in done], kind
            )
            result.applied += [n for n in chunk if n in done]
    result.count = len(result.applied)
    return result


def confirm(
    engine: Engine, seller: Seller, numbers: Sequence[str], actor: Actor = Actor.SELLER
) -> BulkResult:
    """Accept open orders: documents, buyer email, channel acceptance and payment booking follow."""
    return _run(engine, seller, steps_for(seller, Action.CONFIRM, actor), numbers, "confirm")


def cancel(
    engine: Engine,
    seller: Seller,
    numbers: Sequence[str],
    reason: str,
    actor: Actor = Actor.SELLER,
) -> BulkResult:
    """Cancel open or confirmed orders, with a reason the buyer and the channel see."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("cancel: a reason is required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"cancel: the reason is longer than {MAX_REASON} characters")
    steps = steps_for(
        seller, Action.CANCEL, actor, details={"reason": reason}, values={"cancel_reason": reason}
    )
    return _run(engine, seller, steps, numbers, "cancel")


def deliver(
    engine: Engine, seller: Seller, numbers: Sequence[str], actor: Actor = Actor.SELLER
) -> BulkResult:
    """Mark shipped orders delivered."""
    return _run(engine, seller, steps_for(seller, Action.DELIVER, actor), numbers, "deliver")


def mark_paid(
    engine: Engine, seller: Seller, numbers: Sequence[str], actor: Actor = Actor.SELLER
) -> BulkResult:
    """Record the buyer's payment (of an invoice order); books it in accounting."""
    return _run(engine, seller, paid_steps(seller, actor), numbers, "paid")


def _tracking_values(tracking: Tracking) -> dict[str, Any]:
    return {
        "tracking_id": tracking.tracking_id,
        "tracking_url": tracking.url,
        "carrier": tracking.carrier,
    }


def _run_per_order(
    engine: Engine,
    seller: Seller,
    action: Action,
    actor: Actor,
    items: Sequence[tuple[str, Tracking | None]],
) -> BulkResult:
    by_number = {n.strip(): t for n, t in items if n.strip()}
    wanted = list(by_number)
    result = BulkResult()
    (step,) = steps_for(seller, action, actor)
    for chunk in _chunks(wanted, BATCH):
        with transaction(engine) as session:
            with_values = [
                {"order_number": n, **_tracking_values(t), "details": _tracking_values(t)}
                for n in chunk
                if (t := by_number[n]) is not None
            ]
            plain = [n for n in chunk if by_number[n] is None]
            done = set(changes.apply_per_order(session, step, with_values))
            done |= set(changes.apply_to_numbers(session, step, plain))
            result.refused += _why_refused(
                session, seller, [n for n in chunk if n not in done], action.value
            )
            result.applied += [n for n in chunk if n in done]
    result.count = len(result.applied)
    return result


def track(
    engine: Engine,
    seller: Seller,
    items: Sequence[tuple[str, Tracking]],
    actor: Actor = Actor.SELLER,
) -> BulkResult:
    """Add or change the tracking of confirmed orders (before they ship)."""
    return _run_per_order(engine, seller, Action.TRACK, actor, list(items))


def ship(
    engine: Engine,
    seller: Seller,
    items: Sequence[tuple[str, Tracking | None]],
    actor: Actor = Actor.SELLER,
) -> BulkResult:
    """Ship confirmed orders, optionally setting their tracking at the same time."""
    return _run_per_order(engine, seller, Action.SHIP, actor, list(items))


def advance_all(
    engine: Engine,
    seller: Seller,
    action: Action,
    actor: Actor = Actor.AUTOMATION,
    batch_size: int | None = None,
    max_orders: int | None = None,
) -> BulkResult:
    """Apply `action` to every order of `seller` it is allowed for (the automations).

    Batch by batch, one transaction each; safe when several runs overlap.
    """
    result = BulkResult()
    batch_size = batch_size or _batch(engine)
    for step in steps_for(seller, action, actor):
        while max_orders is None or result.count < max_orders:
            limit = batch_size if max_orders is None else min(batch_size, max_orders - result.count)
            with transaction(engine) as session:
                changed = changes.apply_to_status(session, step, limit)
            result.count += changed
            if changed == 0:
                break
    return result
