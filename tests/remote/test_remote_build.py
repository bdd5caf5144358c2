"""Building into a remote engine: the same graphs and counts as the embedded store, a rebuild
that replaces only the changed document, pruning, atomic graph replacement, the writer's lock,
and bookkeeping that queries never see."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic

from ungraph.config import Settings
from ungraph.engines import Engine
from ungraph.formats import NQUADS
from ungraph.stats import collect_stats
from ungraph.store import GraphStore, SelectResult, StoreError, open_store
from ungraph.store.base import Row

from .conftest import DOCUMENTS, ENGINES, Deployment, build_into, canonical_graph, copy_sources

pytestmark = pytest.mark.engine


def _integers(row: Row) -> tuple[int, ...]:
    """A row of counts as numbers (engines may write the same count differently)."""
    numbers = []
    for value in row:
        assert isinstance(value, Literal), row
        numbers.append(int(value))
    return tuple(numbers)


def _dataset(store: GraphStore) -> Dataset:
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(data=b"".join(store.dump(NQUADS)), format="nquads")
    return dataset


def _graph(dataset: Dataset, name: str) -> Graph:
    graph = Graph()
    for triple in dataset.graph(URIRef(name)):
        graph.add(triple)
    return canonical_graph(graph)


def _assert_same(expected: Graph, actual: Graph, name: str) -> None:
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(expected, actual)
        lines = [f"- {t}" for t in list(only_expected)[:10]] + [
            f"+ {t}" for t in list(only_actual)[:10]
        ]
        pytest.fail(f"graph {name} differs from the embedded store's:\n" + "\n".join(lines))


def test_a_build_holds_the_same_graphs_records_and_counts(deployment: Deployment) -> None:
    with (
        open_store(deployment.remote, read_only=True) as remote,
        open_store(deployment.embedded, read_only=True) as embedded,
    ):
        assert remote.named_graphs() == embedded.named_graphs()
        assert len(remote.named_graphs()) == len(DOCUMENTS) + 5  # + sdg, vocabulary, ...
        assert remote.count() == embedded.count()
        assert set(remote.documents()) == set(embedded.documents())
        for key, record in remote.documents().items():
            assert record.content_hash == embedded.documents()[key].content_hash
        assert collect_stats(remote).to_json() | {"version": None} == collect_stats(
            embedded
        ).to_json() | {"version": None}
        ours, theirs = _dataset(remote), _dataset(embedded)
        for name in embedded.named_graphs():
            _assert_same(_graph(theirs, name), _graph(ours, name), name)


def test_bookkeeping_is_invisible_to_queries(deployment: Deployment) -> None:
    """Records, the version and the lock live in the engine, but a query over the union of all
    graphs counts exactly what the embedded store counts (VoID's numbers depend on it)."""
    text = (
        "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
        "(COUNT(DISTINCT ?p) AS ?properties) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    )
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with (
        open_store(deployment.remote, read_only=True) as remote,
        open_store(deployment.embedded, read_only=True) as embedded,
    ):
        assert remote.documents()  # the records are there...
        for query in (text, graphs):
            ours, theirs = remote.query(query), embedded.query(query)
            assert isinstance(ours, SelectResult) and isinstance(theirs, SelectResult)
            assert [_integers(row) for row in ours] == [_integers(row) for row in theirs]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    engine.wipe()
    return engine


def test_a_rebuild_replaces_only_the_changed_document(
    engine: Engine, settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    sources = copy_sources(corpus_dir, tmp_path / "sources")
    with engine.credentials():
        first = build_into(settings, sources, engine.location)
        assert (first.built, first.replaced, first.skipped) == (3, 0, 0)
        with open_store(engine.location, read_only=True) as store:
            before = store.documents()
            version = store.version
            graphs_before = {r.graph: store.count(r.graph) for r in before.values()}
        changed = sources / f"{DOCUMENTS[0]}.txt"
        changed.write_text(
            changed.read_text("utf-8") + "\nWe must bring broadband to every school.\n", "utf-8"
        )
        second = build_into(settings, sources, engine.location)
        assert (second.built, second.replaced, second.skipped) == (1, 1, 2)
        with open_store(engine.location, read_only=True) as store:
            after = store.documents()
            assert store.version != version  # readers reload
            assert set(after) == set(before)
            differing = {key for key in after if after[key] != before[key]}
            assert len(differing) == 1
            (key,) = differing
            assert after[key].content_hash != before[key].content_hash
            graph = after[key].graph
            text = store.query(
                f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?d <https://w3id.org/ungraph/ontology#text> ?t }} }}"
            )
            assert isinstance(text, SelectResult)
            assert any("every school" in str(row[0]) for row in text)
            for other in set(after) - {key}:
                assert store.count(after[other].graph) == graphs_before[after[other].graph]
        third = build_into(settings, sources, engine.location)
        assert (third.built, third.skipped) == (0, 3)


def test_prune_drops_documents_no_longer_in_the_sources(
    engine: Engine, settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    from ungraph.build import BuildOptions, build

    sources = copy_sources(corpus_dir, tmp_path / "sources")
    with engine.credentials():
        build_into(settings, sources, engine.location)
        for path in sources.glob(f"{DOCUMENTS[1]}.*"):
            path.unlink()
        report = build(
            settings,
            BuildOptions(sources=(str(sources),), store=engine.location, workers=0, prune=True),
        )
        assert (report.pruned, report.skipped, report.documents_in_store) == (1, 2, 2)
        with open_store(engine.location, read_only=True) as store:
            assert len(store.documents()) == 2
            assert not any("broadband-commission" in g for g in store.named_graphs())


# Virtuoso 7.2 runs MOVE as one update, yet a reader counting the graph once saw 7,000 triples
# while an 8,000-triple graph was being replaced by a 5,000-triple one (1 run in 3 of the suite):
# its replacement is not reliably atomic for readers, as docs/store.md says. Not strict: the
# race is rare, and the check must keep holding on Oxigraph server.
_VIRTUOSO_MOVE_RACE = pytest.mark.xfail(
    strict=False, reason="Virtuoso's MOVE can expose a half-replaced graph to a concurrent reader"
)
_ATOMICITY_ENGINES = [
    pytest.param(
        param.values[0],
        marks=[*param.marks, *([_VIRTUOSO_MOVE_RACE] if param.values[0] == "virtuoso" else [])],
    )
    for param in ENGINES
]


@pytest.mark.parametrize("engine", _ATOMICITY_ENGINES, indirect=True)
def test_readers_never_see_a_half_written_graph(engine: Engine) -> None:
    graph = "http://example.org/big"
    p = URIRef("http://example.org/p")

    def data(n: int, tag: str) -> Graph:
        g = Graph()
        for i in range(n):
            g.add((URIRef(f"http://example.org/s{i}"), p, Literal(f"{tag}{i}")))
        return g

    old, new = data(5_000, "a"), data(8_000, "b")
    seen: set[int] = set()
    done = threading.Event()
    failures: list[BaseException] = []
    with engine.credentials(), open_store(engine.location) as writer:
        writer.replace_graph(graph, old)
        reader = open_store(engine.location, read_only=True)

        def read() -> None:
            try:
                while not done.wait(0.005):
                    seen.add(reader.count(graph))
            except BaseException as error:
                failures.append(error)

        thread = threading.Thread(target=read)
        thread.start()
        try:
            writer.replace_graph(graph, new)
            writer.replace_graph(graph, old)
        finally:
            done.set()
            thread.join()
    assert not failures
    assert seen <= {5_000, 8_000}, f"a reader saw a graph being written: {sorted(seen)}"
    assert len(seen) >= 1


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_one_writer_at_a_time(engine: Engine) -> None:
    with engine.credentials(), open_store(engine.location) as first:
        with pytest.raises(StoreError, match="being written by"):
            open_store(engine.location)
        first.add("http://example.org/g", Graph())
    with engine.credentials(), open_store(engine.location) as again:  # released on close
        assert again.named_graphs() == []
