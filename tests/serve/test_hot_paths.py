"""The shortcuts taken on serving's hot paths (bench/serving.py, docs/performance.md) give exactly
what the long way gives."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask, url_for
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

import ungraph.store.oxigraph as oxigraph_store
from ungraph.store import open_store
from ungraph.store.base import QueryResult, Row, SelectResult
from ungraph.store.terms import to_rdflib
from ungraph.web.addresses import page_href

from .conftest import make_app

BASE = "https://w3id.org/ungraph/id/"

PATHS = [
    "document/ungd-arg-70-2015",
    "person/ban-ki-moon",
    "wsis/C7.3",
    "document/sg-sm-1/speech/2",
    "event/un-general-assembly-70",
    "a~b_c.d-e",
    "document/caf\u00e9",
    "document/a b",
    "document/a%20b",
    "document/x?y=1",
    "document/x#frag",
    "document//double",
    "/leading",
    "document/a+b&c=d;e@f",
    "document/\u4e2d\u6587",
]


def _long_way(app: Flask, iri: str) -> str:
    path = iri[len(BASE) :]
    return url_for("resources.page", path=path)


@pytest.mark.parametrize("script_root", ["", "/ungraph"])
def test_page_href_equals_url_for(app: Flask, script_root: str) -> None:
    with app.test_request_context("/", base_url=f"http://example.org{script_root}"):
        for path in PATHS:
            iri = BASE + path
            assert page_href(iri) == _long_way(app, iri), path
        # IRIs minted elsewhere still go through /page?iri=.
        assert page_href("http://metadata.un.org/sdg/9.c").startswith(f"{script_root}/page?iri=")


def test_page_href_equals_url_for_on_any_path() -> None:
    app = make_app("memory:hot-paths")

    @settings(max_examples=300, deadline=None)
    @given(path=st.text(min_size=1, max_size=40))
    def check(path: str) -> None:
        with app.test_request_context("/"):
            iri = BASE + path
            assert page_href(iri) == page_href(iri) == _long_way(app, iri)

    check()


def _rows(result: QueryResult) -> list[Row]:
    assert isinstance(result, SelectResult)
    return list(result)


def test_select_rows_are_the_same_with_and_without_the_term_memo(
    store_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
    with open_store(store_dir, read_only=True) as store:
        memoised = _rows(store.query(query))
        monkeypatch.setattr(oxigraph_store, "_MEMO_TERMS", 0)
        plain = _rows(store.query(query))
        monkeypatch.setattr(oxigraph_store, "_MEMO_TERMS", 2)  # full memo: the rest converted
        capped = _rows(store.query(query))
    assert memoised == plain == capped and len(plain) > 5


def test_memo_keeps_terms_apart_that_differ_only_in_datatype_or_language() -> None:
    store = ox.Store()
    graph = ox.NamedNode("http://example.org/g")
    subject = ox.NamedNode("http://example.org/s")
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        ox.Literal("1"),
        ox.Literal("1", datatype=ox.NamedNode(str(XSD.integer))),
        ox.Literal("1", language="en"),
        ox.Literal("1", language="fr"),
        ox.NamedNode("http://example.org/1"),
        ox.BlankNode("b1"),
    ]
    for n, obj in enumerate(objects):
        store.add(ox.Quad(subject, ox.NamedNode(f"http://example.org/p{n}"), obj, graph))
    solutions = store.query(
        "SELECT ?o ?o2 WHERE { GRAPH ?g { ?s ?p ?o . ?s ?p2 ?o2 } } ORDER BY STR(?p) STR(?p2)"
    )
    assert isinstance(solutions, ox.QuerySolutions)
    wrapped = oxigraph_store._Select(solutions, oxigraph_store._Deadline(None))
    rows = list(wrapped)
    assert len(rows) == len(objects) ** 2
    for o, o2 in rows:
        assert o is not None and o2 is not None
        assert (o == o2) == (str(o) == str(o2) and type(o) is type(o2) and repr(o) == repr(o2))
    converted = {to_rdflib(obj) for obj in objects}
    assert {row[0] for row in rows} == converted
    assert Literal("1", datatype=XSD.integer) in converted and Literal("1", lang="fr") in converted
    assert URIRef("http://example.org/1") in converted and BNode("b1") in converted


REPEATED = """
@prefix ung: <https://w3id.org/ungraph/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix doc: <https://w3id.org/ungraph/id/document/> .
@prefix org: <https://w3id.org/ungraph/id/organization/> .
@prefix g: <https://w3id.org/ungraph/graph/document/> .
"""


def _repeated_label_dataset(documents: int) -> str:
    """Document graphs that each repeat the label of one organization, as the mapping writes
    them; the first document's evidence links to it."""
    parts = [REPEATED]
    for n in range(documents):
        parts.append(
            f"""g:d{n} {{ doc:d{n} a ung:Document .
  org:un rdfs:label "United Nations"@en , "Nations Unies"@fr . }}"""
        )
    d0 = "https://w3id.org/ungraph/id/document/d0"
    parts.append(
        f"""g:d0 {{
  <{d0}/annotation/1> a oa:Annotation ; oa:hasTarget <{d0}/target/1> ; oa:hasBody org:un ;
    ung:evidenceFor doc:d0 ; ung:linkProperty ung:mentionsOrganization ;
    ung:method <https://w3id.org/ungraph/id/method/gazetteer> .
  <{d0}/target/1> oa:hasSource doc:d0 ; oa:hasSelector <{d0}/selector/1> .
  <{d0}/selector/1> oa:start 0 ; oa:end 14 .
  <https://w3id.org/ungraph/id/method/gazetteer> skos:prefLabel "gazetteer"@en .
}}"""
    )
    return "\n".join(parts)


def test_evidence_rows_do_not_multiply_with_the_documents_naming_a_resource(
    tmp_path: Path,
) -> None:
    from ungraph.store import load_files
    from ungraph.web import prepared
    from ungraph.web.pages import EVIDENCE_LABELS

    source = tmp_path / "repeated.trig"
    source.write_text(_repeated_label_dataset(40), "utf-8")
    location = str(tmp_path / "store")
    load_files(location, [source])
    this = URIRef("https://w3id.org/ungraph/id/document/d0")
    with open_store(location, read_only=True) as store:
        rows = prepared.select(store, "document-evidence", this=this)
        assert len(rows) == 1  # one per passage, not one per copy of the label (40)
        (row,) = prepared.labelled(store, rows, EVIDENCE_LABELS)
    assert row["bodyLabel"] == Literal("United Nations", lang="en")  # English chosen
    assert row["methodLabel"] == Literal("gazetteer", lang="en")
    assert "subjectLabel" not in row  # the document has no label here
    app = make_app(location)
    page = app.test_client().get("/page/document/d0")
    assert page.status_code == 200 and b"United Nations" in page.data
    assert b"Nations Unies" not in page.data
