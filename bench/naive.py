"""The naive pipeline the benchmarks measure ungraph against: every document mapped into one
rdflib graph beside the vocabularies, validated by one whole-graph pySHACL run."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from ungraph.config import load_settings
from ungraph.extract.knowledge import Knowledge
from ungraph.iris import Minter
from ungraph.mapping import Run
from ungraph.resources import shapes_paths
from ungraph.vocab import vocabulary_graphs


@dataclass
class NaivePipeline:
    """What the naive pipeline holds before its first document."""

    knowledge: Knowledge
    minter: Minter
    run: Run
    graph: Graph
    """The vocabularies, and every document mapped so far."""
    shapes: Graph

    @classmethod
    def start(cls, label: str) -> NaivePipeline:
        settings = load_settings()
        minter = Minter(settings.base_iri)
        graph = Graph()
        for shared in vocabulary_graphs(settings, minter).values():
            graph += shared
        shapes = Graph()
        for path in shapes_paths():
            shapes.parse(path, format="turtle")
        return cls(Knowledge.load(settings), minter, Run.create(minter, label), graph, shapes)
