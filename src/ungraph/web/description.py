"""The SPARQL 1.1 Service Description of the endpoint (what ``GET /sparql`` without a query
returns): endpoint, language, result formats, features, the default dataset with VoID triple
counts, and every limit the endpoint enforces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from ungraph.formats import RDF_FORMATS, RESULT_FORMATS
from ungraph.namespaces import UNG, bind_prefixes
from ungraph.store import GraphStore, SelectResult

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")


@dataclass(frozen=True)
class Limit:
    """One limit, as stated in the description: property, config key, datatype and comment."""

    local: str
    key: str
    datatype: URIRef
    label: str
    comment: str


LIMITS: tuple[Limit, ...] = (
    Limit(
        "queryTimeout",
        "UNGRAPH_QUERY_TIMEOUT",
        XSD.decimal,
        "query time limit",
        "Seconds a query may run, streaming its answer included; the query is then stopped "
        "and the answer is 504 (or the stream is cut if it had started).",
    ),
    Limit(
        "maxResultRows",
        "UNGRAPH_MAX_ROWS",
        XSD.integer,
        "row cap",
        "Most SELECT rows or CONSTRUCT/DESCRIBE triples in one answer; beyond it the answer is "
        "422 (or the stream is cut if it had started). Answers are never silently truncated.",
    ),
    Limit(
        "maxResultBytes",
        "UNGRAPH_MAX_RESULT_BYTES",
        XSD.integer,
        "byte cap",
        "Most bytes in one answer, handled like the row cap.",
    ),
    Limit(
        "maxRequestBytes",
        "UNGRAPH_MAX_REQUEST_BYTES",
        XSD.integer,
        "request size limit",
        "Largest request body or query string, in bytes (413 or 414 beyond).",
    ),
    Limit(
        "rateLimit",
        "UNGRAPH_RATE_LIMIT",
        XSD.decimal,
        "rate limit",
        "Requests per second each client may make on average (429 with Retry-After beyond); "
        "0 means no limit.",
    ),
    Limit(
        "rateBurst",
        "UNGRAPH_RATE_BURST",
        XSD.integer,
        "burst size",
        "Requests a client may make at once before the rate limit applies.",
    ),
)


@dataclass(frozen=True)
class DatasetFacts:
    """The default dataset: triples of the default graph (the union) and of each named graph."""

    union_triples: int
    graphs: Mapping[str, int]


_GRAPH_COUNTS = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
_UNION_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


def dataset_facts(store: GraphStore) -> DatasetFacts:
    """Count the triples of every graph (one pass of the store; cached per store version)."""
    graphs: dict[str, int] = {name: 0 for name in store.named_graphs()}
    result = store.query(_GRAPH_COUNTS)
    assert isinstance(result, SelectResult)
    for graph, count in result:
        if graph is not None and count is not None:
            graphs[str(graph)] = int(count.toPython())  # type: ignore[attr-defined]
    union = store.query(_UNION_COUNT)
    assert isinstance(union, SelectResult)
    total = 0
    for (count,) in union:
        total = int(count.toPython()) if count is not None else 0  # type: ignore[attr-defined]
    return DatasetFacts(total, graphs)


def service_description(endpoint: str, config: Mapping[str, Any], facts: DatasetFacts) -> Graph:
    """The description of the endpoint at ``endpoint`` with the limits of ``config``."""
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, DCTERMS.title, Literal("ungraph SPARQL endpoint", lang="en")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        if fmt.iri:
            graph.add((service, SD.resultFormat, URIRef(fmt.iri)))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.EmptyGraphs))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    graph.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only SPARQL 1.1 Query endpoint. The default graph is the union of all named "
                "graphs; default-graph-uri, named-graph-uri, FROM and FROM NAMED restrict the "
                "dataset to graphs of this store (others are refused, nothing is ever fetched). "
                "SERVICE and updates are refused.",
                lang="en",
            ),
        )
    )
    for limit in LIMITS:
        prop = UNG[limit.local]
        graph.add((service, prop, Literal(config[limit.key], datatype=limit.datatype)))
        graph.add((prop, RDFS.label, Literal(limit.label, lang="en")))
        graph.add((prop, RDFS.comment, Literal(limit.comment, lang="en")))

    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(facts.union_triples)))
    graph.add((default, RDFS.comment, Literal("The union of all graphs of the store.", lang="en")))
    for n, (name, triples) in enumerate(sorted(facts.graphs.items())):
        named = BNode(f"named{n}")
        described = BNode(f"graph{n}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples)))
    return graph
