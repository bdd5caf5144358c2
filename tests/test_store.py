"""The GraphStore conformance suite, run against every backend."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from ungraph.formats import (
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDF_FORMATS,
    RDFXML,
    RESULT_FORMATS,
    RESULTS_JSON,
    TRIG,
    TURTLE,
)
from ungraph.rdfio import RdfSyntaxError
from ungraph.store import (
    AskResult,
    DocumentRecord,
    GraphResult,
    GraphStore,
    QueryError,
    QueryResult,
    QueryTimeout,
    SelectResult,
    StoreError,
    begin_build,
    open_store,
    store_document,
)

DATA = Path(__file__).parent / "data" / "store"
FORMATS_DIR = DATA / "formats"
EX = "http://example.org/"
G1, G2 = f"{EX}g1", f"{EX}g2"


def _graph(*triples: tuple[str, str, object]) -> Graph:
    graph = Graph()
    for s, p, o in triples:
        graph.add(
            (
                URIRef(EX + s),
                URIRef(EX + p),
                o if isinstance(o, (URIRef, Literal, BNode)) else URIRef(EX + str(o)),
            )
        )
    return graph


REMOTE_ENGINES = [pytest.param(name, marks=pytest.mark.engine) for name in ("oxigraph", "virtuoso")]


@pytest.fixture(params=["memory", "disk", "build", *REMOTE_ENGINES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Every backend: in memory, on disk opened in place, a new version of a build, and the
    remote store on Oxigraph server and on Virtuoso (each wiped first)."""
    if request.param in ("oxigraph", "virtuoso"):
        engine = request.getfixturevalue(f"{request.param}_engine")
        engine.wipe()
        with engine.credentials(), open_store(engine.location) as opened:
            yield opened
    elif request.param == "memory":
        with open_store("memory:") as opened:
            yield opened
    elif request.param == "disk":
        with open_store(str(tmp_path / "store")) as opened:
            yield opened
    else:
        build = begin_build(str(tmp_path / "store"))
        yield build.store
        build.abort()


def parse_dataset(data: bytes | str | Path, rdflib_format: str) -> Dataset:
    """rdflib's own parser (independent of the engine that wrote the dump)."""
    dataset = Dataset()
    with warnings.catch_warnings():
        # rdflib 7's parsers call its own deprecated ConjunctiveGraph / default_context.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        if isinstance(data, Path):
            dataset.parse(data, format=rdflib_format)
        else:
            dataset.parse(data=data, format=rdflib_format)
    return dataset


def _quads(store: GraphStore) -> Dataset:
    return parse_dataset(b"".join(store.dump(NQUADS)), "nquads")


def parse_graph(data: bytes, rdflib_format: str) -> Graph:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        return Graph().parse(data=data, format=rdflib_format)


def select(result: QueryResult) -> SelectResult:
    """The rows of a SELECT answer (any other kind of answer fails the test)."""
    assert isinstance(result, SelectResult)
    return result


def _graph_of(dataset: Dataset, name: str) -> Graph:
    graph = Graph()
    for triple in dataset.graph(URIRef(name)):
        graph.add(triple)
    return graph


def test_backends_satisfy_the_protocol(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)


def test_replace_graph_replaces_only_that_graph(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b"), ("a", "p", "c")))
    store.replace_graph(G2, _graph(("x", "p", "y")))
    written = store.replace_graph(G1, _graph(("a", "q", Literal("new"))))
    assert written == 1
    assert store.count(G1) == 1
    assert store.count(G2) == 1
    assert store.named_graphs() == [G1, G2]
    assert isomorphic(_graph_of(_quads(store), G1), _graph(("a", "q", Literal("new"))))


def test_replace_with_nothing_drops_the_graph(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    assert store.replace_graph(G1, Graph()) == 0
    assert store.named_graphs() == []


def test_literals_and_blank_nodes_survive_a_round_trip(store: GraphStore) -> None:
    blank = BNode()
    data = Graph()
    a, p = URIRef(EX + "a"), URIRef(EX + "p")
    tricky = 'quote " backslash \\ newline \n tab \t unicode ünï 🙂'
    for obj in (
        Literal(tricky),
        Literal("chat", lang="fr"),
        Literal("42", datatype=XSD.integer),
        Literal("2017-12-18", datatype=XSD.date),
        Literal("x", datatype=URIRef(EX + "custom")),
        blank,
    ):
        data.add((a, p, obj))
    data.add((blank, p, Literal("inner")))
    store.replace_graph(G1, data)
    assert isomorphic(_graph_of(_quads(store), G1), data)


def test_blank_nodes_of_separate_writes_stay_apart(store: GraphStore) -> None:
    shared_label = BNode("b0")
    p = URIRef(EX + "p")
    one, two = Graph(), Graph()
    one.add((shared_label, p, Literal("1")))
    two.add((shared_label, p, Literal("2")))
    store.replace_graph(G1, one)
    store.replace_graph(G2, two)
    result = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult)
    assert [int(str(row[0])) for row in result] == [2]


def test_add_and_drop(store: GraphStore) -> None:
    assert store.add(G1, _graph(("a", "p", "b"))) == 1
    assert store.add(G1, [(URIRef(EX + "c"), URIRef(EX + "p"), Literal("d"))]) == 1
    assert store.count(G1) == 2
    store.add(None, _graph(("in", "default", "graph")))
    assert store.count() == 3
    assert store.drop_graph(G1) is True
    assert store.drop_graph(G1) is False
    assert store.count() == 1


def test_queries_see_the_union_of_graphs_by_default(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    store.replace_graph(G2, _graph(("b", "p", "c")))
    result = store.query(f"SELECT ?x WHERE {{ <{EX}a> <{EX}p>/<{EX}p> ?x }}")
    assert isinstance(result, SelectResult)
    assert result.variables == ("x",)
    assert list(result) == [(URIRef(EX + "c"),)]


def test_default_graph_and_named_graphs_restrict_the_dataset(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    store.replace_graph(G2, _graph(("c", "p", "d")))
    only_g2 = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[G2])
    assert [row[0] for row in select(only_g2)] == [URIRef(EX + "c")]
    named = store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G1])
    assert [row[0] for row in select(named)] == [URIRef(G1)]


def test_graph_clauses_see_the_graphs_they_name(store: GraphStore) -> None:
    # Regression: under Virtuoso's dataset pragmas, GRAPH <iri> matched nothing.
    store.replace_graph(G1, _graph(("a", "p", "b")))
    store.replace_graph(G2, _graph(("c", "p", "d")))
    one = store.query(f"SELECT ?s WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert [row[0] for row in select(one)] == [URIRef(EX + "a")]
    prefixed = store.query(f"PREFIX ex: <{EX}> SELECT ?s WHERE {{ GRAPH ex:g2 {{ ?s ?p ?o }} }}")
    assert [row[0] for row in select(prefixed)] == [URIRef(EX + "c")]
    mixed = store.query(
        f"SELECT ?g ?x WHERE {{ GRAPH ?g {{ ?s ?p ?o }} GRAPH <{G1}> {{ ?x ?p ?y }} }} ORDER BY ?g"
    )
    assert [tuple(row) for row in select(mixed)] == [
        (URIRef(G1), URIRef(EX + "a")),
        (URIRef(G2), URIRef(EX + "a")),
    ]
    every = store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [row[0] for row in select(every)] == [URIRef(G1), URIRef(G2)]


def test_unbound_values_are_none(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    result = store.query(
        f"SELECT ?s ?missing WHERE {{ ?s ?p ?o OPTIONAL {{ ?s <{EX}q> ?missing }} }}"
    )
    assert list(result) == [(URIRef(EX + "a"), None)]  # type: ignore[call-overload]


def test_ask_and_construct(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    yes = store.query(f"ASK {{ <{EX}a> ?p ?o }}")
    no = store.query(f"ASK {{ <{EX}zzz> ?p ?o }}")
    assert isinstance(yes, AskResult) and yes.value and bool(yes)
    assert isinstance(no, AskResult) and not no
    built = store.query(f"CONSTRUCT {{ ?o <{EX}inverse> ?s }} WHERE {{ ?s <{EX}p> ?o }}")
    assert isinstance(built, GraphResult)
    assert isomorphic(built.graph(), _graph(("b", "inverse", "a")))


def test_bad_sparql_is_a_query_error(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="does not parse"):
        store.query("SELEKT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="does not parse"):
        store.update("INSERT NOTHING")


def test_update(store: GraphStore) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> <{EX}b> }} }}")
    assert store.count(G1) == 1


def test_timeout_stops_a_long_result(store: GraphStore) -> None:
    store.add(G1, [(URIRef(f"{EX}s{i}"), URIRef(EX + "p"), Literal(i)) for i in range(400)])
    result = store.query("SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }", timeout=0.05)
    with pytest.raises(QueryTimeout, match="longer than"):
        for _ in select(result):
            pass


def _rows_of(fmt_name: str, data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    if fmt_name == "json":
        bindings = json.loads(text)["results"]["bindings"]
        return [{k: v["value"] for k, v in b.items()} for b in bindings]
    if fmt_name == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    if fmt_name == "tsv":
        rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
        header = [h.lstrip("?") for h in rows[0]]
        return [dict(zip(header, (c.strip("<>") for c in row), strict=True)) for row in rows[1:]]
    import xml.etree.ElementTree as ET

    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(data)
    return [
        {b.get("name", ""): "".join(b.itertext()).strip() for b in result.findall("r:binding", ns)}
        for result in root.iterfind(".//r:result", ns)
    ]


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.name)
def test_select_results_serialise_in_every_results_format(store: GraphStore, fmt: object) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    result = store.query(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}")
    data = b"".join(result.serialize(fmt))  # type: ignore[arg-type]
    assert _rows_of(fmt.name, data) == [{"s": EX + "a", "o": EX + "b"}]  # type: ignore[attr-defined]


def test_ask_serialises(store: GraphStore) -> None:
    data = b"".join(store.query("ASK { }").serialize(RESULTS_JSON))
    assert json.loads(data)["boolean"] is True


def test_results_refuse_a_format_of_the_wrong_kind(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="cannot be written as turtle"):
        b"".join(store.query("SELECT * WHERE { ?s ?p ?o }").serialize(TURTLE))
    with pytest.raises(QueryError, match="cannot be written as json"):
        b"".join(store.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(RESULTS_JSON))


@pytest.mark.parametrize("fmt", [TURTLE, NTRIPLES, JSONLD, RDFXML], ids=lambda f: f.name)
def test_construct_results_serialise_in_rdf_formats(store: GraphStore, fmt: object) -> None:
    expected = _graph(("a", "p", "b"), ("a", "p", Literal("x", lang="en")))
    store.replace_graph(G1, expected)
    result = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    data = b"".join(result.serialize(fmt))  # type: ignore[arg-type]
    assert isomorphic(parse_graph(data, fmt.rdflib), expected)  # type: ignore[attr-defined]


def _load_fixture(store: GraphStore) -> Dataset:
    store.load_file(DATA / "dataset.trig")
    return parse_dataset(DATA / "dataset.trig", "trig")


@pytest.mark.parametrize("fmt", [TRIG, NQUADS, JSONLD], ids=lambda f: f.name)
def test_dataset_dumps_keep_every_graph(store: GraphStore, fmt: object) -> None:
    expected = _load_fixture(store)
    dumped = parse_dataset(b"".join(store.dump(fmt)), fmt.rdflib)  # type: ignore[arg-type, attr-defined]
    names = sorted(str(g.identifier) for g in expected.graphs() if len(g))
    assert sorted(str(g.identifier) for g in dumped.graphs() if len(g)) == names
    for name in names:
        assert isomorphic(_graph_of(dumped, name), _graph_of(expected, name)), name


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_merged_dumps_hold_each_distinct_triple_once(store: GraphStore, fmt: object) -> None:
    expected_dataset = _load_fixture(store)
    expected = Graph()
    for s, p, o, _ in expected_dataset.quads((None, None, None, None)):
        expected.add((s, p, o))
    data = b"".join(store.dump(fmt, merged=True))  # type: ignore[arg-type]
    dumped = parse_dataset(data, fmt.rdflib)  # type: ignore[attr-defined]
    merged = Graph()
    for s, p, o, _ in dumped.quads((None, None, None, None)):
        merged.add((s, p, o))
    assert isomorphic(merged, expected)
    if fmt is NTRIPLES:
        assert len([line for line in data.splitlines() if line.strip()]) == len(expected)


def test_dump_of_one_graph(store: GraphStore) -> None:
    store.replace_graph(G1, _graph(("a", "p", "b")))
    store.replace_graph(G2, _graph(("c", "p", "d")))
    data = b"".join(store.dump(TURTLE, graph=G2))
    assert isomorphic(Graph().parse(data=data, format="turtle"), _graph(("c", "p", "d")))


def test_dump_stops_cleanly_when_the_reader_stops(store: GraphStore) -> None:
    store.add(
        G1, [(URIRef(f"{EX}s{i}"), URIRef(EX + "p"), Literal("x" * 100)) for i in range(5000)]
    )
    chunks = store.dump(NQUADS)
    first = next(iter(chunks))
    assert first
    chunks.close()  # type: ignore[attr-defined]
    assert store.count(G1) == 5000


@pytest.mark.parametrize("path", sorted(FORMATS_DIR.glob("small.*")), ids=lambda p: p.name)
def test_load_file_in_every_format(store: GraphStore, path: Path) -> None:
    report = store.load_file(path, graph=G1)
    assert report.quads == 6
    assert G1 in report.graphs
    assert store.count() == 6


def test_load_file_keeps_a_datasets_graphs(store: GraphStore) -> None:
    target = f"{EX}target"
    report = store.load_file(FORMATS_DIR / "small.trig", graph=target)
    assert report.graphs == tuple(sorted({target, G1, G2}))
    assert (store.count(G1), store.count(G2)) == (4, 1)
    # The file's default-graph triple went to the graph asked for.
    assert store.count(target) == 1


def test_a_bad_file_loads_nothing(store: GraphStore) -> None:
    store.load_file(FORMATS_DIR / "small.nt", graph=G1)
    with pytest.raises(RdfSyntaxError):
        store.load_file(FORMATS_DIR / "bad.nq")
    # bad.nq's first line is valid: it must not have been loaded either.
    assert store.count() == 6
    assert store.named_graphs() == [G1]


def test_document_records(store: GraphStore) -> None:
    record = DocumentRecord("doc-1", G1, "hash-1", "ungraph 0.1.0")
    store_document(store, record, _graph(("a", "p", "b")))
    stored = store.documents()["doc-1"]
    assert (stored.graph, stored.content_hash, stored.pipeline) == (G1, "hash-1", "ungraph 0.1.0")
    assert stored.updated  # stamped when not given
    store.record_document(DocumentRecord("doc-1", G1, "hash-2", "x", "2024-01-01T00:00:00+00:00"))
    assert store.documents()["doc-1"].content_hash == "hash-2"
    store.forget_document("doc-1")
    assert store.documents() == {}


def test_bad_graph_name(store: GraphStore) -> None:
    with pytest.raises(StoreError, match="absolute IRI"):
        store.replace_graph("not an iri", Graph())


def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = open_store("memory:")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.count()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    with open_store(location) as writer:
        writer.replace_graph(G1, _graph(("a", "p", "b")))
    with open_store(location, read_only=True) as reader:
        assert reader.count() == 1
        assert reader.documents() == {}
        with pytest.raises(StoreError, match="read-only"):
            reader.replace_graph(G1, Graph())
        with pytest.raises(StoreError, match="read-only"):
            reader.record_document(DocumentRecord("d", G1, "h"))


def test_named_memory_stores_are_shared_in_the_process() -> None:
    from ungraph.store.memory import forget_memory_store

    try:
        with open_store("memory:shared-test") as one:
            one.replace_graph(G1, _graph(("a", "p", "b")))
        with open_store("memory:shared-test", read_only=True) as two:
            assert two.count() == 1
        assert open_store("memory:").count() == 0
    finally:
        forget_memory_store("shared-test")


@pytest.mark.parametrize("location", ["http://x/y", "ftp://x/", ""])
def test_unsupported_locations_are_clear_errors(location: str) -> None:
    with pytest.raises(StoreError, match="not a store location"):
        open_store(location, read_only=True)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("sparql+http://127.0.0.1:1/?engine=oxigraph", "cannot reach http://127.0.0.1:1"),
        ("sparql+http://127.0.0.1:1/?engine=nope", "unknown engine 'nope'"),
        ("sparql+http://127.0.0.1:1/?color=red", "unknown parameter"),
        ("sparql+http://127.0.0.1:x/", "bad port"),
        ("sparql+http:///x", "no host"),
        ("sparql+http://h:1/sparql?engine=generic", "needs gsp=PATH"),
    ],
)
def test_bad_or_unreachable_remote_locations_are_clear_errors(location: str, message: str) -> None:
    with pytest.raises(StoreError, match=re.escape(message)):
        open_store(location, read_only=True)


def test_opening_a_missing_store_read_only_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="ungraph build"):
        open_store(str(tmp_path / "none"), read_only=True)


def test_buffered_records_are_durable_after_close_and_visible_before(tmp_path: Path) -> None:
    """Records are committed in batches: reads see the buffer, a reopened store sees all."""
    location = str(tmp_path / "store")
    with open_store(location) as writer:
        for n in range(2_500):  # two full batches and a remainder
            writer.record_document(DocumentRecord(f"doc-{n}", G1, f"h{n}", "p", "2024-01-01"))
        writer.forget_document("doc-7")
        assert len(writer.documents()) == 2_499
        writer.forget_document("doc-8")  # buffered, written only at close
    with open_store(location, read_only=True) as reader:
        records = reader.documents()
    assert len(records) == 2_498
    assert "doc-7" not in records and "doc-8" not in records
    assert records["doc-2499"].content_hash == "h2499"
