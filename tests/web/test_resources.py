"""Dereferencing: 303 per Accept and ?format=, suffixes, data documents, Link and Vary, 404s."""

from __future__ import annotations

import json
import re
import warnings
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from ungraph.formats import RDF_FORMATS, by_name
from ungraph.iris import sdg_iri
from ungraph.namespaces import OA, UNG

if TYPE_CHECKING:
    from tests.web.conftest import Fixture

DOC = "document/sg-sm-1001"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _links(header: str) -> dict[str, str]:
    """media type -> target of each ``rel="alternate"`` link."""
    found = {}
    for target, params in re.findall(r"<([^>]*)>;([^,]*)", header):
        if 'rel="alternate"' in params:
            media_type = re.search(r'type="([^"]*)"', params)
            assert media_type is not None, params
            found[media_type.group(1)] = target
    return found


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/html", f"/page/{DOC}"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", f"/page/{DOC}"),
        ("*/*", f"/page/{DOC}"),
        (None, f"/page/{DOC}"),
        ("text/turtle", f"/data/{DOC}.ttl"),
        ("application/n-triples", f"/data/{DOC}.nt"),
        ("application/n-quads", f"/data/{DOC}.nq"),
        ("application/trig", f"/data/{DOC}.trig"),
        ("application/ld+json", f"/data/{DOC}.jsonld"),
        ("application/rdf+xml", f"/data/{DOC}.rdf"),
        ("text/html;q=0.5, text/turtle", f"/data/{DOC}.ttl"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", f"/data/{DOC}.jsonld"),
    ],
)
def test_id_redirects_by_accept(client: FlaskClient, accept: str | None, location: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(f"/id/{DOC}", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("value", "location"),
    [
        ("ttl", f"/data/{DOC}.ttl"),
        ("turtle", f"/data/{DOC}.ttl"),
        ("jsonld", f"/data/{DOC}.jsonld"),
        ("rdfxml", f"/data/{DOC}.rdf"),
        ("nt", f"/data/{DOC}.nt"),
        ("html", f"/page/{DOC}"),
    ],
)
def test_format_parameter_wins_over_accept(client: FlaskClient, value: str, location: str) -> None:
    response = client.get(f"/id/{DOC}?format={value}", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"] == location


def test_unknown_format_parameter_is_400_json(client: FlaskClient) -> None:
    response = client.get(f"/id/{DOC}?format=png")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and "png" in error["detail"]


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get(f"/id/{DOC}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.get_json()["error"]["status"] == 406


@pytest.mark.parametrize("path", ["document/no-such-document", "person/nobody", "nothing"])
def test_unknown_iri_is_404_json(client: FlaskClient, path: str) -> None:
    for prefix in ("/id/", "/page/", "/data/"):
        response = client.get(prefix + path, headers={"Accept": "text/turtle"})
        assert response.status_code == 404, prefix + path
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["status"] == 404
        assert error["title"] == "Not Found"
        assert error["instance"] == prefix + path
        assert "no resource" in error["detail"]


def test_link_header_on_303_names_every_rdf_twin(client: FlaskClient) -> None:
    response = client.get(f"/id/{DOC}", headers={"Accept": "text/html"})
    links = _links(response.headers["Link"])
    for fmt in RDF_FORMATS:
        assert links[fmt.media_type] == f"/data/{DOC}.{fmt.extension}"
    assert links["text/html"] == f"/page/{DOC}"


def test_page_advertises_rdf_twins_in_header_and_head(client: FlaskClient) -> None:
    response = client.get(f"/page/{DOC}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    links = _links(response.headers["Link"])
    html = response.get_data(as_text=True)
    for fmt in RDF_FORMATS:
        href = f"/data/{DOC}.{fmt.extension}"
        assert links[fmt.media_type] == href
        assert f'<link rel="alternate" type="{fmt.media_type}" href="{href}"' in html


def _by_value(triple: tuple[object, object, object]) -> tuple[object, object, object]:
    s, p, o = triple
    return (s, p, o.toPython() if isinstance(o, Literal) else o)


def _parse(body: bytes, fmt_name: str) -> Graph:
    fmt = by_name(fmt_name, kinds=("rdf",))
    if fmt.dataset:
        dataset = Dataset()
        with warnings.catch_warnings():
            # rdflib 7's dataset parsers call its own deprecated default_context.
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(data=body, format=fmt.rdflib)
        merged = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return Graph().parse(data=body, format=fmt.rdflib)


@pytest.mark.parametrize("fmt", [f.name for f in RDF_FORMATS])
def test_data_document_in_every_format_is_the_same_graph(
    client: FlaskClient, fixture_graph: Fixture, fmt: str
) -> None:
    extension = by_name(fmt, kinds=("rdf",)).extension
    response = client.get(f"/data/{DOC}.{extension}")
    assert response.status_code == 200
    assert response.mimetype == by_name(fmt, kinds=("rdf",)).media_type
    assert "text/html" in _links(response.headers["Link"])
    graph = _parse(response.data, fmt)
    turtle = _parse(client.get(f"/data/{DOC}.ttl").data, "turtle")
    assert isomorphic(graph, turtle), fmt


def test_data_document_describes_the_document_and_its_parts(
    client: FlaskClient, fixture_graph: Fixture
) -> None:
    graph = _parse(client.get(f"/data/{DOC}.ttl").data, "turtle")
    doc = fixture_graph.id(DOC)
    document_graph = fixture_graph.graphs[str(fixture_graph.minter.document_graph(doc))]
    # Everything the document's own graph says is in its description: the document, its
    # speech act, call, annotations, targets and selectors.
    # Oxigraph stores xsd:nonNegativeInteger offsets as xsd:integer (and canonical decimals),
    # so literals compare by value.
    described = {_by_value(t) for t in graph}
    missing = [t for t in document_graph if _by_value(t) not in described]
    assert not missing, missing[:5]
    # plus the labels of what it links to, from the shared graphs
    person = fixture_graph.id("person/ban-ki-moon")
    assert (
        person,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("Ban Ki-moon"),
    ) in graph
    # but not other documents
    assert (fixture_graph.id("document/sg-sm-2002"), RDF.type, UNG.Document) not in graph


def test_suffix_forms_of_the_identifier_serve_the_data(client: FlaskClient) -> None:
    for fmt in RDF_FORMATS:
        for extension in fmt.extensions:
            response = client.get(f"/id/{DOC}.{extension}")
            assert response.status_code == 200, extension
            assert response.mimetype == fmt.media_type
            assert "Vary" not in response.headers or "Accept" not in response.headers["Vary"]
            assert response.headers["Content-Location"] == f"/data/{DOC}.{fmt.extension}"
    html = client.get(f"/id/{DOC}.html")
    assert html.status_code == 303 and html.headers["Location"] == f"/page/{DOC}"


def test_a_dot_in_an_iri_is_not_a_suffix(client: FlaskClient) -> None:
    # WSIS action line C7.3: ".3" is not an extension of the format table.
    response = client.get("/id/wsis/C7.3", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/data/wsis/C7.3.ttl"
    data = client.get("/data/wsis/C7.3.ttl")
    assert data.status_code == 200
    graph = Graph().parse(data=data.data, format="turtle")
    assert (URIRef("https://w3id.org/ungraph/id/wsis/C7.3"), UNG.code, Literal("C7.3")) in graph


def test_data_without_suffix_negotiates_and_varies(client: FlaskClient) -> None:
    response = client.get(f"/data/{DOC}", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert "Accept" in response.headers["Vary"]
    json.loads(response.data)
    assert client.get(f"/data/{DOC}", headers={"Accept": "text/html"}).status_code == 406


def test_document_parts_dereference(client: FlaskClient, fixture_graph: Fixture) -> None:
    response = client.get(f"/id/{DOC}/call/1", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    graph = Graph().parse(data=client.get(response.headers["Location"]).data, format="turtle")
    call = fixture_graph.id(f"{DOC}/call/1")
    assert (call, UNG.inDocument, fixture_graph.id(DOC)) in graph
    assert (call, UNG.addressesTarget, sdg_iri("9.c")) in graph


def test_iris_minted_elsewhere_have_pages_and_data_by_query(client: FlaskClient) -> None:
    iri = str(sdg_iri("9.c"))
    page = client.get("/page", query_string={"iri": iri})
    assert page.status_code == 200
    assert "Target 9.c (test label)" in page.get_data(as_text=True)
    links = _links(page.headers["Link"])
    data = client.get(links["text/turtle"])
    assert data.status_code == 200
    graph = Graph().parse(data=data.data, format="turtle")
    assert (sdg_iri("9.c"), None, None) in graph
    assert (
        client.get("/page", query_string={"iri": "http://example.org/unknown"}).status_code == 404
    )
    assert client.get("/page").status_code == 400
    assert client.get("/data", query_string={"iri": iri, "format": "html"}).status_code == 406


def test_iris_with_characters_sparql_cannot_hold_are_404_not_500(client: FlaskClient) -> None:
    for path in ("person/a>b", 'person/a"b', "person/a b", "person/a{b}"):
        response = client.get("/id/" + path)
        assert response.status_code == 404, path


def test_head_answers_like_get(client: FlaskClient) -> None:
    response = client.head(f"/id/{DOC}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/data/{DOC}.ttl"


def test_base_iri_is_mapped_whatever_host_serves(
    other_base_client: FlaskClient,
) -> None:
    # IRIs minted under https://example.org/kg/ are served at /id/ of this host.
    response = other_base_client.get(f"/id/{DOC}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    graph = Graph().parse(
        data=other_base_client.get(response.headers["Location"]).data, format="turtle"
    )
    assert (URIRef(f"https://example.org/kg/id/{DOC}"), DCTERMS.title, None) in graph
    # and the default base's IRIs are not this store's
    page = other_base_client.get(f"/page/{DOC}")
    assert f"https://example.org/kg/id/{DOC}" in page.get_data(as_text=True)


def test_evidence_targets_point_into_the_text(client: FlaskClient, fixture_graph: Fixture) -> None:
    graph = _parse(client.get(f"/data/{DOC}.nt").data, "ntriples")
    text = str(graph.value(fixture_graph.id(DOC), UNG.text))
    starts = list(graph.subject_objects(OA.start))
    assert starts
    for selector, start in starts:
        end_value = graph.value(selector, OA.end)
        assert isinstance(start, Literal)
        assert isinstance(end_value, Literal)
        end = int(end_value)
        target = graph.value(None, OA.hasSelector, selector)
        quote = next(
            graph.value(s, OA.exact)
            for s in graph.objects(target, OA.hasSelector)
            if graph.value(s, OA.exact) is not None
        )
        assert text[int(start) : end] == str(quote)


def test_named_graph_iris_dereference_to_their_content(
    client: FlaskClient, fixture_graph: Fixture
) -> None:
    doc = fixture_graph.id(DOC)
    name = str(fixture_graph.minter.document_graph(doc))
    path = name.removeprefix(fixture_graph.base)
    response = client.get(f"/{path}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format="nt")
    expected = {_by_value(t) for t in fixture_graph.graphs[name]}
    assert {_by_value(t) for t in graph} == expected
    turtle = client.get(f"/{path}.ttl")
    assert turtle.mimetype == "text/turtle"
    assert len(Graph().parse(data=turtle.data, format="turtle")) == len(graph)
    assert client.get("/graph/document/nope").status_code == 404
    assert client.get("/graph/registry", headers={"Accept": "text/turtle"}).status_code == 200
