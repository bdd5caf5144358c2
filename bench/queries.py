"""Query benchmark: the latency of every catalogue query (``queries/*.rq``, with the defaults of
their headers) and of every query the linked-data pages and the landing page run
(``web/queries/*.rq``, bound to busy resources of the store) on a built store.

``python -m bench.queries --store PATH [--runs N] [--timeout S] [--only NAME ...]``: each query
runs in a fresh child process that opens the store read-only, once to warm the caches and then
``N`` times; the median and the slowest of the warm runs are reported with the row count. A
query still running after ``--timeout`` seconds is stopped and reported as such (a pyoxigraph
query cannot be interrupted from within). Under ``python -m bench`` the store is
``UNGRAPH_BENCH_QUERY_STORE`` (default: a store built from 1,000 generated documents, as the
build benchmark generates them, under ``{var}/bench/queries/``).

The federated query (SERVICE) is left out: its time is the remote endpoint's.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ungraph.config import load_settings
from ungraph.formats import RESULTS_JSON
from ungraph.store import GraphResult, SelectResult, open_store
from ungraph.web import prepared
from ungraph.web.catalogue import bind_parameters, catalogue
from ungraph.web.pages import INCOMING_PAGE

UNG = "https://w3id.org/ungraph/ontology#"
OA = "http://www.w3.org/ns/oa#"
QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"
RUNS = int(os.environ.get("UNGRAPH_BENCH_QUERY_RUNS", "2" if QUICK else "5"))
TIMEOUT = float(os.environ.get("UNGRAPH_BENCH_QUERY_TIMEOUT", "60" if QUICK else "120"))
GENERATED = 120 if QUICK else 1000


@dataclass(frozen=True)
class Case:
    """One query to time: a name for the table and its text, parameters bound."""

    name: str
    text: str


# What the pages are about: the busiest resource of each kind, so that the figures are the
# pages' worst case on the store, not a lucky one. Each returns one row with ?x.
def _busiest(predicate: str) -> str:
    """The resource with the most incoming ``predicate`` links (one row with ?x)."""
    return f"""SELECT ?x WHERE {{ {{ SELECT ?x (COUNT(*) AS ?n) WHERE {{
        ?a <{predicate}> ?x }} GROUP BY ?x }} }} ORDER BY DESC(?n) ?x LIMIT 1"""


_PICKS = {
    "document": _busiest(f"{OA}hasSource"),
    "person": _busiest(f"{UNG}speaker"),
    "event": _busiest(f"{UNG}addressedTo"),
    "target": _busiest(f"{UNG}addressesTarget"),
    "theme": _busiest(f"{UNG}hasTheme"),
    # Every annotation names its method: the page of a method has the most incoming links.
    "method": _busiest(f"{UNG}method"),
}


def _pick(store: Any, kind: str) -> str | None:
    result = store.query(_PICKS[kind])
    assert isinstance(result, SelectResult)
    rows = list(result)
    return str(rows[0][0]) if rows else None


def _graph_of(store: Any, document: str) -> str | None:
    result = store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ <{document}> a <{UNG}Document> }} }} LIMIT 1"
    )
    assert isinstance(result, SelectResult)
    rows = list(result)
    return str(rows[0][0]) if rows else None


def cases(store_path: str) -> list[Case]:
    """Every catalogue query with its defaults, and every page query bound to the busiest
    resource of the kind its page shows (a page query over a resource kind it does not
    concern is run where the pages run it: resource-* on every page)."""
    settings = load_settings()
    found: list[Case] = []
    for query in catalogue():
        if query.federated:
            continue
        found.append(Case(f"catalogue/{query.name}", bind_parameters(query, {}, settings.base_iri)))
    with open_store(store_path, read_only=True) as store:
        picks = {kind: _pick(store, kind) for kind in _PICKS}
        event = picks["event"]
        series = None
        if event:
            result = store.query(f"SELECT ?s WHERE {{ <{event}> <{UNG}inSeries> ?s }} LIMIT 1")
            assert isinstance(result, SelectResult)
            rows = list(result)
            series = str(rows[0][0]) if rows else None
        graph = _graph_of(store, picks["document"]) if picks["document"] else None
        symbol = None
        if picks["document"]:
            result = store.query(
                f"SELECT ?s WHERE {{ <{picks['document']}> <{UNG}primarySymbol> ?s }} LIMIT 1"
            )
            assert isinstance(result, SelectResult)
            rows = list(result)
            symbol = str(rows[0][0]) if rows else None
    # The fact sheet's default symbol is a corpus document's: ask for the busiest one here too.
    fact_sheet = next((q for q in catalogue() if q.name.startswith("21-")), None)
    if fact_sheet is not None and symbol is not None:
        found.append(
            Case(
                f"catalogue/{fact_sheet.name}@busiest",
                bind_parameters(fact_sheet, {"symbol": symbol}, settings.base_iri),
            )
        )
    from rdflib import URIRef

    def page(name: str, label: str = "", **values: Any) -> None:
        if any(v is None for v in values.values()):
            return
        bound = {k: URIRef(v) if k != "needle" else v for k, v in values.items()}
        text = prepared.bind(prepared.query_text(name), bound)
        if name == "resource-incoming":
            text += f"\nLIMIT {INCOMING_PAGE}"  # its first page, as the page asks for it
        found.append(Case(f"page/{name}{label}", text))

    for path in prepared.query_paths():
        name = path.stem
        if name.startswith("chart-") or name == "search-documents":
            page(name)
        elif name.startswith("document-"):
            page(name, this=picks["document"])
        elif name in {"agent-statements", "person-posts"}:
            page(name, this=picks["person"])
        elif name == "event-documents":
            page(name, this=event)
        elif name == "event-editions":
            page(name, "@event", this=event)
            page(name, "@series", this=series)
        elif name == "concept-documents":
            page(name, "@target", this=picks["target"])
            page(name, "@theme", this=picks["theme"])
        elif name.startswith("graph-"):
            page(name, graph=graph)
        elif name == "search-scan":
            page(name, needle="internet")
        elif name.startswith("resource-"):
            for kind in ("document", "person", "target", "method"):
                page(name, f"@{kind}", this=picks[kind])
        else:
            raise AssertionError(f"no binding for web query {name}: add one to bench/queries.py")
    return found


def _run_once(store: Any, case: Case) -> int:
    """Run ``case`` and read its whole answer as its user would; the number of rows."""
    result = store.query(case.text)
    if case.name.startswith("catalogue/") and isinstance(result, SelectResult):
        # As /sparql and /queries/NAME answer: serialised by the engine (SPARQL JSON).
        sink = io.BytesIO()
        result.write(sink, RESULTS_JSON)
        return len(_bindings(sink.getvalue()))
    if isinstance(result, SelectResult | GraphResult):
        return sum(1 for _ in result)  # as rdflib terms, as the pages read them
    return 1


def _bindings(body: bytes) -> list[Any]:
    return list(json.loads(body)["results"]["bindings"])


def _worker(store_path: str, pipe: Connection) -> None:
    """Run the cases the parent sends, one at a time, answering each run's time."""
    with open_store(store_path, read_only=True) as store:
        pipe.send("ready")
        while True:
            message = pipe.recv()
            if message is None:
                return
            case, runs = message
            for _ in range(runs + 1):
                started = time.perf_counter()
                rows = _run_once(store, case)
                pipe.send((time.perf_counter() - started, rows))


class _Worker:
    """A child process with the store open; replaced when a query runs out of time (a
    pyoxigraph query cannot be interrupted from within)."""

    def __init__(self, store_path: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(target=_worker, args=(store_path, child_end))
        self.process.start()
        child_end.close()
        if not self.pipe.poll(120) or self.pipe.recv() != "ready":
            self.stop()
            raise RuntimeError(f"the query worker could not open {store_path}")

    def stop(self) -> None:
        self.process.kill()
        self.process.join()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.pipe.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.stop()


def _measure(worker: _Worker, case: Case, runs: int, timeout: float) -> dict[str, Any]:
    """Time one query (once to warm up, then ``runs`` times), each run within ``timeout``
    seconds; ``{"timeout": s}`` when a run ran out of time (the worker is then stopped)."""
    worker.pipe.send((case, runs))
    times: list[float] = []
    rows = 0
    for _ in range(runs + 1):
        if not worker.pipe.poll(timeout):
            worker.stop()
            return {"timeout": timeout}
        try:
            took, rows = worker.pipe.recv()
        except EOFError:
            worker.stop()
            return {"error": f"the worker exited with {worker.process.exitcode}"}
        times.append(took)
    warm = times[1:] or times
    return {
        "median_s": round(statistics.median(warm), 4),
        "max_s": round(max(warm), 4),
        "first_s": round(times[0], 4),
        "rows": rows,
    }


def measure_all(
    store_path: str, runs: int, timeout: float, only: list[str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each case's figures (see :func:`_measure`), in the order of :func:`cases`."""
    worker: _Worker | None = None
    try:
        for case in cases(store_path):
            if only and not any(part in case.name for part in only):
                continue
            if worker is None:
                worker = _Worker(store_path)
            result = _measure(worker, case, runs, timeout)
            if "median_s" not in result:
                worker = None  # stopped: the next case gets a fresh one
            yield case.name, result
    finally:
        if worker is not None:
            worker.close()


def _figure(result: dict[str, Any]) -> str:
    if "timeout" in result:
        return f"> {result['timeout']:g} s (stopped)"
    if "error" in result:
        return str(result["error"])
    return f"{result['median_s']:.3f} s (max {result['max_s']:.3f}, {result['rows']} rows)"


def _default_store() -> str:
    from bench.build import generate
    from ungraph.build import BuildOptions, build

    settings = load_settings()
    folder = settings.var / "bench" / "queries"
    store = folder / f"gen-{GENERATED}"
    if not (store / "versions").is_dir():
        documents = generate(settings, GENERATED, folder / f"docs-{GENERATED}.jsonl")
        build(settings, BuildOptions(sources=(str(documents),), store=str(store)))
    return str(store)


def run() -> dict[str, Any]:
    """Entry point of ``python -m bench``."""
    store = os.environ.get("UNGRAPH_BENCH_QUERY_STORE") or _default_store()
    results: dict[str, Any] = {"store": store, "runs": RUNS, "timeout_s": TIMEOUT, "queries": {}}
    for name, result in measure_all(store, RUNS, TIMEOUT):
        print(f"{name:70} {_figure(result)}", flush=True)
        results["queries"][name] = result
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queries", description=__doc__)
    parser.add_argument("--store", required=True, help="a built store's folder")
    parser.add_argument("--runs", type=int, default=RUNS, help="warm runs per query")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per run of a query")
    parser.add_argument("--only", action="append", help="queries whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for name, result in measure_all(args.store, args.runs, args.timeout, args.only):
        print(f"{name:70} {_figure(result)}", flush=True)
        results[name] = result
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
