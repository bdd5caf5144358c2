"""Screening of query text: forms, updates, SERVICE and LOAD wherever they hide, dataset clauses;
and no input may crash the lexer."""

from __future__ import annotations

import contextlib

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.cli import EXIT_ERROR, main
from ungraph.web.lexer import ScreeningError, screen, tokens

BASE = "https://w3id.org/ungraph/sparql"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * {}", "select"),
        ("select * {}", "select"),
        ("PREFIX a: <http://e/> BASE <http://e/> ASK {}", "ask"),
        ("# a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <http://e/>", "describe"),
    ],
)
def test_forms(query: str, form: str) -> None:
    assert screen(query, BASE).form == form


@pytest.mark.parametrize(
    "update",
    [
        "CLEAR ALL",
        "PREFIX e: <http://e/>\nINSERT DATA { e:s e:p e:o }",
        "with <http://e/g> delete { ?s ?p ?o } where { ?s ?p ?o }",
        "CREATE GRAPH <http://e/g>",
        "COPY DEFAULT TO <http://e/g>",
    ],
)
def test_updates_are_refused(update: str) -> None:
    with pytest.raises(ScreeningError, match="read-only"):
        screen(update, BASE)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://e/> { ?s ?p ?o } }",
        "SELECT * { service silent <http://e/> { ?s ?p ?o } }",
        "SELECT * { SeRvIcE ?x { ?s ?p ?o } }",
        "SELECT * {?s ?p ?o FILTER(?o<?p)SERVICE<http://e/>{?a ?b ?c}}",
        "SELECT * { ?s ?p 'it''s' . SERVICE <http://e/> {} }",
        'SELECT * { ?s ?p """a "quoted" long""" . SERVICE <http://e/> {} }',
        "PREFIX e: <http://e/> SELECT * { ?s e:p\\#x ?o . SERVICE <http://e/> {} }",
        "SELECT * { ?s <http://e/#not-a-comment> ?o . SERVICE <http://e/> {} }",
        "SELECT * { ?s ?p ?o } # SERVICE in a comment is fine\n LIMIT 1 SERVICE",
        "SELECT * { ?s ?p ?o FILTER(?o = '#') SERVICE <http://e/> {} }",
    ],
)
def test_service_is_found_wherever_it_hides(query: str) -> None:
    with pytest.raises(ScreeningError, match="SERVICE"):
        screen(query, BASE)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service { ?service <http://e/service> 'SERVICE' } # SERVICE",
        'PREFIX service: <http://e/> SELECT * { ?s service:x """SERVICE\n""" }',
        'SELECT * { ?s ?p "x"@service }',
    ],
)
def test_service_as_a_name_or_text_is_not_refused(query: str) -> None:
    assert screen(query, BASE).form == "select"
    store = ox.Store()
    store.query(query)  # the engine agrees these are plain queries


def test_load_is_refused() -> None:
    with pytest.raises(ScreeningError, match="LOAD"):
        screen("LOAD <http://e/data.ttl>", BASE)


def test_dataset_clauses_resolve() -> None:
    query = (
        "BASE <http://e/base/> PREFIX g: <http://e/g/>\n"
        "SELECT * FROM g:one FROM <two> FROM <http://e/g/\\u0074hree> FROM NAMED g:f\\-our {}"
    )
    screened = screen(query, BASE)
    assert screened.from_graphs == ["http://e/g/one", "http://e/base/two", "http://e/g/three"]
    assert screened.from_named == ["http://e/g/f-our"]
    assert screened.base == "http://e/base/"
    assert screen("SELECT * FROM <x> {}", BASE).from_graphs == ["https://w3id.org/ungraph/x"]


def test_from_without_an_iri_or_with_an_unknown_prefix() -> None:
    with pytest.raises(ScreeningError, match="FROM must be followed"):
        screen("SELECT * FROM ?g {}", BASE)
    with pytest.raises(ScreeningError, match="prefix nope: is not declared"):
        screen("SELECT * FROM nope:g {}", BASE)


def test_positions_are_reported() -> None:
    with pytest.raises(ScreeningError, match=r"line 3, column 3"):
        screen("SELECT *\nWHERE {\n  SERVICE <http://e/> {} }", BASE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_no_text_crashes_the_lexer(text: str) -> None:
    list(tokens(text))
    with contextlib.suppress(ScreeningError):
        screen(text, BASE)


def test_serve_refuses_a_bad_setting() -> None:
    result = CliRunner().invoke(main, ["serve", "--store", "memory:", "--query-timeout", "-1"])
    assert result.exit_code == EXIT_ERROR
    assert "UNGRAPH_QUERY_TIMEOUT" in result.output
