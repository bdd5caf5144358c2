"""Entry point of ``make bench``: runs each registered benchmark into bench/results/NAME.json."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

# name -> module with a ``run() -> dict`` function.
BENCHMARKS = {
    "store": "bench.store",
    "registry": "bench.registry",
    "sources": "bench.sources",
    "extract": "bench.extract",
    "search": "bench.search",
}
RESULTS = Path(__file__).parent / "results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    for name, module_name in BENCHMARKS.items():
        results = importlib.import_module(module_name).run()
        (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        print(f"{name}: {json.dumps(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
