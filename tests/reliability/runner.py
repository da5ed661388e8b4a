"""Run one flow once in this process: `python -m tests.reliability.runner NAME '{"seller": ...}'`.

The crash tests start this and kill -9 it at random moments; everything it needs
comes from the environment (database, Prefect API, mail, documents, ERP settings).
"""

from __future__ import annotations

import json
import sys

from deployments.catalog import catalog, load_flow


def main() -> int:
    name = sys.argv[1]
    params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    spec = {s.name: s for s in catalog()}[name]
    flow = load_flow(spec)
    if flow is None:
        sys.stderr.write(f"flow {name} is not available\n")
        return 3
    flow(**params)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
