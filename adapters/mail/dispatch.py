"""Turn a batch of email outbox rows into sent emails and one Outcome per row.

The rules, checked again at send time (the seller may have changed a switch
since the row was written):
- only orders of a webshop connection get an email (marketplaces talk to their
  buyers themselves) — anything else is done without sending, counted as skipped;
- an event the seller switched off meanwhile: done without sending (skipped);
- a missing or malformed buyer address: failed for good with the reason;
- the invoice on the seller's chosen event: fetched (rendered if missing)
  through an InvoiceSource; not there -> retried later, never sent without it;
  except on "cancelled", where only an invoice issued already is attached;
- one sender (one SMTP connection) for the whole batch; 5xx fails the row with
  the server's answer, 4xx retries it, a server that cannot be reached retries
  the row and every row after it in the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import Engine

from adapters.mail.base import MailSender, PermanentMailError, ServerUnavailable, TemporaryMailError
from adapters.mail.render import EVENTS, Attachment, RenderError, address_problem, render
from oms.connection import ChannelKind
from oms.draining import Outcome
from oms.effects import Topic
from oms.model import Order
from oms.seller import Seller
from oms.store import orders as order_store
from oms.store import outbox
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.outbox import OutboxItem


class InvoiceSource(Protocol):
    def __call__(
        self, seller: Seller, order_ids: Sequence[int], render_missing: bool
    ) -> dict[int, Attachment | str]:
        """Per order id: its invoice, or the reason it is not there (yet)."""
        ...


def no_invoices(
    seller: Seller, order_ids: Sequence[int], render_missing: bool
) -> dict[int, Attachment | str]:
    """An InvoiceSource for deployments without documents: every invoice is missing."""
    return {oid: "no documents service configured" for oid in order_ids}


@dataclass
class EmailLog:
    """What a run did, for the run's artifact: counts, and one row per email not sent."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)

    def note(self, result: str, order: str, event: str, detail: str) -> None:
        setattr(self, result, getattr(self, result) + 1)
        if result != "sent":
            self.rows.append({"result": result, "order": order, "event": event, "detail": detail})


@dataclass
class _Planned:
    item: OutboxItem
    order: Order
    seller: Seller
    message: EmailMessage | None = None


class EmailBatch:
    """The drain handler: `drain(engine, Topic.EMAIL, EmailBatch(...))`."""

    def __init__(
        self,
        engine: Engine,
        sender_factory: Callable[[], MailSender],
        invoices: InvoiceSource = no_invoices,
        mail_from: str = "orders@sales-scaler.example",
        retry_after: float | None = None,  # None: the outbox's exponential back-off
        log: EmailLog | None = None,
    ) -> None:
        self.engine = engine
        self.sender_factory = sender_factory
        self.invoices = invoices
        self.mail_from = mail_from
        self.retry_after = retry_after
        self.log = log if log is not None else EmailLog()

    def __call__(self, items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        outcomes: dict[int, Outcome] = {}
        planned: list[_Planned] = []
        for seller_id in sorted({i.seller_id for i in items}):
            mine = [i for i in items if i.seller_id == seller_id]
            planned += self._plan(seller_id, mine, outcomes)
        self._attach_and_render(planned, outcomes)
        self._send([p for p in planned if p.message is not None], outcomes)
        return outcomes

    def _retry(self, error: str) -> Outcome:
        return Outcome.retry(error, retry_after=self.retry_after)

    def _plan(
        self, seller_id: int, items: list[OutboxItem], outcomes: dict[int, Outcome]
    ) -> list[_Planned]:
        with transaction(self.engine) as session:
            seller = seller_store.get_seller_by_id(session, seller_id)
            ids = [i.order_id for i in items if i.order_id is not None]
            orders = {o.id: o for o in order_store.load_orders(session, seller, ids)}
        planned = []
        for item in items:
            order = orders.get(item.order_id or -1)
            if order is None:
                outcomes[item.id] = Outcome.give_up(f"order id {item.order_id} not found")
                self.log.note("failed", str(item.order_id), item.event, "order not found")
                continue
            skip = self._skip_reason(order, seller, item.event)
            problem = address_problem(order.buyer.email)
            if skip:
                outcomes[item.id] = Outcome.done()
                self.log.note("skipped", order.order_number, item.event, skip)
            elif problem:
                outcomes[item.id] = Outcome.give_up(problem)
                self.log.note("failed", order.order_number, item.event, problem)
            else:
                planned.append(_Planned(item, order, seller))
        return planned

    @staticmethod
    def _skip_reason(order: Order, seller: Seller, event: str) -> str | None:
        if order.channel_kind != ChannelKind.WEBSHOP.value:
            return f"{order.channel_kind} order: the channel emails its buyers itself"
        if event not in EVENTS:
            return f"no buyer email for the event {event!r}"
        if not seller.notifications.sends(event):
            return f"the seller switched the {event} email off"
        return None

    def _attach_and_render(self, planned: list[_Planned], outcomes: dict[int, Outcome]) -> None:
        invoices: dict[int, Attachment | str] = {}
        for seller_id in {p.seller.id for p in planned}:
            wanted = [
                p
                for p in planned
                if p.seller.id == seller_id
                and p.item.event == p.seller.notifications.attach_invoice_on
            ]
            if not wanted:
                continue
            seller = wanted[0].seller
            ids = [p.order.id for p in wanted]
            render_missing = wanted[0].item.event != "cancelled"
            try:
                invoices.update(self.invoices(seller, ids, render_missing))
            except Exception as exc:
                invoices.update({i: f"{type(exc).__name__}: {exc}" for i in ids})
        for p in planned:
            attachment: Attachment | None = None
            if p.item.event == p.seller.notifications.attach_invoice_on:
                found = invoices.get(p.order.id, "no answer from the invoice source")
                if isinstance(found, Attachment):
                    attachment = found
                elif p.item.event != "cancelled":  # never send the chosen email without it
                    outcomes[p.item.id] = self._retry(f"invoice not ready: {found}")
                    self.log.note("retried", p.order.order_number, p.item.event, found)
                    continue
            try:
                p.message = render(p.order, p.seller, p.item.event, attachment, self.mail_from)
            except RenderError as exc:
                outcomes[p.item.id] = Outcome.give_up(str(exc))
                self.log.note("failed", p.order.order_number, p.item.event, str(exc))
            except Exception as exc:  # a bug on one order must not hold up the batch
                error = f"rendering failed: {type(exc).__name__}: {exc}"
                outcomes[p.item.id] = self._retry(error)
                self.log.note("retried", p.order.order_number, p.item.event, error)

    @property
    def _threaded_commits(self) -> bool:
        """Not for an in-memory SQLite database: each thread would see a database of its own."""
        url = self.engine.url
        return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))

    def _commit_sent(self, item_id: int) -> None:
        with transaction(self.engine) as session:
            outbox.mark_done(session, Topic.EMAIL, [item_id])

    def _send(self, planned: list[_Planned], outcomes: dict[int, Outcome]) -> None:
        if not planned:
            return
        down: str | None = None
        try:
            sender = self.sender_factory()
        except ServerUnavailable as exc:
            down, sender = str(exc), None
        # Each sent email is committed as done at once, on a second thread while the next
        # email's body goes out; the sender waits for that commit before the final dot of
        # the next email (`before_accept`), so never more than one email is accepted by the
        # server and not yet committed — the same window as committing in line.
        committing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="email-commit")
        pending: list[Future[None]] = []

        def settle() -> None:
            while pending:
                pending.pop().result()  # a failed commit stops the batch, as before

        try:
            for p in planned:
                number, event = p.order.order_number, p.item.event
                if down is None and sender is not None and p.message is not None:
                    try:
                        sender.send(p.message, before_accept=settle)
                    except _CommitError:
                        raise
                    except ServerUnavailable as exc:
                        down = str(exc)  # this row and the rest wait for the server
                    except TemporaryMailError as exc:
                        outcomes[p.item.id] = self._retry(str(exc))
                        self.log.note("retried", number, event, str(exc))
                        continue
                    except PermanentMailError as exc:
                        outcomes[p.item.id] = Outcome.give_up(str(exc))
                        self.log.note("failed", number, event, str(exc))
                        continue
                    except Exception as exc:
                        # Unexpected: record it on this row and go on, so that the rows
                        # sent already are marked done (no second email for them).
                        error = f"{type(exc).__name__}: {exc}"
                        outcomes[p.item.id] = self._retry(error)
                        self.log.note("retried", number, event, error)
                        continue
                    else:
                        settle()  # a no-op unless the sender did not call it
                        if self._threaded_commits:
                            pending.append(committing.submit(self._commit_done, p.item.id))
                        else:
                            self._commit_done(p.item.id)
                        outcomes[p.item.id] = Outcome.done()
                        self.log.note("sent", number, event, "")
                        continue
                outcomes[p.item.id] = self._retry(down or "not sent")
                self.log.note("retried", number, event, down or "not sent")
            settle()
        finally:
            committing.shutdown(wait=True)
            if sender is not None:
                sender.close()

    def _commit_done(self, item_id: int) -> None:
        try:
            self._commit_sent(item_id)
        except Exception as exc:
            raise _CommitError(f"{type(exc).__name__}: {exc}") from exc


class _CommitError(Exception):
    """Marking a sent email done failed: the batch stops (the drain retries its rows)."""
