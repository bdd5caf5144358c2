"""Entry point of ``make bench``: runs each registered benchmark into bench/results/NAME.json.

``python -m bench [--quick] [--only NAME ...] [--results DIR]``: ``--quick`` sets
``UNGRAPH_BENCH_QUICK=1`` (small workloads, for CI smoke runs) before the benchmarks load.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
from pathlib import Path

# name -> module with a ``run() -> dict`` function.
BENCHMARKS = {
    "store": "bench.store",
    "registry": "bench.registry",
    "sources": "bench.sources",
    "extract": "bench.extract",
    "search": "bench.search",
    "build": "bench.build",
    "ungd": "bench.ungd",
    "remote": "bench.remote",
    "serving": "bench.serving",
    "queries": "bench.queries",
}
RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small workloads (CI smoke run)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run these")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for NAME.json")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["UNGRAPH_BENCH_QUICK"] = "1"
    args.results.mkdir(parents=True, exist_ok=True)
    for name, module_name in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        results = importlib.import_module(module_name).run()
        (args.results / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        print(f"{name}: {json.dumps(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
