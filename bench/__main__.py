"""`make bench`: run every bench/*.py, then print one table and write var/bench/results.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import OUT

HERE = Path(__file__).parent


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    names = sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in ("__main__", "__init__", "common", "channels_common")
    )
    only = sys.argv[1:]
    failed = []
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== bench/{name}.py", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False).returncode:
            failed.append(name)
    results = []
    for path in sorted(OUT.glob("*.json")):
        if path.name == "results.json":
            continue
        data = json.loads(path.read_text())
        results += [{"bench": data["bench"], **f} for f in data.get("figures", [])]
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = Table("bench", "figure", "value", "baseline", "ratio", "goal")
    for r in results:
        base = f"{r['baseline']:,.1f} ({r['baseline_name']})" if r.get("baseline") else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        goal = f"{r['goal']} {'✓' if r.get('met') else '✗'}" if r.get("goal") else ""
        table.add_row(r["bench"], r["name"], f"{r['value']:,.1f} {r['unit']}", base, ratio, goal)
    Console(width=160).print(table)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
