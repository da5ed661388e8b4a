"""What the demo steps share: where things go, the engine, the sellers, the summary."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from oms.seller import Seller

DEMO_DIR = Path("var/demo")


@dataclass
class DemoContext:
    engine: Engine
    database_url: str
    out: Path = DEMO_DIR
    console: Console = field(default_factory=lambda: Console(highlight=False, width=120))
    sellers: dict[str, Seller] = field(default_factory=dict)  # slug -> seller
    # Started servers and the like; closed in reverse order when the demo ends.
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    summary: dict[str, Any] = field(default_factory=dict)

    def step(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")

    def write_summary(self) -> Path:
        path = self.out / "summary.json"
        path.write_text(json.dumps(self.summary, indent=2, default=str) + "\n", encoding="utf-8")
        return path
