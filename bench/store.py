"""Store benchmarks: load, per-document replace, commit, stats, export and query on synthetic data.

Synthetic documents shaped like the mapping's output (a document, speech act, calls, evidence
annotations), so the numbers track what a build of the corpus pays, at a size well beyond it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ungraph.export import ExportOptions, export
from ungraph.namespaces import OA, UNG
from ungraph.stats import collect_stats
from ungraph.store import DocumentRecord, SelectResult, begin_build, open_store, store_document

BASE = "https://w3id.org/ungraph/"


def document_graph(n: int) -> Graph:
    """About 60 triples: one document with a speech act, three calls and annotated links."""
    g = Graph()
    doc = URIRef(f"{BASE}id/document/bench-{n}")
    g.add((doc, RDF.type, UNG.Document))
    g.add((doc, UNG.text, Literal(f"Synthetic document {n}. " * 40)))
    g.add((doc, UNG.speaker, URIRef(f"{BASE}id/person/p{n % 50}")))
    g.add((doc, UNG.addressedTo, URIRef(f"{BASE}id/event/e{n % 30}-2020")))
    for k in range(3):
        call = URIRef(f"{doc}/call/{k}")
        g.add((call, RDF.type, UNG.CallToAction))
        g.add((call, UNG.inDocument, doc))
        g.add((call, UNG.text, Literal(f"Call {k} of document {n}")))
        target = URIRef(f"http://metadata.un.org/sdg/{(n + k) % 17 + 1}.{k + 1}")
        g.add((call, UNG.addressesTarget, target))
        annotation = URIRef(f"{doc}/annotation/{k}")
        g.add((annotation, RDF.type, UNG.EvidenceAnnotation))
        g.add((annotation, OA.hasBody, target))
        g.add((annotation, UNG.evidenceFor, call))
        g.add((annotation, UNG.confidence, Literal("0.8", datatype=XSD.decimal)))
        for j in range(8):
            g.add((annotation, UNG.linkProperty, URIRef(f"{UNG}p{j}")))
    return g


def _timed(action: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = action()
    return value, time.perf_counter() - start


def run(documents: int = 2000) -> dict[str, Any]:
    graphs = [document_graph(n) for n in range(documents)]
    triples = sum(len(g) for g in graphs)
    results: dict[str, Any] = {"documents": documents, "triples": triples}
    with tempfile.TemporaryDirectory() as tmp:
        location = str(Path(tmp) / "store")
        build = begin_build(location, seed=False)

        def write_all() -> None:
            for n, graph in enumerate(graphs):
                record = DocumentRecord(f"bench-{n}", f"{BASE}graph/document/bench-{n}", str(n))
                store_document(build.store, record, graph)

        _, seconds = _timed(write_all)
        results["replace_graph_docs_per_s"] = round(documents / seconds, 1)
        results["replace_graph_triples_per_s"] = round(triples / seconds)
        _, seconds = _timed(build.commit)
        results["commit_s"] = round(seconds, 3)

        # A seeded rebuild that changes nothing but one document: what an incremental build pays.
        def rebuild_one() -> None:
            with begin_build(location, seed=True) as again:
                store_document(
                    again.store,
                    DocumentRecord("bench-0", f"{BASE}graph/document/bench-0", "changed"),
                    graphs[0],
                )

        _, seconds = _timed(rebuild_one)
        results["seeded_rebuild_one_doc_s"] = round(seconds, 3)

        with open_store(location, read_only=True) as store:
            _, seconds = _timed(lambda: collect_stats(store))
            results["stats_s"] = round(seconds, 3)
            query = (
                "PREFIX ung: <https://w3id.org/ungraph/ontology#> "
                "SELECT ?target (COUNT(?call) AS ?n) WHERE { ?call ung:addressesTarget ?target } "
                "GROUP BY ?target ORDER BY DESC(?n)"
            )

            def group_by() -> list[object]:
                answer = store.query(query)
                assert isinstance(answer, SelectResult)
                return list(answer)

            _, seconds = _timed(group_by)
            results["group_by_query_ms"] = round(seconds * 1000, 1)
            out = Path(tmp) / "dumps"
            report, seconds = _timed(lambda: export(store, out, ExportOptions(base_iri=BASE)))
            results["export_s"] = round(seconds, 3)
            results["export_bytes"] = {f.name: f.bytes for f in report.files}

        nquads = Path(tmp) / "dumps" / "ungraph.nq.gz"
        fresh = str(Path(tmp) / "loaded")
        with begin_build(fresh, seed=False) as load_build:
            report_load, seconds = _timed(lambda: load_build.store.load_file(nquads))
        results["load_nquads_gz_quads_per_s"] = round(report_load.quads / seconds)
    return results
