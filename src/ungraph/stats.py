"""What the graph holds: counts of documents, people, events, calls, annotations and links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef

from ungraph.namespaces import PREFIXES
from ungraph.resources import sparql_query
from ungraph.store.base import GraphStore, SelectResult, StoreError


@dataclass(frozen=True)
class Stats:
    """Counts of one store. ``entities`` and ``links`` keep the order of the stats queries."""

    entities: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    graphs: int = 0
    version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "triples": self.triples,
            "graphs": self.graphs,
            "entities": dict(self.entities),
            "links": dict(self.links),
        }


def compact(iri: str) -> str:
    """``prefix:local`` for an IRI under a known namespace, else the IRI.

    >>> compact("https://w3id.org/ungraph/ontology#speaker")
    'ung:speaker'
    >>> compact("http://example.org/x")
    'http://example.org/x'
    """
    best = ""
    found = iri
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best, found = namespace, f"{prefix}:{local}"
    return found


def _select(store: GraphStore, name: str) -> SelectResult:
    result = store.query(sparql_query(name))
    if not isinstance(result, SelectResult):
        raise StoreError(f"internal query {name}.rq is not a SELECT query")
    return result


def _int(term: object) -> int:
    if not isinstance(term, Literal):
        raise StoreError(f"expected a count, got {term!r}")
    return int(term.toPython())


def collect_stats(store: GraphStore) -> Stats:
    """Count what ``store`` holds, by sending the queries in ``ungraph/sparql/stats-*.rq`` to
    the store's own engine (never through rdflib's SPARQL engine)."""
    entities: dict[str, int] = {}
    counts = _select(store, "stats-counts")
    for kind, count in counts:
        entities[str(kind)] = _int(count)
    links: dict[str, int] = {}
    result = _select(store, "stats-links")
    for link, count in result:
        assert isinstance(link, URIRef)
        links[compact(str(link))] = _int(count)
    return Stats(
        entities=entities,
        links=links,
        triples=store.count(),
        graphs=len(store.named_graphs()),
        version=getattr(store, "version", None),
    )
