"""The format table and Accept-header negotiation."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ungraph.formats import (
    FORMATS,
    HTML,
    JSONLD,
    NQUADS,
    RDF_FORMATS,
    RESULT_FORMATS,
    RESULTS_JSON,
    RESULTS_XML,
    TRIG,
    TURTLE,
    Format,
    UnknownFormat,
    by_extension,
    by_media_type,
    by_name,
    from_path,
    negotiate,
)


def test_names_are_unique_within_each_kind() -> None:
    for kind in ("rdf", "results", "page"):
        names = [f.name for f in FORMATS if f.kind == kind]
        assert len(names) == len(set(names)), kind


def test_media_types_and_extensions_are_unique_within_each_kind() -> None:
    for kind in ("rdf", "results", "page"):
        media = [m for f in FORMATS if f.kind == kind for m in f.media_types]
        extensions = [e for f in FORMATS if f.kind == kind for e in f.extensions]
        assert len(media) == len(set(media)), kind
        assert len(extensions) == len(set(extensions)), kind


@pytest.mark.parametrize("fmt", RDF_FORMATS + RESULT_FORMATS, ids=lambda f: f.name)
def test_every_engine_format_agrees_with_pyoxigraph(fmt: object) -> None:
    from ungraph.formats import Format

    assert isinstance(fmt, Format)
    engine = fmt.oxigraph
    # The canonical media type is the engine's own, so headers and engine never disagree.
    assert engine.media_type.split(";")[0] == fmt.media_type
    if fmt.kind == "rdf":
        assert isinstance(engine, pyoxigraph.RdfFormat)
        assert engine.supports_datasets == fmt.dataset
        assert fmt.rdflib is not None


def test_the_issue_formats_are_all_there() -> None:
    assert {f.name for f in RDF_FORMATS} == {
        "turtle",
        "ntriples",
        "nquads",
        "trig",
        "jsonld",
        "rdfxml",
    }
    assert {f.name for f in RESULT_FORMATS} == {"json", "xml", "csv", "tsv"}


def test_lookups() -> None:
    assert by_name("TRIG") is TRIG
    assert by_media_type("application/ld+json") is JSONLD
    assert by_media_type("application/json", kinds=("results",)) is RESULTS_JSON
    assert by_extension("nq") is NQUADS
    assert from_path("x/y.TTL") == (TURTLE, False)
    with pytest.raises(UnknownFormat, match="no file extension"):
        from_path("README")
    with pytest.raises(UnknownFormat):
        by_media_type("image/png")


@pytest.mark.parametrize(
    ("accept", "candidates", "expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", [HTML, TURTLE], HTML),
        ("text/turtle", [HTML, TURTLE], TURTLE),
        ("application/ld+json;q=0.5, text/turtle;q=0.4", [TURTLE, JSONLD], JSONLD),
        ("text/*", [JSONLD, TURTLE], TURTLE),
        ("*/*;q=0.1, text/turtle;q=0", [TURTLE, JSONLD], JSONLD),
        (
            "application/sparql-results+xml, application/sparql-results+json;q=0.9",
            [RESULTS_JSON, RESULTS_XML],
            RESULTS_XML,
        ),
        ("application/n-quads;q=0", [NQUADS], None),
        ("TEXT/TURTLE", [HTML, TURTLE], TURTLE),
        ("text/turtle;charset=utf-8;q=0.7, text/html;q=0.6", [HTML, TURTLE], TURTLE),
        ("", [TRIG, TURTLE], TRIG),
        ("garbage", [TRIG, TURTLE], TRIG),
        ("text/turtle;q=abc", [TURTLE], None),
    ],
)
def test_negotiate(accept: str, candidates: list[Format], expected: Format | None) -> None:
    assert negotiate(accept, candidates) is expected


def test_a_specific_zero_beats_a_wildcard() -> None:
    # RFC 9110: the most specific matching range decides; text/turtle;q=0 means "not turtle".
    assert negotiate("*/*, text/turtle;q=0", [TURTLE]) is None


@given(st.text(max_size=200))
def test_negotiate_never_crashes(header: str) -> None:
    chosen = negotiate(header, [HTML, TURTLE, JSONLD])
    assert chosen is None or chosen in (HTML, TURTLE, JSONLD)


def test_file_names() -> None:
    assert TURTLE.file_name("ungraph") == "ungraph.ttl"
    assert JSONLD.file_name("ungraph", gzip=True) == "ungraph.jsonld.gz"
