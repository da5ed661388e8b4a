"""The console in a real browser: headless Chromium (Debian's package) drives the
one-click work of a seller against the app served by uvicorn on 127.0.0.1.

Sign in with an API key, tick orders and confirm them, add tracking to each,
ship them, print their invoices as one PDF; a screenshot of the orders page is
kept in test-artifacts/.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from pypdf import PdfReader
from sqlalchemy import Engine

from api.app import create_app
from oms.store import api_keys
from oms.store.db import transaction
from tests.factories import add_demo_seller, import_orders, make_order

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_url(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served by uvicorn in a thread."""
    from oms.settings import get_settings

    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_seller_confirms_tracks_ships_and_prints_invoices_in_the_browser(
    engine: Engine, live_url: str
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package")
    from playwright.sync_api import Route, sync_playwright

    setup = add_demo_seller(engine, "alpen")
    import_orders(engine, setup, [make_order(i) for i in range(1, 13)])
    with transaction(engine) as session:
        _, key = api_keys.create_key(session, setup.seller, "browser")
    wanted = ["1003", "1004", "1005"]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(locale="de-CH", viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.goto(f"{live_url}/console/orders")
        page.get_by_label("API-Schlüssel").fill(key)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/console/orders")

        for number in wanted:
            page.get_by_label(f"Bestellung auswählen {number}").check()
        page.get_by_role("button", name="Bestätigen").click()
        page.wait_for_load_state()
        assert "3 Bestellungen geändert" in page.locator(".flash").inner_text()

        page.get_by_role("link", name="bestätigt").first.click()
        page.wait_for_load_state()
        page.get_by_label("Alle auswählen").check()
        page.get_by_role("button", name="Sendungsnummer erfassen").click()
        page.wait_for_load_state()
        for number in wanted:
            page.get_by_label(f"Sendungsnummer {number}").fill(f"99.00.{number}")
            page.get_by_label(f"Transporteur {number}").fill("Post CH")
        page.get_by_role("button", name="Sendungsnummern speichern").click()
        page.wait_for_load_state()
        assert "3 Bestellungen geändert" in page.locator(".flash").inner_text()

        page.get_by_label("Alle auswählen").check()
        page.get_by_role("button", name="Versenden").click()
        page.wait_for_load_state()
        assert "3 Bestellungen geändert" in page.locator(".flash").inner_text()

        page.goto(f"{live_url}/console/orders?status=shipped")
        page.get_by_label("Alle auswählen").check()
        printed: list[bytes] = []

        def keep_the_pdf(route: Route) -> None:
            # Chromium shows a PDF in its viewer; keep the bytes the browser was sent.
            answer = route.fetch()
            assert answer.headers["content-type"] == "application/pdf"
            printed.append(answer.body())
            route.fulfill(response=answer)

        context.route("**/console/print", keep_the_pdf)
        with context.expect_page() as popup:
            page.get_by_role("button", name="Rechnungen drucken").click()
        popup.value.wait_for_load_state()
        deadline = time.monotonic() + 60
        while not printed and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert printed, "no PDF came back"
        pdf = printed[0]

        page.goto(f"{live_url}/console/orders")
        for number in ("1006", "1007"):
            page.get_by_label(f"Bestellung auswählen {number}").check()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-orders.png"), full_page=True)
        browser.close()

    text = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    invoices = [n for n in wanted if any(n in page_text for page_text in text)]
    assert invoices == wanted
    assert len(text) >= len(wanted)
