"""Full-text search: the SQLite FTS5 index the site uses against a SPARQL ``CONTAINS`` scan in
Oxigraph, on 10,000 documents of realistic length.

Texts are recombined at run time from paragraphs of the real corpus (read from ``../shared``,
never written into the repository); without the corpus, from a synthetic vocabulary.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ungraph.config import SettingError, load_settings
from ungraph.namespaces import UNG
from ungraph.store import begin_build, open_store
from ungraph.web import prepared
from ungraph.web.search import SearchIndex

BASE = "https://w3id.org/ungraph/"
WORDS = [
    "digital",
    "broadband",
    "internet",
    "access",
    "women",
    "girls",
    "cooperation",
    "governance",
    "connectivity",
    "skills",
    "artificial",
    "intelligence",
    "data",
    "privacy",
    "security",
    "development",
    "sustainable",
    "infrastructure",
    "innovation",
    "inclusion",
    "divide",
    "education",
    "health",
    "climate",
    "finance",
    "youth",
    "rural",
    "network",
]
QUERIES = (
    "broadband",
    "digital divide",
    "artificial intelligence",
    "women",
    "cybersecurity",
    "rural",
)


def paragraphs() -> list[str]:
    """Paragraphs of the corpus's texts, or synthetic ones when the corpus is not there."""
    try:
        corpus = load_settings().require_dir("corpus")
    except SettingError:
        corpus = None
    found: list[str] = []
    if corpus is not None:
        for path in sorted(corpus.glob("*.txt")):
            found.extend(p.strip() for p in path.read_text("utf-8", "replace").split("\n\n"))
    found = [p for p in found if len(p) > 80]
    if len(found) >= 50:
        return found
    rng = random.Random(7)
    return [" ".join(rng.choice(WORDS) for _ in range(60)) + "." for _ in range(400)]


def corpus_graphs(documents: int, seed: int = 11) -> list[Graph]:
    """``documents`` documents of 8–30 paragraphs each, in graphs of 500 documents."""
    rng = random.Random(seed)
    pool = paragraphs()
    graphs: list[Graph] = []
    graph = Graph()
    for n in range(documents):
        doc = URIRef(f"{BASE}id/document/search-{n}")
        text = "\n\n".join(rng.choice(pool) for _ in range(rng.randint(8, 30)))
        graph.add((doc, RDF.type, UNG.Document))
        graph.add((doc, DCTERMS.title, Literal(rng.choice(pool)[:90])))
        graph.add((doc, DCTERMS.date, Literal(f"{2005 + n % 20}-06-01", datatype=XSD.date)))
        graph.add((doc, UNG.text, Literal(text)))
        if len(graph) >= 2000:
            graphs.append(graph)
            graph = Graph()
    if len(graph):
        graphs.append(graph)
    return graphs


def _median_ms(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def run(documents: int = 10_000, scan_repeat: int = 3, index_repeat: int = 50) -> dict[str, Any]:
    graphs = corpus_graphs(documents)
    results: dict[str, Any] = {"documents": documents}
    with tempfile.TemporaryDirectory() as tmp:
        location = str(Path(tmp) / "store")
        with begin_build(location, seed=False) as build:
            for i, graph in enumerate(graphs):
                build.store.replace_graph(f"{BASE}graph/search/{i}", graph)
        with open_store(location, read_only=True) as store:
            text_rows = prepared.select(store, "search-documents")
            results["text_megabytes"] = round(
                sum(len(str(r.get("text", "")).encode()) for r in text_rows) / 1e6, 1
            )
            start = time.perf_counter()
            index = SearchIndex.build(store, Path(tmp) / "search.sqlite")
            results["index_build_seconds"] = round(time.perf_counter() - start, 2)
            results["index_megabytes"] = round(
                (Path(tmp) / "search.sqlite").stat().st_size / 1e6, 1
            )
            per_query: dict[str, dict[str, Any]] = {}
            for q in QUERIES:
                fts = _median_ms(lambda q=q: index.search(q), index_repeat)
                needle = q.lower()
                scan = _median_ms(
                    lambda needle=needle: prepared.select(store, "search-scan", needle=needle),
                    scan_repeat,
                )
                per_query[q] = {
                    "matches": index.search(q).total,
                    "fts5_ms": fts,
                    "sparql_contains_ms": scan,
                }
            index.close()
        results["queries"] = per_query
        results["fts5_median_ms"] = statistics.median(v["fts5_ms"] for v in per_query.values())
        results["sparql_contains_median_ms"] = statistics.median(
            v["sparql_contains_ms"] for v in per_query.values()
        )
        results["speedup"] = round(
            results["sparql_contains_median_ms"] / max(results["fts5_median_ms"], 0.01), 1
        )
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
