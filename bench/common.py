"""What every benchmark shares: timing, and writing var/bench/<name>.json.

A benchmark measures its figure and a baseline in the same run (the machine is
shared and noisy, so ratios are what count) and reports both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

OUT = Path("var/bench")


@dataclass
class Figure:
    name: str  # e.g. "bulk confirm, postgresql"
    value: float
    unit: str  # e.g. "orders/s"
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""  # e.g. "ratio <= 4"
    ratio: float | None = None  # value / baseline, or as the goal defines it
    met: bool | None = None


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def write(bench: str, figures: list[Figure], extra: dict[str, Any] | None = None) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{bench}.json"
    path.write_text(
        json.dumps(
            {"bench": bench, "figures": [asdict(f) for f in figures], **(extra or {})}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    for f in figures:
        base = f" | baseline {f.baseline:,.1f} ({f.baseline_name})" if f.baseline else ""
        ratio = f" | ratio {f.ratio:.2f}" if f.ratio is not None else ""
        goal = f" | goal {f.goal}: {'met' if f.met else 'NOT met'}" if f.goal else ""
        print(f"{bench}: {f.name}: {f.value:,.1f} {f.unit}{base}{ratio}{goal}")
    return path
