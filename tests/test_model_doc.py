"""docs/model.md is executable: its Turtle example conforms to the shapes with the real shared
graphs, and its queries parse and use only terms the ontology defines."""

from __future__ import annotations

import re
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.plugins.sparql import prepareQuery

from ungraph.config import Settings
from ungraph.iris import Minter
from ungraph.namespaces import UNG
from ungraph.resources import ontology_path, shapes_paths

MODEL = Path(__file__).resolve().parent.parent / "docs" / "model.md"


def blocks(language: str) -> list[str]:
    text = MODEL.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def described_closure(start: Graph, shared: Graph) -> Graph:
    """``start`` plus the descriptions (all triples) in ``shared`` of every IRI it reaches,
    transitively: the nodes an ``sh:class`` check looks at, fully described, so that they
    validate too, without validating all of ``shared``."""
    closure = Graph() + start
    todo = [o for o in start.objects() if isinstance(o, URIRef)]
    seen: set[URIRef] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in shared.triples((node, None, None)):
            closure.add(triple)
            if isinstance(triple[2], URIRef):
                todo.append(triple[2])
    return closure


def test_the_example_graph_conforms_with_the_shared_graphs(settings: Settings) -> None:
    from ungraph.vocab import vocabulary_graphs

    (example,) = blocks("turtle")
    graph = Graph().parse(data=example, format="turtle")
    assert len(graph) > 60
    shared = Graph()
    for part in vocabulary_graphs(settings, Minter(settings.base_iri)).values():
        shared += part
    shapes = Graph()
    for path in shapes_paths():
        shapes.parse(path, format="turtle")
    data = described_closure(graph, shared)
    conforms, _, text = validate(data, shacl_graph=shapes, inference="none")
    assert conforms, text


def test_the_example_queries_parse_and_use_defined_terms() -> None:
    ontology = Graph().parse(ontology_path(), format="turtle")
    queries = blocks("sparql")
    assert len(queries) >= 2
    for query in queries:
        prepareQuery(query)
        for name in re.findall(r"\bung:(\w+)", query):
            assert (URIRef(UNG + name), None, None) in ontology, name
