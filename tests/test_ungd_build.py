"""A build of ~50 real General Debate statements (read by path from the corpus's archive; skipped
without it): every statement validates, is spoken by its member State's delegation (the country
with its ISO code and its Wikidata row) and addressed to the general debate of its session; the
graphs the worker processes load are the graphs the pipeline makes in-process (isomorphic), and
the validator's results on damaged real graphs are plain pySHACL's."""

from __future__ import annotations

import csv
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from ungraph import __version__
from ungraph.build import BuildOptions, BuildReport, build
from ungraph.config import Settings
from ungraph.extract import extract_document
from ungraph.extract.knowledge import Knowledge
from ungraph.formats import NTRIPLES
from ungraph.iris import Minter
from ungraph.mapping import Run, map_document
from ungraph.namespaces import UNG
from ungraph.sources import read_sources
from ungraph.sources.model import SourceDocument
from ungraph.store import open_store
from ungraph.store.base import SelectResult
from ungraph.validate import GraphValidator, Shapes, vocabulary_types

EVERY = 220  # one member in 220: ~50 statements from every era of the corpus
OA = "http://www.w3.org/ns/oa#"


@dataclass(frozen=True)
class Built:
    folder: Path
    store: str
    report: BuildReport
    names: tuple[str, ...]  # ISO3_NN_YYYY


@pytest.fixture(scope="module")
def built(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Built:
    archive = settings.ungd_dir / "ungd-txt.tar.gz"
    if not archive.is_file():
        pytest.skip(f"the General Debate archive is not at {archive} (UNGRAPH_SHARED)")
    folder = tmp_path_factory.mktemp("ungd") / "txt"
    names = []
    with tarfile.open(archive, "r|gz") as tar:
        files = (m for m in tar if m.isfile() and m.name.endswith(".txt"))
        for index, member in enumerate(files):
            if index % EVERY != 7:
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            path = PurePosixPath(member.name)
            target = folder / path.parent.name / path.name  # Session NN - YYYY/ISO3_NN_YYYY.txt
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(handle.read())
            names.append(path.stem)
    store = str(tmp_path_factory.mktemp("ungd-store") / "store")
    # Two worker processes and small batches: the path the full corpus takes.
    report = build(settings, BuildOptions(sources=(str(folder),), store=store, workers=2, batch=8))
    return Built(folder, store, report, tuple(names))


def test_every_statement_is_built_and_validates(built: Built) -> None:
    assert len(built.names) >= 45
    assert built.report.read == len(built.names)
    assert [q.to_json() for q in built.report.quarantined] == []
    assert built.report.built == len(built.names)
    sessions = {int(name.split("_")[1]) for name in built.names}
    assert min(sessions) <= 10 and max(sessions) >= 70  # the whole span, 1946 to the 2020s


def _rows(store_path: str, query: str) -> list[tuple[object, ...]]:
    result = open_store(store_path, read_only=True).query(query)
    assert isinstance(result, SelectResult)
    return [tuple(row) for row in result]


def _wikidata_rows(settings: Settings) -> dict[str, str]:
    with (settings.reference_dir / "wikidata_ids.tsv").open(encoding="utf-8") as handle:
        return {
            row["key"]: row["qid"]
            for row in csv.DictReader(handle, delimiter="\t")
            if row["kind"] == "country"
        }


def test_speakers_are_the_delegations_of_their_countries_linked_to_wikidata(
    built: Built, settings: Settings
) -> None:
    rows = _rows(
        built.store,
        """PREFIX ung: <https://w3id.org/ungraph/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?id ?iso ?same WHERE {
          ?doc a ung:GeneralDebateStatement ; dct:identifier ?id ; ung:speaker ?delegation ;
               ung:recordsSpeechAct ?act .
          ?act ung:speaker ?delegation .
          ?delegation a ung:Delegation, ung:Organization ; ung:ofCountry ?country .
          ?country a ung:Country ; ung:iso3166Alpha3 ?iso .
          OPTIONAL { ?country <http://www.w3.org/2002/07/owl#sameAs> ?same }
        }""",
    )
    found = {str(row[0]): (str(row[1]), row[2]) for row in rows}
    wikidata = _wikidata_rows(settings)
    countries = [name for name in built.names if name.split("_")[0] in wikidata]
    assert len(countries) >= len(built.names) - 2  # the European Union speaks as itself
    for name in countries:
        iso = name.split("_")[0]
        assert found[name][0] == iso, name
        assert found[name][1] == URIRef(f"http://www.wikidata.org/entity/{wikidata[iso]}"), name


def test_statements_address_the_general_debate_of_their_session(built: Built) -> None:
    rows = _rows(
        built.store,
        """PREFIX ung: <https://w3id.org/ungraph/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?id ?edition ?year ?date WHERE {
          ?doc a ung:GeneralDebateStatement ; dct:identifier ?id ; ung:addressedTo ?event ;
               dct:date ?date .
          ?event ung:inSeries <https://w3id.org/ungraph/id/event-series/general-assembly-general-debate> ;
                 ung:edition ?edition ; ung:year ?year .
        }""",
    )
    found = {str(row[0]): row[1:] for row in rows}
    assert set(found) == set(built.names)
    for name in built.names:
        _iso, session, year = name.split("_")
        edition, event_year, date = found[name]
        assert int(str(edition)) == int(session), name
        assert str(event_year) == year == str(1945 + int(session)), name
        assert str(date).startswith(year), name


# ---------------------------------------------------------------------------------------------
# The speed work changed neither the graphs nor the verdicts
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def in_process(built: Built, settings: Settings) -> Iterator[dict[str, Graph]]:
    """Six of the statements mapped here, in this process, with the build's run."""
    minter = Minter(settings.base_iri)
    store = open_store(built.store, read_only=True)
    started = store.query(
        f"SELECT ?t WHERE {{ <{built.report.run}> <http://www.w3.org/ns/prov#startedAtTime> ?t }}"
    )
    assert isinstance(started, SelectResult)
    (when,) = next(iter(started))
    assert isinstance(when, Literal)
    run = Run(
        URIRef(built.report.run),
        minter.agent(f"ungraph-{__version__}"),
        __version__,
        when.toPython(),
    )
    knowledge = Knowledge.load(settings)
    types = vocabulary_types(settings)
    graphs = {}
    for source in read_sources([str(built.folder)]):
        assert isinstance(source, SourceDocument)
        if source.doc_id in built.names[::8]:
            result = map_document(
                extract_document(source, knowledge),
                minter,
                run,
                registry=knowledge.registry,
                known=types.__contains__,
            )
            graphs[str(result.graph_name)] = result.graph
    yield graphs


def _canonical(graph: Graph) -> Graph:
    """``graph`` as a store keeps it: Oxigraph writes literals in their canonical form
    ("1.0"^^xsd:decimal as "1"), so an in-process graph is compared with a loaded one after the
    same round trip."""
    store = open_store("memory:", read_only=False)
    store.replace_graph("http://example.org/g", graph)
    return Graph().parse(
        data=b"".join(store.dump(NTRIPLES, graph="http://example.org/g")), format="nt"
    )


def test_loaded_graphs_are_isomorphic_to_the_graphs_mapped_in_process(
    built: Built, in_process: dict[str, Graph]
) -> None:
    store = open_store(built.store, read_only=True)
    assert len(in_process) >= 6
    for name, expected in in_process.items():
        loaded = Graph().parse(data=b"".join(store.dump(NTRIPLES, graph=name)), format="nt")
        assert len(loaded) == len(expected), name
        assert isomorphic(loaded, _canonical(expected)), name


def _damaged(graph: Graph) -> Graph:
    """A real document graph with faults of every kind the fast paths touch: a missing text, a
    second document kind (sh:qualifiedValueShape), an offset that is not an integer (sh:or), a
    selector that is not typed (sh:qualifiedValueShape with sh:class), a speaker of no class."""
    damaged = Graph()
    for triple in graph:
        damaged.add(triple)
    document = next(damaged.subjects(RDF.type, UNG.Document))
    damaged.remove((document, UNG.text, None))
    damaged.add((document, RDF.type, UNG.Message))
    position = next(damaged.subjects(RDF.type, URIRef(f"{OA}TextPositionSelector")))
    damaged.set((position, URIRef(f"{OA}start"), Literal("x")))
    quote = next(damaged.subjects(RDF.type, URIRef(f"{OA}TextQuoteSelector")))
    damaged.remove((quote, RDF.type, URIRef(f"{OA}TextQuoteSelector")))
    damaged.add((document, UNG.speaker, URIRef("http://example.org/nobody")))
    return damaged


def test_the_validator_agrees_with_plain_pyshacl_on_damaged_real_graphs(
    in_process: dict[str, Graph], settings: Settings
) -> None:
    types = vocabulary_types(settings)
    shapes = Shapes.load()
    # Plain pySHACL gets the shapes without their SPARQL constraints (it runs each once per
    # focus node: minutes on a real statement); the validator runs those in Oxigraph, a path
    # tests/test_validate.py compares on the shapes' own examples.
    plain_shapes = Graph()
    for triple in shapes.original:
        if triple[1] != SH.sparql:
            plain_shapes.add(triple)
    checker = GraphValidator(Shapes.from_graph(plain_shapes), types=types)
    for name, graph in list(in_process.items())[:2]:
        damaged = _damaged(graph)
        ours = checker.validate(damaged, name)
        data = Graph()
        for triple in damaged:
            data.add(triple)
        for node in {o for o in damaged.objects() if isinstance(o, URIRef)}:
            for kind in types.get(node, ()):
                data.add((node, RDF.type, kind))
        conforms, report, _ = pyshacl_validate(data, shacl_graph=plain_shapes, inference="none")
        expected = set()
        focus = set(damaged.subjects())
        for result in report.objects(None, SH.result):
            node = report.value(result, SH.focusNode)
            if node not in focus:  # linked vocabulary nodes are not validated
                continue
            path = report.value(result, SH.resultPath)
            value = report.value(result, SH.value)
            expected.add(
                (
                    str(node),
                    str(report.value(result, SH.sourceConstraintComponent)),
                    str(path) if isinstance(path, URIRef) else None,
                    None if value is None else str(value),
                )
            )
        keys = {
            (
                r.focus_node,
                r.constraint,
                r.path if r.path and r.path.startswith("http") else None,
                r.value,
            )
            for r in ours.results
        }
        assert not ours.conforms and not conforms
        assert len(keys) >= 5
        assert keys == expected, name


def test_a_validated_graph_comes_back_unchanged_with_its_ntriples(
    in_process: dict[str, Graph], settings: Settings
) -> None:
    checker = GraphValidator(types=vocabulary_types(settings))
    name, graph = next(iter(in_process.items()))
    before = Graph()
    for triple in graph:
        before.add(triple)
    validation = checker.validate_batch([(name, graph)], serialize=True)[0]
    assert validation.conforms
    assert isomorphic(graph, before)  # the shared types added for the run are gone again
    assert validation.ntriples is not None
    assert isomorphic(Graph().parse(data=validation.ntriples, format="nt"), before)
    assert validation.triples == len(before)
