"""Converting RDF terms between rdflib (the project's Python API) and pyoxigraph (the engine)."""

from __future__ import annotations

import re
import uuid
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


class NTriplesWriter:
    r"""Writes rdflib triples as N-Triples, one per line, byte for byte as Oxigraph's serialiser
    writes the same terms (its escapes, lower-cased language tags, no ``^^xsd:string``), without
    making an Oxigraph object per term and per triple: a build writes every document graph,
    and validating 237 mapped graphs (which writes them) took 20 ms each that way, 16.5 this. Each
    term's text is made once per writer; blank nodes get random labels, as Oxigraph's do, so
    that graphs written apart never share one.

    Nothing is checked here: IRIs and language tags are checked by whatever parses the text
    (Oxigraph's parser, unless told to be lenient).

    >>> NTriplesWriter().write([(URIRef("http://e/a"), URIRef("http://e/p"), Literal('say "hi"\n'))])
    '<http://e/a> <http://e/p> "say \\"hi\\"\\n" .\n'
    """

    def __init__(self) -> None:
        self._texts: dict[Node, str] = {}

    def term(self, node: Node) -> str:
        text = self._texts.get(node)
        if text is None:
            text = self._texts[node] = _term_text(node)
        return text

    def write(self, triples: Iterable[Triple]) -> str:
        term = self.term
        return "".join([f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples])


def _term_text(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{uuid.uuid4().hex}"
    if isinstance(node, Literal):
        quoted = _quoted(str(node))
        if node.language:
            return f"{quoted}@{node.language.lower()}"
        datatype = node.datatype
        if datatype is not None and str(datatype) not in (_XSD_STRING, _LANG_STRING):
            return f"{quoted}^^<{datatype}>"
        return quoted
    raise TypeError(f"not an RDF term: {node!r}")


# Oxigraph's escapes: \\ \" \n \r (text has these), \b \t \f, and \uXXXX for the other control
# characters (rare: replaced one by one when present).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ESCAPES = {
    **{chr(code): f"\\u{code:04X}" for code in [*range(0x20), 0x7F]},
    "\b": "\\b",
    "\t": "\\t",
    "\f": "\\f",
}


def _quoted(value: str) -> str:
    # One scan in C per character escaped (replace gives the string back when it is absent): a
    # one-pass translation with a table cost milliseconds on a document's text.
    value = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if "\t" in value or _CONTROL.search(value) is not None:
        value = _CONTROL.sub(_escape_control, value.replace("\t", "\\t"))
    return f'"{value}"'


def _escape_control(match: re.Match[str]) -> str:
    return _CONTROL_ESCAPES[match.group()]


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
