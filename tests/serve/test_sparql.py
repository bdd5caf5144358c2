"""The SPARQL endpoint through Flask's test client: protocol, negotiation, dataset, service
description, errors, caps and limits. Queries run in the request thread here (the process pool
has its own tests, against a real server, in test_server.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib.plugins.sparql.processor
from flask import Flask
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID
from rdflib.term import Node

from ungraph.web.description import SD

from .conftest import DOC1_GRAPH, DOC2_GRAPH, REGISTRY, make_app
from .test_app import assert_error

UNG = "https://w3id.org/ungraph/ontology#"
DOCS = f"SELECT ?d WHERE {{ ?d a <{UNG}Document> }} ORDER BY ?d"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def no_rdflib_sparql(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Serving must send query strings to Oxigraph, never through rdflib's SPARQL engine
    (which an oxrdflib graph silently falls back to, 10-30 times slower)."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rdflib's SPARQL engine was called while serving")

    monkeypatch.setattr(rdflib.plugins.sparql.processor, "prepareQuery", forbidden)
    monkeypatch.setattr(rdflib.plugins.sparql.processor.SPARQLProcessor, "query", forbidden)
    monkeypatch.setattr(Graph, "query", forbidden)
    yield


def _graph(data: bytes, fmt: str) -> Graph:
    """Parse an RDF answer: rdflib for triple formats; Oxigraph for the dataset formats, which
    rdflib reads only through its deprecated ConjunctiveGraph."""
    if fmt in ("nquads", "trig", "json-ld"):
        oxfmt = {
            "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG,
            "json-ld": ox.RdfFormat.JSON_LD,
        }[fmt]
        quads = list(ox.parse(data, oxfmt))
        assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        fmt = "nt"
    return Graph().parse(data=data, format=fmt)


def _rows(response: Any) -> list[str]:
    """The ``?d`` column of a SPARQL JSON answer."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    return [b["d"]["value"] for b in body["results"]["bindings"]]


def _boolean(response: Any) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)
    value = json.loads(response.get_data(as_text=True))["boolean"]
    assert isinstance(value, bool)
    return value


DOC1 = "https://w3id.org/ungraph/id/document/doc-1"
DOC2 = "https://w3id.org/ungraph/id/document/doc-2"


# The three ways to send a query ----------------------------------------------------------------


def test_get(client: Any) -> None:
    assert _rows(client.get("/sparql", query_string={"query": DOCS})) == [DOC1, DOC2]


def test_post_form(client: Any) -> None:
    assert _rows(client.post("/sparql", data={"query": DOCS})) == [DOC1, DOC2]


def test_post_direct(client: Any) -> None:
    response = client.post("/sparql", data=DOCS, content_type="application/sparql-query")
    assert _rows(response) == [DOC1, DOC2]


def test_post_direct_with_charset(client: Any) -> None:
    response = client.post(
        "/sparql", data=DOCS.encode(), content_type="application/sparql-query; charset=UTF-8"
    )
    assert _rows(response) == [DOC1, DOC2]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "ASK {}", "content_type": "text/plain"}, 415),
        ({"data": "query=ASK%20%7B%7D"}, 415),
        (
            {
                "data": "ASK {}".encode("utf-16"),
                "content_type": "application/sparql-query; charset=UTF-16",
            },
            415,
        ),
        ({"data": b'ASK { FILTER("\xff") }', "content_type": "application/sparql-query"}, 400),
        ({"data": "query=%FF", "content_type": FORM}, 400),
        ({"data": "query=ASK%20%7B%7D&query=ASK%20%7B%7D", "content_type": FORM}, 400),
        ({"data": "query=", "content_type": FORM}, 400),
        ({"data": "", "content_type": FORM}, 400),
    ],
)
def test_bad_posts(client: Any, kwargs: dict[str, Any], status: int) -> None:
    assert_error(client.post("/sparql", **kwargs), status)


def test_query_in_url_and_body_is_refused(client: Any) -> None:
    response = client.post(
        "/sparql?query=ASK%7B%7D", data="ASK {}", content_type="application/sparql-query"
    )
    assert "both" in assert_error(response, 400)["detail"]


def test_other_methods_are_405(client: Any) -> None:
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)("/sparql?query=ASK%7B%7D")
        assert_error(response, 405)
        assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_syntax_error_is_400_with_the_parser_message(client: Any) -> None:
    error = assert_error(client.get("/sparql", query_string={"query": "SELECT * {"}), 400)
    assert "does not parse" in error["detail"]
    assert "1:11" in error["detail"]


# Read-only ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        "CLEAR ALL",
        "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
        "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
        "drop graph <https://w3id.org/ungraph/graph/registry>",
    ],
)
def test_update_sent_as_query_is_400(client: Any, app: Flask, update: str) -> None:
    error = assert_error(client.get("/sparql", query_string={"query": update}), 400)
    assert "read-only" in error["detail"]
    assert REGISTRY in app.extensions["ungraph"].store.named_graphs()


def test_update_operations_are_403(client: Any) -> None:
    assert_error(client.get("/sparql", query_string={"update": "CLEAR ALL"}), 403)
    assert_error(client.post("/sparql", data={"update": "CLEAR ALL"}), 403)
    response = client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update")
    assert "read-only" in assert_error(response, 403)["detail"]
    assert_error(
        client.post("/sparql?using-graph-uri=http%3A%2F%2Fe%2F", data={"query": "ASK{}"}), 403
    )


# Dataset --------------------------------------------------------------------------------------


def test_default_graph_is_the_union(client: Any) -> None:
    assert _rows(client.get("/sparql", query_string={"query": DOCS})) == [DOC1, DOC2]


def test_default_graph_uri_restricts_the_dataset(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": DOCS, "default-graph-uri": DOC1_GRAPH})
    assert _rows(response) == [DOC1]
    # Named graphs are then none: GRAPH finds nothing.
    graphs = "SELECT ?d { GRAPH ?g { ?d ?p ?o } }"
    response = client.get(
        "/sparql", query_string={"query": graphs, "default-graph-uri": DOC1_GRAPH}
    )
    assert _rows(response) == []


def test_several_default_graphs_merge(client: Any) -> None:
    response = client.get(
        "/sparql",
        query_string=[
            ("query", DOCS),
            ("default-graph-uri", DOC1_GRAPH),
            ("default-graph-uri", DOC2_GRAPH),
        ],
    )
    assert _rows(response) == [DOC1, DOC2]


def test_named_graph_uri_restricts_graph_and_empties_the_default(client: Any) -> None:
    query = f"SELECT DISTINCT ?d {{ GRAPH ?g {{ ?d a <{UNG}Document> }} }} ORDER BY ?d"
    response = client.post(f"/sparql?named-graph-uri={DOC2_GRAPH}", data={"query": query})
    assert _rows(response) == [DOC2]
    response = client.post(f"/sparql?named-graph-uri={DOC2_GRAPH}", data={"query": DOCS})
    assert _rows(response) == []


def test_from_clauses_are_honoured(client: Any) -> None:
    query = f"SELECT ?d FROM <{DOC2_GRAPH}> WHERE {{ ?d a <{UNG}Document> }}"
    assert _rows(client.get("/sparql", query_string={"query": query})) == [DOC2]
    named = f"SELECT ?d FROM NAMED <{DOC1_GRAPH}> WHERE {{ GRAPH ?g {{ ?d a <{UNG}Document> }} }}"
    assert _rows(client.get("/sparql", query_string={"query": named})) == [DOC1]


def test_protocol_dataset_overrides_from(client: Any) -> None:
    query = f"SELECT ?d FROM <{DOC2_GRAPH}> WHERE {{ ?d a <{UNG}Document> }}"
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": DOC1_GRAPH})
    assert _rows(response) == [DOC1]


@pytest.mark.parametrize(
    "params",
    [
        {"default-graph-uri": "http://example.org/not-here"},
        {"named-graph-uri": "http://127.0.0.1:1/x"},
        {"default-graph-uri": "not an iri"},
    ],
)
def test_graphs_that_are_not_here_are_refused(client: Any, params: dict[str, str]) -> None:
    error = assert_error(client.get("/sparql", query_string={"query": "ASK {}", **params}), 400)
    assert "graph" in error["detail"] or "IRI" in error["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/remote.ttl> { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> { ?s ?p ?o }",
        "PREFIX x: <http://example.org/> SELECT * FROM x:remote { ?s ?p ?o }",
        "BASE <http://example.org/> SELECT * FROM <remote> { ?s ?p ?o }",
    ],
)
def test_from_with_other_iris_is_refused(client: Any, query: str) -> None:
    error = assert_error(client.get("/sparql", query_string={"query": query}), 400)
    assert "not a graph of this store" in error["detail"]


def test_relative_iris_resolve_against_the_endpoint(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?d { BIND(<x> AS ?d) }"})
    assert _rows(response) == ["https://w3id.org/ungraph/x"]


# Negotiation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.9, application/*;q=0.1", "text/csv"),
        ("text/html, */*;q=0.1", "application/sparql-results+json"),
    ],
)
def test_select_negotiation(client: Any, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": DOCS}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    if media_type == "text/csv":  # CSV results are lossy; Oxigraph does not read them back
        values = [row["d"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]
    else:
        parsed = ox.parse_query_results(
            response.data,
            {
                "application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                "text/tab-separated-values": ox.QueryResultsFormat.TSV,
            }[media_type],
        )
        assert isinstance(parsed, ox.QuerySolutions)
        values = [str(s["d"].value) for s in parsed]
    assert values == [DOC1, DOC2]


def test_csv_is_proper_csv(client: Any) -> None:
    query = f"SELECT ?t {{ <{DOC2}> <http://purl.org/dc/terms/title> ?t }}"
    response = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["t"], ['Second "quoted" test document, with a comma']]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, "turtle"),
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("text/plain", "nt"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.4", "xml"),
    ],
)
def test_construct_negotiation(client: Any, accept: str | None, fmt: str) -> None:
    query = f"CONSTRUCT WHERE {{ ?d a <{UNG}Document> }}"
    headers = {"Accept": accept} if accept else {}
    response = client.post("/sparql", data={"query": query}, headers=headers)
    assert response.status_code == 200, response.data
    got = _graph(response.data, fmt)
    expected = Graph()
    for doc in (DOC1, DOC2):
        expected.add((URIRef(doc), RDF.type, URIRef(UNG + "Document")))
    assert isomorphic(got, expected)
    assert response.headers["Vary"] == "Accept"


def test_describe(client: Any) -> None:
    response = client.get(
        "/sparql", query_string={"query": f"DESCRIBE <{DOC1}>", "format": "ntriples"}
    )
    graph = Graph().parse(data=response.data, format="nt")
    assert (URIRef(DOC1), RDF.type, URIRef(UNG + "Document")) in graph
    assert len(graph) == 4


def test_ask_formats(client: Any) -> None:
    assert _boolean(client.get("/sparql", query_string={"query": "ASK {}"})) is True
    response = client.get(
        "/sparql",
        query_string={"query": "ASK { FILTER(false) }"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.XML)
    assert isinstance(parsed, ox.QueryBoolean) and not bool(parsed)


def test_format_parameter_beats_accept(client: Any) -> None:
    for value in ("xml", "application/sparql-results+xml"):
        response = client.get(
            "/sparql", query_string={"query": DOCS, "format": value}, headers={"Accept": "text/csv"}
        )
        assert response.mimetype == "application/sparql-results+xml"


def test_406_for_what_cannot_be_produced(client: Any) -> None:
    response = client.get(
        "/sparql", query_string={"query": DOCS}, headers={"Accept": "text/turtle"}
    )
    error = assert_error(response, 406)
    assert "application/sparql-results+json" in error["detail"]
    assert response.headers["Vary"] == "Accept"
    construct = f"CONSTRUCT WHERE {{ ?d a <{UNG}Document> }}"
    assert_error(
        client.get("/sparql", query_string={"query": construct}, headers={"Accept": "text/csv"}),
        406,
    )
    assert_error(client.get("/sparql", query_string={"query": DOCS, "format": "turtle"}), 406)
    assert_error(client.get("/sparql", query_string={"query": DOCS, "format": "bogus"}), 400)
    assert_error(
        client.get("/sparql", query_string={"query": DOCS}, headers={"Accept": "image/png"}), 406
    )


def test_cors_on_answers_and_preflight(client: Any) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://x.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


# Service description --------------------------------------------------------------------------


def _description(client: Any, accept: str, fmt: str) -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    return _graph(response.data, fmt)


def _number(node: Node | None) -> object:
    """The value of a literal the description states (limits and triple counts)."""
    assert isinstance(node, Literal), node
    return node.toPython()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")],
)
def test_service_description(client: Any, app: Flask, accept: str, fmt: str) -> None:
    graph = _description(client, accept, fmt)
    service = URIRef("http://localhost/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    assert len(formats) == 10
    ung = "https://w3id.org/ungraph/ontology#"
    limits = {
        str(p)[len(ung) :]: _number(o)
        for p, o in graph.predicate_objects(service)
        if str(p).startswith(ung)
    }
    assert limits == {
        "queryTimeout": app.config["UNGRAPH_QUERY_TIMEOUT"],
        "maxResultRows": app.config["UNGRAPH_MAX_ROWS"],
        "maxResultBytes": app.config["UNGRAPH_MAX_RESULT_BYTES"],
        "maxRequestBytes": app.config["UNGRAPH_MAX_REQUEST_BYTES"],
        "rateLimit": app.config["UNGRAPH_RATE_LIMIT"],
        "rateBurst": app.config["UNGRAPH_RATE_BURST"],
    }
    dataset = graph.value(service, SD.defaultDataset)
    names = {}
    for named in graph.objects(dataset, SD.namedGraph):
        described = graph.value(named, SD.graph)
        names[str(graph.value(named, SD.name))] = _number(graph.value(described, VOID.triples))
    assert names == {REGISTRY: 4, DOC1_GRAPH: 4, DOC2_GRAPH: 4}
    default = graph.value(dataset, SD.defaultGraph)
    assert _number(graph.value(default, VOID.triples)) == 12


def test_service_description_without_the_ui_is_rdf_for_browsers(store_dir: str) -> None:
    app = make_app(store_dir)
    if "ui.editor" in app.view_functions:
        response = app.test_client().get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/query")
    else:
        response = app.test_client().get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
        assert response.mimetype == "text/turtle"


def test_parameters_without_a_query_are_400(client: Any) -> None:
    assert_error(client.get("/sparql", query_string={"default-graph-uri": DOC1_GRAPH}), 400)


# Limits ---------------------------------------------------------------------------------------


def test_row_cap(store_dir: str) -> None:
    client = make_app(store_dir, UNGRAPH_MAX_ROWS=3).test_client()
    query = "SELECT ?x { VALUES ?x { 1 2 3 } }"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    over = "SELECT ?x { VALUES ?x { 1 2 3 4 } }"
    for fmt in ("json", "xml", "csv", "tsv"):
        error = assert_error(
            client.get("/sparql", query_string={"query": over, "format": fmt}), 422
        )
        assert error["limit"] == {"name": "max_rows", "value": 3}
    construct = "CONSTRUCT { ?x <http://e/p> 1 } WHERE { VALUES ?x { <http://e/1> <http://e/2> <http://e/3> <http://e/4> } }"
    assert_error(client.get("/sparql", query_string={"query": construct}), 422)


def test_byte_cap(store_dir: str) -> None:
    client = make_app(store_dir, UNGRAPH_MAX_RESULT_BYTES=200).test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    error = assert_error(client.get("/sparql", query_string={"query": DOCS, "format": "xml"}), 422)
    assert error["limit"]["name"] == "max_result_bytes"


def test_request_body_limit(store_dir: str) -> None:
    client = make_app(store_dir, UNGRAPH_MAX_REQUEST_BYTES=1000).test_client()
    big = "ASK {} #" + "x" * 2000
    assert_error(client.post("/sparql", data=big, content_type="application/sparql-query"), 413)
    assert_error(client.post("/sparql", data={"query": big}), 413)
    assert (
        client.post("/sparql", data="ASK {}", content_type="application/sparql-query").status_code
        == 200
    )


def test_rate_limit_on_the_endpoint(store_dir: str) -> None:
    client = make_app(store_dir, UNGRAPH_RATE_LIMIT=1, UNGRAPH_RATE_BURST=3).test_client()
    statuses = [
        client.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/sparql", query_string={"query": "ASK {}"})
    assert refused.headers["Retry-After"] == "1"


def test_metrics_count_query_outcomes(client: Any) -> None:
    assert client.get("/sparql", query_string={"query": "ASK {}"}).data
    client.get("/sparql", query_string={"query": "SELECT * {"})
    client.get("/sparql", query_string={"query": "CLEAR ALL"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'ungraph_sparql_queries_total{form="ask",outcome="ok"} 1.0' in text
    assert 'ungraph_sparql_queries_total{form="select",outcome="syntax"} 1.0' in text
    assert 'ungraph_sparql_queries_total{form="",outcome="refused"} 1.0' in text


def test_memory_store_is_served_in_process() -> None:
    from ungraph.store import begin_build
    from ungraph.store.memory import forget_memory_store

    from .conftest import DATASET

    try:
        with begin_build("memory:test-web-sparql", seed=False) as build:
            build.store.load_file(DATASET)
        client = make_app("memory:test-web-sparql", UNGRAPH_QUERY_WORKERS=4).test_client()
        assert _rows(client.get("/sparql", query_string={"query": DOCS})) == [DOC1, DOC2]
        assert client.get("/healthz").get_json()["query_workers"]["mode"] == "inline"
    finally:
        forget_memory_store("test-web-sparql")
