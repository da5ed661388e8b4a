"""Run the demo: `make demo` (or `python -m demo`). Safe to run twice: it starts afresh."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from demo import accounting, automations, channels, core, documents, emails
from demo.context import DEMO_DIR, DemoContext
from oms.store.db import engine_for
from oms.store.migrate import upgrade

Step = Callable[[DemoContext], None]

# The demo in order. Each package adds its own steps here.
STEPS: list[Step] = [
    core.create_sellers,
    core.import_orders,
    channels.start_channels,
    channels.ingest_channels,
    core.walk_orders,
    channels.act_on_channel_orders,
    automations.run_automations,
    channels.push_back,
    documents.render_documents,
    emails.send_emails,
    core.show_orders,
    accounting.export_journal,
    core.summarise,
]


def main() -> None:
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    url = f"sqlite:///{DEMO_DIR / 'sales-scaler.db'}"
    os.environ["SALES_SCALER_DATABASE_URL"] = url
    os.environ.setdefault("SALES_SCALER_DOCUMENTS_DIR", str(DEMO_DIR / "documents"))
    upgrade(url)
    ctx = DemoContext(engine=engine_for(url), database_url=url)
    with ctx.stack:
        for step in STEPS:
            step(ctx)


if __name__ == "__main__":
    main()
