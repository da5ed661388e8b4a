"""Buyer emails: 1,000 emails with a 50 KB PDF attached, sent to a local SMTP server
(aiosmtpd on 127.0.0.1) over one reused connection, against one connection per
email in the same run. Goal: reused >= 5x per-email, and >= 200 emails/s.
Also shown: our side's and the server's CPU per email, rendering alone (templates, MIME
tree and SMTP bytes), and render + send per email (the whole of our side, in one loop).

    python -m bench.emails [--emails 1000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from adapters.mail.render import Attachment, render
from adapters.mail.smtp import SmtpSender
from bench.common import Figure, stopwatch, write
from oms.model import Address, Buyer, Order, OrderLine, Payment, PaymentMethod, Tracking
from oms.seller import Seller, SellerProfile
from oms.status import OrderStatus


class Counter:
    def __init__(self) -> None:
        self.received = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def serve(port: int) -> None:
    """The SMTP server, in its own process like a real one: counts what it gets; answers
    the number of emails received on each line read from stdin; stops at EOF."""
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for _ in sys.stdin:
        sys.stdout.write(f"{counter.received}\n")
        sys.stdout.flush()
    controller.stop()


def start_server(port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.emails", "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def received(proc: subprocess.Popen[str]) -> int:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("count\n")
    proc.stdin.flush()
    return int(proc.stdout.readline())


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def orders(n: int) -> list[Order]:
    address = Address(
        name="A", street="Seestrasse 5", postal_code="8002", city="Zürich", country="CH"
    )
    line = OrderLine(
        name="Alpine tea",
        quantity=2,
        unit_price=Decimal("12.50"),
        vat_rate=Decimal("2.6"),
        total=Decimal("25.00"),
    )
    return [
        Order(
            id=i,
            seller_id=1,
            connection_id=1,
            connection_name="shop",
            channel_kind="webshop",
            platform="shopify",
            channel_order_id=str(900000 + i),
            order_number=str(1000 + i),
            channel_order_number=str(1000 + i),
            ordered_at=datetime(2026, 11, 20, tzinfo=UTC),
            status=OrderStatus.SHIPPED,
            currency="CHF",
            buyer=Buyer(name=f"Buyer {i}", email=f"buyer{i}@example.ch", language="de"),
            billing_address=address,
            delivery_address=address,
            lines=[line],
            shipping=Decimal("7.00"),
            total=Decimal("32.00"),
            payment=Payment(method=PaymentMethod.PREPAID, paid=True),
            tracking=Tracking(tracking_id=f"99.60.{i}", url=f"https://post.example/{i}"),
            cancel_reason=None,
            version=3,
        )
        for i in range(1, n + 1)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument(
        "--baseline-emails", type=int, default=250, help="emails sent one connection each"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    n = args.emails
    seller = Seller(
        id=1,
        profile=SellerProfile(
            slug="alpen",
            name="Alpen Tee GmbH",
            street="Bahnhofstrasse",
            house_number="12",
            postal_code="8001",
            city="Zürich",
            email="hallo@alpen-tee.example",
        ),
    )
    pdf = b"%PDF-1.7\n" + os.urandom(50 * 1024)
    work = [(o, Attachment(f"R-2026-{o.id:05}", pdf)) for o in orders(n)]
    with stopwatch() as rendering:
        messages: list[EmailMessage] = [render(o, seller, "shipped", a) for o, a in work]
    size = len(messages[0].as_bytes())

    port = free_port()
    server = start_server(port)
    try:

        def sender() -> SmtpSender:
            return SmtpSender("127.0.0.1", port, security="none", timeout=30)

        cpu, server_cpu = time.process_time(), cpu_seconds(server.pid)
        with stopwatch() as reused, sender() as s:
            for m in messages:
                s.send(m)
        client_cpu = time.process_time() - cpu
        server_cpu = cpu_seconds(server.pid) - server_cpu
        connections_reused = s.connections
        after_reused = received(server)
        k = min(n, args.baseline_emails)  # the slow baseline on a sample keeps the run short
        with stopwatch() as per_email:
            for m in messages[:k]:
                with sender() as one:
                    one.send(m)
        total = received(server)
        # The whole of our side per email, as a batch does it: render, then send.
        with stopwatch() as whole, sender() as s:
            for o, a in work:
                s.send(render(o, seller, "shipped", a))
        everything = received(server)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)
    assert (after_reused, total, everything) == (n, n + k, 2 * n + k), (
        f"the server got {after_reused}, {total}, {everything}"
    )

    rate, base = n / reused(), k / per_email()
    ratio = rate / base
    write(
        "emails",
        [
            Figure(
                name=f"{n} emails with a 50 KB PDF, one reused SMTP connection",
                value=rate,
                unit="emails/s",
                baseline=base,
                baseline_name=f"one SMTP connection per email ({k} emails)",
                goal="ratio >= 5 and >= 200 emails/s",
                ratio=ratio,
                met=ratio >= 5 and rate >= 200,
            ),
            Figure(
                name="one reused connection, our side only (client CPU; the rest is the server)",
                value=n / client_cpu,
                unit="emails/s",
            ),
            Figure(
                name="one reused connection, the aiosmtpd server's side only (server CPU)",
                value=n / max(server_cpu, 1e-9),
                unit="emails/s",
            ),
            Figure(
                name="rendering (templates, MIME tree and its SMTP bytes: text + HTML + PDF)",
                value=n / rendering(),
                unit="emails/s",
            ),
            Figure(
                name="render + send each email, one reused connection (the whole of our side)",
                value=n / whole(),
                unit="emails/s",
            ),
        ],
        extra={
            "emails": n,
            "baseline_emails": k,
            "message_bytes": size,
            "connections_in_reused_run": connections_reused,
            "server": "aiosmtpd in its own process on 127.0.0.1",
            "load_average": os.getloadavg(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )


if __name__ == "__main__":
    main()
