"""Converting RDF terms between rdflib (the project's Python API) and pyoxigraph (the engine)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.graph import Graph
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
"""A triple of rdflib terms: the store interface's unit of data."""

_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """An rdflib term equal to an Oxigraph term.

    Simple literals come back without a datatype (rdflib's ``Literal("x")``), as rdflib's own
    parsers give them, so graphs compare equal whichever side parsed them.

    >>> to_rdflib(ox.Literal("x"))
    rdflib.term.Literal('x')
    >>> to_rdflib(ox.Literal("chat", language="fr"))
    rdflib.term.Literal('chat', lang='fr')
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"RDF-star triple terms are not supported: {term}")


def quad_to_rdflib(quad: ox.Quad) -> tuple[Node, Node, Node, URIRef | BNode | None]:
    """Subject, predicate, object and graph name (None for the default graph)."""
    graph = quad.graph_name
    name = None if isinstance(graph, ox.DefaultGraph) else to_rdflib(graph)
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object), name  # type: ignore[return-value]


class ToOxigraph:
    """Converts rdflib terms to Oxigraph terms; one instance maps each blank node to a fresh one,
    so data added in separate calls never shares blank nodes by accident of their labels.
    """

    def __init__(self) -> None:
        self._bnodes: dict[str, ox.BlankNode] = {}

    def term(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(node, URIRef):
            return ox.NamedNode(str(node))
        if isinstance(node, BNode):
            found = self._bnodes.get(str(node))
            if found is None:
                found = self._bnodes[str(node)] = ox.BlankNode()
            return found
        if isinstance(node, Literal):
            if node.language:
                return ox.Literal(str(node), language=node.language)
            if node.datatype is not None and str(node.datatype) not in (_XSD_STRING, _LANG_STRING):
                return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
            return ox.Literal(str(node))
        raise TypeError(f"not an RDF term: {node!r}")

    def quads(
        self, triples: Iterable[Triple], graph: ox.NamedNode | ox.DefaultGraph
    ) -> Iterator[ox.Quad]:
        for s, p, o in triples:
            yield ox.Quad(self.term(s), self.term(p), self.term(o), graph)  # type: ignore[arg-type]


class NTriples(str):
    r"""A graph already written as N-Triples (by Oxigraph's serialiser, one triple per line):
    the build's workers send graphs this way, and backends write it without turning it into
    Python objects again.

    >>> NTriples('<http://e/a> <http://e/p> "x" .\n<http://e/a> <http://e/p> "y" .\n').count_triples()
    2
    """

    def count_triples(self) -> int:
        return sum(
            1 for line in self.splitlines() if line.strip() and not line.lstrip().startswith("#")
        )


def triples_of(data: Graph | Iterable[Triple] | NTriples) -> Iterable[Triple]:
    """The triples of an rdflib Graph (its own, not a Dataset's other graphs), of N-Triples
    text, or an iterable."""
    if isinstance(data, Graph):
        return data.triples((None, None, None))
    if isinstance(data, NTriples):
        return (
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in ox.parse(data.encode("utf-8"), ox.RdfFormat.N_TRIPLES)
        )
    return data
