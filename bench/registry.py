"""Registry benchmarks: loading the vocabularies, scanning text with the gazetteers, and
building the shared graphs.

The text is the corpus (read by path, never copied), repeated to about 1 MB, so the scanning
figure says how many documents of UN-release size the extractors can scan per second.
"""

from __future__ import annotations

import time
from typing import Any

from ungraph.config import load_settings
from ungraph.iris import Minter
from ungraph.registry import Registry
from ungraph.resources import data_dir
from ungraph.vocab import vocabulary_graphs

TARGET_BYTES = 1_000_000


def run() -> dict[str, Any]:
    settings = load_settings()
    tsv = settings.require_file("reference", "wikidata_ids.tsv")

    started = time.perf_counter()
    registry = Registry.from_files(data_dir("vocab"), tsv)
    load_seconds = time.perf_counter() - started

    texts = [p.read_text(encoding="utf-8") for p in sorted(settings.corpus_dir.glob("*.txt"))]
    sample = "\n".join(texts)
    copies = max(1, TARGET_BYTES // max(1, len(sample)))
    mentions = 0
    started = time.perf_counter()
    for _ in range(copies):
        for text in texts:
            for find in (
                registry.find_countries, registry.find_people, registry.find_organizations,
                registry.find_places, registry.find_series, registry.find_posts,
            ):  # fmt: skip
                mentions += len(find(text))
    scan_seconds = time.perf_counter() - started
    scanned = copies * sum(len(t) for t in texts)

    started = time.perf_counter()
    graphs = vocabulary_graphs(settings, Minter(settings.base_iri))
    graph_seconds = time.perf_counter() - started
    return {
        "registry_load_seconds": round(load_seconds, 3),
        "scan_characters": scanned,
        "scan_documents": copies * len(texts),
        "scan_seconds": round(scan_seconds, 3),
        "scan_characters_per_second": round(scanned / scan_seconds),
        "scan_documents_per_second": round(copies * len(texts) / scan_seconds, 1),
        "mentions": mentions,
        "vocabulary_graphs_seconds": round(graph_seconds, 3),
        "triples": {name: len(graph) for name, graph in graphs.items()},
    }
