"""Cross-document conflicts: single-valued facts that two graphs give a shared resource.

Each document graph is validated on its own, so a resource several documents describe (an
event edition the registry does not know, a place) can end up with two values of a property the
shapes allow once — "held in Tunisia" from one document, "held in Brazil" from another — while
every graph conforms. The whole-graph validation of the naive pipeline sees it; per-document
validation does not. The build closes that gap: workers list which single-valued properties
each document states about resources outside its own IRI space (:func:`shared_facts`), and once
everything is loaded the store is asked for every value of those properties in every graph
(:func:`find_conflicts`), including graphs of unchanged documents and the shared graphs.
Conflicts are reported, not resolved: which document is right is not for the build to guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ungraph.namespaces import RDF_TYPE
from ungraph.resources import sparql_query

__all__ = [
    "PLACEHOLDER",
    "Conflict",
    "SingleValued",
    "find_conflicts",
    "shared_facts",
    "single_valued",
]

SingleValued = Mapping[URIRef, frozenset[URIRef]]
"""For each class a node shape targets, the properties it allows at most once."""

PLACEHOLDER = "(<urn:ungraph:placeholder> <urn:ungraph:placeholder>)"
"""The VALUES row of ``sparql/conflicts.rq`` that :func:`find_conflicts` replaces."""
_BATCH = 200  # (resource, property) pairs per query


@dataclass(frozen=True)
class Conflict:
    """A resource with more than one value of a single-valued property across graphs."""

    focus: str
    path: str
    values: tuple[str, ...]
    graphs: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"{self.focus} {self.path}: {len(self.values)} values "
            f"({', '.join(self.values)}) from {len(self.graphs)} graphs ({', '.join(self.graphs)})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "path": self.path,
            "values": list(self.values),
            "graphs": list(self.graphs),
        }


def single_valued(shapes: Graph) -> dict[URIRef, frozenset[URIRef]]:
    """The properties the shapes allow at most once (``sh:maxCount 1`` on a plain IRI path),
    by the class their node shape targets (``sh:targetClass``).

    >>> from rdflib import Namespace
    >>> EX = Namespace("http://e/")
    >>> g = Graph().parse(data='''
    ...     @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix e: <http://e/> .
    ...     e:S sh:targetClass e:Event ; sh:property [ sh:path e:country ; sh:maxCount 1 ] ,
    ...         [ sh:path e:place ; sh:maxCount 3 ] .''', format="turtle")
    >>> single_valued(g) == {EX.Event: frozenset({EX.country})}
    True
    """
    found: dict[URIRef, set[URIRef]] = {}
    for node_shape, kind in shapes.subject_objects(SH.targetClass):
        if not isinstance(kind, URIRef):
            continue
        for prop in shapes.objects(node_shape, SH.property):
            path, most = shapes.value(prop, SH.path), shapes.value(prop, SH.maxCount)
            if isinstance(path, URIRef) and isinstance(most, Literal) and most.toPython() == 1:
                found.setdefault(kind, set()).add(path)
    return {kind: frozenset(props) for kind, props in found.items()}


def shared_facts(
    graph: Graph, document: URIRef, single: SingleValued
) -> tuple[tuple[str, str], ...]:
    """The (resource, property) pairs of ``graph`` that could conflict with another graph:
    single-valued properties of resources outside the document's own IRI space (the document
    and its parts, ``{document}/…``, are described by this graph alone)."""
    own = f"{document}/"
    # One pass over the triples, no pattern queries: the mapping's graphs are not indexed
    # unless asked (ungraph.mapping.DeferredIndexMemory).
    wanted: dict[Node, frozenset[URIRef]] = {}
    stated: dict[Node, set[Node]] = {}
    for subject, prop, value in graph:
        if prop == RDF_TYPE:
            props = single.get(value)  # type: ignore[call-overload]
            if props and isinstance(subject, URIRef):
                wanted[subject] = wanted.get(subject, frozenset()) | props
        stated.setdefault(subject, set()).add(prop)
    pairs: set[tuple[str, str]] = set()
    for subject, props in wanted.items():
        if subject == document or str(subject).startswith(own):
            continue
        for prop in props & stated[subject]:
            pairs.add((str(subject), str(prop)))
    return tuple(sorted(pairs))


def find_conflicts(store: Any, pairs: Iterable[tuple[str, str]]) -> list[Conflict]:
    """Every pair of ``pairs`` to which the store's graphs, taken together, give more than one
    value; sorted by resource and property."""
    values: dict[tuple[str, str], dict[str, set[str]]] = {}
    template = sparql_query("conflicts")  # read once, not once per batch
    for batch in _batches(sorted(set(pairs))):
        rows = " ".join(f"(<{subject}> <{prop}>)" for subject, prop in batch)
        query = template.replace(PLACEHOLDER, rows)
        for subject, prop, value, graph in store.query(query):
            key = (str(subject), str(prop))
            values.setdefault(key, {}).setdefault(value.n3(), set()).add(str(graph))
    conflicts = []
    for (subject, prop), by_value in sorted(values.items()):
        if len(by_value) > 1:
            graphs = sorted({g for found in by_value.values() for g in found})
            conflicts.append(Conflict(subject, prop, tuple(sorted(by_value)), tuple(graphs)))
    return conflicts


def _batches(items: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]
