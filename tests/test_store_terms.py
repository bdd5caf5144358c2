"""Term conversion between rdflib and Oxigraph, and N-Triples written without Oxigraph."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from ungraph.store.terms import NTriplesWriter, ToOxigraph, Triple

A, P = URIRef("http://example.org/a"), URIRef("http://example.org/p")
DATATYPES = [None, XSD.string, XSD.integer, XSD.date, URIRef("http://example.org/type")]


def oxigraph_ntriples(triples: Sequence[Triple]) -> str:
    convert = ToOxigraph()
    written = ox.serialize(
        [ox.Triple(convert.term(s), convert.term(p), convert.term(o)) for s, p, o in triples],  # type: ignore[arg-type]
        format=ox.RdfFormat.N_TRIPLES,
    )
    return written.decode("utf-8") if written else ""


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(),
    language=st.sampled_from([None, "en", "EN-gb", "fr"]),
    datatype=st.sampled_from(DATATYPES),
)
def test_literals_are_written_as_oxigraph_writes_them(
    text: str, language: str | None, datatype: URIRef | None
) -> None:
    # Any character: control characters, quotes, backslashes, line breaks, astral planes.
    literal = Literal(text, lang=language) if language else Literal(text, datatype=datatype)
    triples: list[Triple] = [(A, P, literal), (A, RDF.type, URIRef("http://example.org/C"))]
    assert NTriplesWriter().write(triples) == oxigraph_ntriples(triples)


def test_every_control_character_and_typed_values() -> None:
    controls = "".join(chr(code) for code in [*range(0x20), 0x7F]) + '"\\ \u2028 \U0001f600'
    triples: list[Triple] = [
        (A, P, Literal(controls)),
        (A, P, Literal("1.0", datatype=XSD.decimal)),  # written as made, not as "1"
        (A, P, Literal(1.5)),
        (A, P, Literal("chat", lang="FR")),
        (A, P, Literal("x", datatype=RDF.langString)),
    ]
    written = NTriplesWriter().write(triples)
    assert written == oxigraph_ntriples(triples)
    assert '"1.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in written
    assert written.count("\n") == len(triples)  # line breaks inside literals are escaped


def test_blank_nodes_keep_their_identity_within_a_writer_and_are_apart_across_writers() -> None:
    node = BNode()
    graph = Graph()
    graph.add((A, P, node))
    graph.add((node, P, Literal("x")))
    graph.add((node, P, BNode()))
    first = NTriplesWriter().write(graph)
    second = NTriplesWriter().write(graph)
    assert isomorphic(Graph().parse(data=first, format="nt"), graph)
    labels = {word for word in first.split() if word.startswith("_:")}
    assert len(labels) == 2
    assert labels.isdisjoint(word for word in second.split() if word.startswith("_:"))
