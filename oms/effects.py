"""Which side effects each change causes. The store writes them as outbox rows
in the same transaction as the change; flows drain them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oms.status import Action, Actor


class Topic(StrEnum):
    CHANNEL = "channel"  # push the change to the sales channel
    EMAIL = "email"  # email the buyer (webshop orders only)
    DOCUMENTS = "documents"  # render the delivery note and the invoice
    ACCOUNTING = "accounting"  # book it in the seller's ledger


class Event(StrEnum):
    """What happened to the order; the name every outbox consumer switches on."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    TRACKING = "tracking"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PAID = "paid"
    INVOICE_ISSUED = "invoice_issued"  # written by the documents flow with the invoice row


EVENT_OF_ACTION: dict[Action, Event] = {
    Action.CONFIRM: Event.CONFIRMED,
    Action.CANCEL: Event.CANCELLED,
    Action.TRACK: Event.TRACKING,
    Action.SHIP: Event.SHIPPED,
    Action.DELIVER: Event.DELIVERED,
}

# The topics an action writes to, before the per-order conditions below.
_TOPICS: dict[Event, tuple[Topic, ...]] = {
    Event.CONFIRMED: (Topic.CHANNEL, Topic.EMAIL, Topic.DOCUMENTS, Topic.ACCOUNTING),
    Event.CANCELLED: (Topic.CHANNEL, Topic.EMAIL, Topic.ACCOUNTING),
    Event.TRACKING: (Topic.CHANNEL,),
    Event.SHIPPED: (Topic.CHANNEL, Topic.EMAIL),
    Event.DELIVERED: (Topic.CHANNEL, Topic.EMAIL),
    Event.PAID: (Topic.ACCOUNTING,),
}


@dataclass(frozen=True)
class EffectRule:
    """One outbox row per matching order.

    webshop_only: only orders of a `webshop` connection (buyer emails).
    prepaid_paid_only: only orders paid in advance (the payment booking at confirmation).
    """

    topic: Topic
    event: Event
    webshop_only: bool = False
    prepaid_paid_only: bool = False


def effects(event: Event, actor: Actor, email_enabled: bool) -> list[EffectRule]:
    """The outbox rules for `event` done by `actor`, given the seller's email switch."""
    rules: list[EffectRule] = []
    for topic in _TOPICS.get(event, ()):
        if topic is Topic.CHANNEL and actor is Actor.CHANNEL:
            continue  # the channel told us; echoing it back would be noise at best
        if topic is Topic.EMAIL:
            if email_enabled:
                rules.append(EffectRule(topic, event, webshop_only=True))
            continue
        if topic is Topic.ACCOUNTING and event is Event.CONFIRMED:
            rules.append(EffectRule(topic, Event.PAID, prepaid_paid_only=True))
            continue
        rules.append(EffectRule(topic, event))
    return rules
