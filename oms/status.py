"""The order status machine: one explicit table decides every change.

The same table governs a seller's action, an automation and a change that
arrives from the sales channel.
"""

from __future__ import annotations

from enum import StrEnum

from oms.errors import ErrorCode, OmsError


class OrderStatus(StrEnum):
    OPEN = "open"  # arrived from the channel; the seller has not accepted it yet
    CONFIRMED = "confirmed"  # accepted: will be packed; documents exist; tracking may be added
    SHIPPED = "shipped"  # handed to the carrier
    DELIVERED = "delivered"  # the buyer has it; nothing more happens
    CANCELLED = "cancelled"  # will not be fulfilled (by the seller, the buyer or the channel)


class Action(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    TRACK = "track"  # add or change tracking; the status stays confirmed
    SHIP = "ship"
    DELIVER = "deliver"


class Actor(StrEnum):
    SELLER = "seller"
    AUTOMATION = "automation"
    CHANNEL = "channel"
    SYSTEM = "system"


S = OrderStatus
A = Action

# (action, from status) -> to status. Anything not listed is forbidden.
TRANSITIONS: dict[tuple[Action, OrderStatus], OrderStatus] = {
    (A.CONFIRM, S.OPEN): S.CONFIRMED,
    (A.CANCEL, S.OPEN): S.CANCELLED,
    (A.CANCEL, S.CONFIRMED): S.CANCELLED,
    (A.TRACK, S.CONFIRMED): S.CONFIRMED,
    (A.SHIP, S.CONFIRMED): S.SHIPPED,
    (A.DELIVER, S.SHIPPED): S.DELIVERED,
}


class IllegalTransition(OmsError):
    """An action that the status machine forbids for an order in its status."""

    def __init__(self, order_number: str, status: OrderStatus, action: Action) -> None:
        super().__init__(
            ErrorCode.ILLEGAL_TRANSITION,
            f"order {order_number} is {status.value}: cannot {action.value} it",
        )
        self.order_number = order_number
        self.status = status
        self.action = action


def sources(action: Action) -> tuple[OrderStatus, ...]:
    """The statuses an order may be in for `action` to apply."""
    return tuple(src for (act, src) in TRANSITIONS if act is action)


def target(action: Action, status: OrderStatus, order_number: str = "?") -> OrderStatus:
    """The status after `action`, or IllegalTransition."""
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        raise IllegalTransition(order_number, status, action) from None


def allowed(action: Action, status: OrderStatus) -> bool:
    return (action, status) in TRANSITIONS


def refusal_reason(action: Action, status: OrderStatus) -> str:
    """Why `action` does not apply to an order in `status` (for bulk reports)."""
    return f"is {status.value}: cannot {action.value} it"


def path(start: OrderStatus, goal: OrderStatus) -> list[Action]:
    """The shortest list of actions that takes an order from `start` to `goal`.

    Used when a channel reports a status several steps ahead (an order shipped
    on the platform while it is still open here). Empty when start == goal;
    IllegalTransition-free: raises ValueError when `goal` cannot be reached.
    """
    if start is goal:
        return []
    frontier: list[tuple[OrderStatus, list[Action]]] = [(start, [])]
    seen = {start}
    while frontier:
        status, actions = frontier.pop(0)
        for (act, src), dst in TRANSITIONS.items():
            if src is status and dst not in seen:
                if dst is goal:
                    return [*actions, act]
                seen.add(dst)
                frontier.append((dst, [*actions, act]))
    raise ValueError(f"no path from {start.value} to {goal.value}")
