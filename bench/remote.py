"""Sizing figures for docs/deploy.md: the same generated documents built into the embedded store,
Oxigraph server and Virtuoso (each started on loopback by ``ungraph.engines``): build time, a
rebuild that changes one document, store size on disk, and the latency of a few catalogue
queries through ungraph's ``/sparql`` (Flask's test client, so no HTTP in front of ungraph).

``UNGRAPH_BENCH_REMOTE_DOCUMENTS`` sets the size (1,000; 100 with ``--quick``).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.build import generate
from ungraph.build import BuildOptions, build
from ungraph.config import load_settings
from ungraph.engines import Engine, missing, start
from ungraph.store import open_store
from ungraph.web import create_app
from ungraph.web.catalogue import find

QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"
DOCUMENTS = int(os.environ.get("UNGRAPH_BENCH_REMOTE_DOCUMENTS", "100" if QUICK else "1000"))
# Catalogue queries that finish on 1,000 generated documents in the embedded store (most of the
# others take minutes there), and the two lookups every page makes.
QUERIES = {
    "11-documents-per-year-and-kind": None,
    "14-evidence-passages-for-a-target": None,
    "one-document": "SELECT ?p ?o WHERE { ?d <https://w3id.org/ungraph/ontology#symbol> "
    '"SG/SM/30000" ; ?p ?o }',
    "documents-of-a-year": "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?d WHERE { "
    'GRAPH ?g { ?d dct:date ?date } FILTER(STRSTARTS(STR(?date), "2017")) }',
}
REPEAT = 5


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _build(documents: Path, location: str) -> dict[str, Any]:
    settings = load_settings()
    started = time.perf_counter()
    report = build(settings, BuildOptions(sources=(str(documents),), store=location))
    seconds = time.perf_counter() - started
    assert report.exit_code == 0, report.quarantined[:3]
    return {
        "seconds": round(seconds, 1),
        "documents_per_second": round(report.built / seconds, 1),
        "quads": report.store_quads,
    }


def _rebuild_one(documents: Path, location: str) -> float:
    """Seconds for a build in which one document changed (the others are skipped)."""
    changed = documents.with_name("changed.jsonl")
    lines = documents.read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    first["text"] += "\nWe must bring broadband to every school.\n"
    changed.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", "utf-8")
    settings = load_settings()
    started = time.perf_counter()
    report = build(settings, BuildOptions(sources=(str(changed),), store=location))
    assert report.built == 1 and report.skipped == len(lines) - 1, report.to_json()["documents"]
    return round(time.perf_counter() - started, 2)


def _latencies(location: str) -> dict[str, float]:
    """Median milliseconds of each query through /sparql (after one warm-up run)."""
    workers = 2 if location.startswith("sparql+") else 0
    app = create_app(
        {
            "UNGRAPH_STORE": location,
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_QUERY_WORKERS": workers,
            "UNGRAPH_QUERY_TIMEOUT": 120,
        }
    )
    client = app.test_client()
    found: dict[str, float] = {}
    try:
        for name, text in QUERIES.items():
            if text is None:
                query = find(name)
                assert query is not None, name
                text = query.text
            url = f"/sparql?query={quote(text, safe='')}"
            headers = {"Accept": "application/sparql-results+json"}
            assert client.get(url, headers=headers).status_code == 200
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            found[name] = round(statistics.median(times) * 1000, 1)
    finally:
        app.extensions["ungraph"].close()
    return found


def _engine_size(engine: Engine) -> int:
    if engine.name == "virtuoso":
        assert engine.admin is not None
        address, password = engine.admin
        # Written pages only: a checkpoint first, then the database file without its growth.
        subprocess.run(
            ["isql-vt", address, "dba", password, "exec=checkpoint;"],
            capture_output=True,
            check=False,
            timeout=300,
        )
        return (engine.folder / "virtuoso.db").stat().st_size
    return _size(engine.folder / "data")


def run() -> dict[str, Any]:
    settings = load_settings()
    work = Path(tempfile.mkdtemp(prefix="ungraph-bench-remote-"))
    try:
        documents = generate(settings, DOCUMENTS, work / "documents.jsonl")
        results: dict[str, Any] = {"documents": DOCUMENTS, "stores": {}}
        embedded = str(work / "embedded")
        figures = _build(documents, embedded)
        with open_store(embedded, read_only=True) as store:
            version = store.version
        figures["bytes"] = _size(Path(embedded) / "versions" / str(version))
        figures["rebuild_one_seconds"] = _rebuild_one(documents, embedded)
        figures["query_ms"] = _latencies(embedded)
        results["stores"]["embedded"] = figures
        for name in ("oxigraph", "virtuoso"):
            reason = missing(name)
            if reason:
                results["stores"][name] = {"skipped": reason}
                continue
            engine = start(name, work / name)
            try:
                with engine.credentials():
                    figures = _build(documents, engine.location)
                    figures["rebuild_one_seconds"] = _rebuild_one(documents, engine.location)
                    figures["query_ms"] = _latencies(engine.location)
                    figures["bytes"] = _engine_size(engine)
                results["stores"][name] = figures
            finally:
                engine.stop()
        for figures in results["stores"].values():
            if "bytes" in figures:
                figures["mib_per_1000_documents"] = round(
                    figures["bytes"] / (1 << 20) * 1000 / DOCUMENTS, 1
                )
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
