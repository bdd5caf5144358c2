"""Fixtures of the remote-store tests: a few corpus documents built into an engine (Oxigraph
server or Virtuoso, started by the session fixtures of tests/conftest.py) and, from the same
sources, into an embedded store to compare with."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, XSD
from rdflib.term import Node

from ungraph.build import BuildOptions, BuildReport, build
from ungraph.config import Settings

if TYPE_CHECKING:
    from ungraph.engines import Engine

ENGINES = [pytest.param(name, marks=pytest.mark.engine) for name in ("oxigraph", "virtuoso")]
# Small documents of different kinds: a message delivered on someone's behalf, a statement,
# a video message.
DOCUMENTS = (
    "003_sg_statement_2017_igf_geneva_video_message",
    "007_sg_statement_2017_broadband_commission_message",
    "020_sgsm19036_wtisd_2018_video_message",
)


@dataclass
class Deployment:
    """The same sources built into an engine and into an embedded store."""

    engine: Engine
    remote: str
    embedded: str
    sources: Path
    report: BuildReport


def copy_sources(corpus: Path, target: Path, names: tuple[str, ...] = DOCUMENTS) -> Path:
    """The documents (text and sidecars, not the gold files) copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        for path in corpus.glob(f"{name}.*"):
            if not path.name.endswith(".gold.json"):
                shutil.copy(path, target / path.name)
    return target


def build_into(settings: Settings, sources: Path, location: str) -> BuildReport:
    report = build(settings, BuildOptions(sources=(str(sources),), store=location, workers=0))
    assert report.exit_code == 0, report.quarantined
    return report


@pytest.fixture(scope="module", params=ENGINES)
def deployment(
    request: pytest.FixtureRequest,
    settings: Settings,
    corpus_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """The documents built into a wiped engine and into a folder store (once per module)."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    folder = tmp_path_factory.mktemp(f"deployment-{request.param}")
    sources = copy_sources(corpus_dir, folder / "sources")
    engine.wipe()
    with engine.credentials():
        report = build_into(settings, sources, engine.location)
        embedded = str(folder / "store")
        build_into(settings, sources, embedded)
        yield Deployment(engine, engine.location, embedded, sources, report)


# Comparing what two engines hold --------------------------------------------------------------
_NUMERIC = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
_INTEGERS = {
    str(XSD.integer),
    str(XSD.nonNegativeInteger),
    str(XSD.positiveInteger),
    str(XSD.int),
    str(XSD.long),
}


def canonical(term: Node) -> Node:
    """A literal in one canonical lexical form for its value where engines may differ: Virtuoso
    stores ``"1.0"^^xsd:decimal`` as ``"1"`` (same value), Oxigraph keeps the text as written;
    Oxigraph gives integers of derived types back as ``xsd:integer``, Virtuoso keeps the type.

    >>> canonical(Literal("1.0", datatype=XSD.decimal)) == canonical(Literal("1", datatype=XSD.decimal))
    True
    """
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) in _INTEGERS:
        # Oxigraph reads xsd:nonNegativeInteger back as xsd:integer; Virtuoso keeps the type.
        return Literal(str(int(str(term))), datatype=XSD.integer)
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) in _NUMERIC:
        try:
            value = Decimal(str(term))
        except InvalidOperation:
            return term
        text = (
            format(value.normalize(), "f")
            if value == value.to_integral()
            else str(value.normalize())
        )
        return Literal(text, datatype=term.datatype, normalize=False)
    return term


RUN = "https://w3id.org/ungraph/id/run/"


def canonical_graph(graph: Graph) -> Graph:
    """``graph`` with literals in canonical form and the build's run (its IRI and start time,
    which differ from one build to the next) replaced by fixed values."""
    result = Graph()

    def fixed(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(RUN):
            return URIRef(RUN + "the-run")
        return canonical(term)

    for s, p, o in graph:
        if p == PROV.startedAtTime:
            o = Literal("2000-01-01T00:00:00Z", datatype=XSD.dateTime)
        elif p == RDFS.label and str(s).startswith(RUN):
            o = Literal("the run")
        result.add((fixed(s), p, fixed(o)))
    return result
