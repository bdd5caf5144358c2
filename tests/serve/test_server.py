"""Against a real ``ungraph serve`` process: the W3C SPARQL 1.1 Protocol tests (query cases), no
outgoing connections whatever the query says, the hard time limit while other clients are
answered, streaming, and answers cut when a cap is hit mid-stream."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from ungraph.store import begin_build, load_files

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

QUERY_TIMEOUT = 2.0
MAX_ROWS = 30_000
BIG = " ".join(str(n) for n in range(1, 61))
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ {BIG} }}" for i in range(6))
    + " }"
)
"""60^6 (46 billion) rows to count: minutes of work, whatever the data."""


# The W3C manifest -----------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: set[str]
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        if self.headers.get("content-type", "").startswith("application/sparql-update"):
            return True
        params = parse_qsl(urlsplit(self.path).query)
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl((self.body or b"").decode("utf-8", "replace"))
        return any(name == "update" for name, _ in params)


@dataclass
class Case:
    name: str
    title: str
    requests: list[Request]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def updates(self) -> bool:
        """Whether the case needs an update to succeed (this endpoint refuses updates)."""
        return any(r.is_update and "StatusCode2xx" in r.statuses for r in self.requests)


def _manifest(shared: Path) -> tuple[Path, list[Case]]:
    folder = shared / "w3c" / "sparql" / "sparql11" / "protocol"
    path = folder / "manifest.ttl"
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    entries = graph.value(manifest, MF.entries)
    assert entries is not None, manifest
    for entry in Collection(graph, entries):
        case = Case(str(entry).rsplit("#", 1)[1], str(graph.value(entry, MF.name)), [])
        for data in graph.objects(entry, UT.graphData):
            file = Path(urlsplit(str(graph.value(data, UT.graph))).path)
            case.graph_data.append((file, str(graph.value(data, RDFS.label))))
        action = graph.value(entry, MF.action)
        requests = graph.value(action, HT.requests)
        assert requests is not None, entry
        for node in Collection(graph, requests):
            headers = {}
            for header in Collection(graph, graph.value(node, HT.headers) or RDF.nil):
                headers[str(graph.value(header, HT.fieldName)).lower()] = str(
                    graph.value(header, HT.fieldValue)
                )
            body = graph.value(node, HT.body)
            raw = None
            if body is not None:
                encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
                raw = str(graph.value(body, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            boolean = graph.value(response, MF.expectedBoolean)
            assert boolean is None or isinstance(boolean, Literal), boolean
            fmt = graph.value(response, MF.expectedFormat)
            # Every path starts with /sparql/; this endpoint is /sparql (as the manifest allows).
            path_value = str(graph.value(node, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
            case.requests.append(
                Request(
                    method=str(graph.value(node, HT.methodName)),
                    path=path_value,
                    body=raw,
                    headers=headers,
                    statuses={
                        str(s).rsplit("#", 1)[1] for s in graph.objects(response, MF.expectedStatus)
                    },
                    expected_format=str(fmt) if fmt is not None else None,
                    expected_boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        cases.append(case)
    return folder, cases


def _shared() -> Path:
    from ungraph.config import load_settings

    return load_settings().shared


_, CASES = _manifest(_shared())


def _named_in_requests(cases: list[Case]) -> set[str]:
    named = set()
    for case in cases:
        for request in case.requests:
            for key, value in parse_qsl(urlsplit(request.path).query):
                if key in ("default-graph-uri", "named-graph-uri"):
                    named.add(value)
    return named


# The server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def query(self, sparql: str, **params: str) -> tuple[int, dict[str, str], bytes]:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"query": sparql, **params}.items())
        return self.request("GET", f"/sparql?{query}")

    def health(self) -> dict[str, object]:
        status, _, data = self.request("GET", "/healthz")
        assert status == 200, data
        report: dict[str, object] = json.loads(data)
        return report


def start_server(location: str, log: Path, *extra: str) -> Server:
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "ungraph"),
        "serve",
        "--store",
        location,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        "8",
        "--query-workers",
        "2",
        "--query-timeout",
        str(QUERY_TIMEOUT),
        "--rate-limit",
        "0",
        "--max-rows",
        str(MAX_ROWS),
        *extra,
    ]
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(port, process, log)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"ungraph serve exited: {log.read_text(errors='replace')}")
        try:
            if server.request("GET", "/healthz", timeout=5)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"ungraph serve did not answer: {log.read_text(errors='replace')}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on the dataset the protocol cases describe: each ``ut:graphData`` file in the
    named graph of its label. Graphs the requests name without giving data (data0.rdf) are
    declared as empty graphs: this endpoint answers only about graphs it holds and never fetches
    one (docs/serve.md), so the test dataset must hold them."""
    folder = tmp_path_factory.mktemp("w3c")
    location = str(folder / "store")
    loaded: dict[str, Path] = {}
    for case in CASES:
        for file, label in case.graph_data:
            loaded[label] = file
    for label, file in sorted(loaded.items()):
        load_files(location, [file], graph=label)
    with begin_build(location) as build:
        for iri in sorted(_named_in_requests(CASES) - set(loaded)):
            build.store.update(f"CREATE GRAPH <{iri}>")
    running = start_server(location, folder / "server.log")
    yield running
    stop_server(running)


# The W3C protocol cases -----------------------------------------------------------------------

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}
RDF_TYPES = {
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


def _check(request: Request, status: int, headers: dict[str, str], data: bytes) -> None:
    assert f"StatusCode{str(status)[0]}xx" in request.statuses, (status, data[:500])
    media_type = headers.get("content-type", "").split(";")[0].strip()
    if request.expected_format in ("boolean", "tabular"):
        assert media_type in RESULT_TYPES, media_type
        if media_type == "text/csv":
            assert data.splitlines()
            return
        parsed = ox.parse_query_results(data, RESULT_TYPES[media_type])
        if request.expected_format == "boolean":
            assert isinstance(parsed, ox.QueryBoolean)
            if request.expected_boolean is not None:
                assert bool(parsed) is request.expected_boolean
        else:
            assert isinstance(parsed, ox.QuerySolutions)
            assert list(parsed)
    elif request.expected_format == "RDF":
        assert media_type in RDF_TYPES, media_type
        list(ox.parse(data, RDF_TYPES[media_type]))
    if status >= 400:
        assert json.loads(data)["error"]["status"] == status


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol(server: Server, case: Case) -> None:
    if case.updates:
        pytest.skip("needs SPARQL Update, which this read-only endpoint refuses (403)")
    for request in case.requests:
        status, headers, data = server.request(
            request.method, request.path, request.body, request.headers
        )
        _check(request, status, headers, data)


def test_w3c_manifest_is_read_whole() -> None:
    names = [c.name for c in CASES]
    assert len(names) == 34
    assert sum(1 for c in CASES if c.updates) == 7
    query_get = next(c for c in CASES if c.name == "query_get")
    assert query_get.requests[0].expected_boolean is True
    full = next(c for c in CASES if c.name == "query_dataset_full")
    assert len(full.graph_data) == 3


# Safety: nothing reaches out ------------------------------------------------------------------


class Listener:
    """A local TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(4096))
            except OSError:
                self.connections.append(b"")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    watching = Listener()
    yield watching
    watching.close()


def test_service_load_and_remote_graphs_never_connect(server: Server, listener: Listener) -> None:
    address = f"http://127.0.0.1:{listener.port}"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{address}/> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{address}/> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{address}/> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <{address}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{address}/> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?p)SERVICE<{address}/>{{?a ?b ?c}} }}",
        f"SELECT * WHERE {{ ?s <http://e/p#x> ?o . # }}\n SERVICE <{address}/> {{ ?a ?b ?c }} }}",
        f"LOAD <{address}/x>",
        f"LOAD <{address}/x> INTO GRAPH <http://e/g>",
        f"SELECT * FROM <{address}/x> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{address}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"ASK FROM <{address}/\\u0078> {{ }}",
    ]
    for sparql in queries:
        status, _, data = server.query(sparql)
        assert 400 <= status < 500, (sparql, status, data)
        assert json.loads(data)["error"]["detail"]
    for params in ({"default-graph-uri": f"{address}/x"}, {"named-graph-uri": f"{address}/x"}):
        status, _, _ = server.query("ASK { ?s ?p ?o }", **params)
        assert status == 400
    status, _, _ = server.request(
        "POST",
        "/sparql",
        f"LOAD <{address}/x>".encode(),
        {"Content-Type": "application/sparql-update"},
    )
    assert status == 403
    time.sleep(1.0)
    assert listener.connections == []


def test_sandboxed_workers_cannot_connect_even_unscreened(
    listener: Listener, tmp_path: Path
) -> None:
    """Defence in depth: a SERVICE that got past the screening still cannot leave the worker."""
    from ungraph.web.executor import QueryPool
    from ungraph.web.worker import QueryFailed, QueryJob

    location = str(tmp_path / "store")
    with begin_build(location, seed=False) as build:
        build.store.update("CREATE GRAPH <http://e/g>")
    pool = QueryPool(location, size=1, timeout=10, queue_timeout=10, sandbox="auto")
    try:
        job = QueryJob(
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}",
            "select",
            "json",
            "http://e/",
        )
        try:
            answer = pool.run(job)
        except QueryFailed as failure:
            outcome = failure.message
        else:
            outcome = b"".join(answer).decode()
            answer.close()
        if not pool.status()["network_sandbox"]:
            pytest.skip(f"user namespaces are not available here ({outcome})")
        time.sleep(0.5)
        assert listener.connections == []
        assert "unreachable" in outcome.lower() or "error" in outcome.lower()
    finally:
        pool.close()


# The hard time limit --------------------------------------------------------------------------


def test_runaway_query_is_killed_while_others_are_answered(server: Server) -> None:
    before = server.health()["query_workers"]
    assert isinstance(before, dict)
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        status, _, data = server.query(RUNAWAY)
        outcome.update(status=status, data=data, seconds=time.monotonic() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    answered = []
    while thread.is_alive():
        started = time.monotonic()
        status, _, _ = server.query("ASK { ?s ?p ?o }")
        answered.append((status, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 504, outcome
    data, seconds = outcome["data"], outcome["seconds"]
    assert isinstance(data, bytes) and isinstance(seconds, float), outcome
    error = json.loads(data)["error"]
    assert error["limit"] == {"name": "query_timeout", "value": QUERY_TIMEOUT}
    assert QUERY_TIMEOUT <= seconds < QUERY_TIMEOUT + 5
    assert len(answered) >= 3
    assert all(status == 200 and seconds < QUERY_TIMEOUT for status, seconds in answered)
    after = server.health()["query_workers"]
    assert isinstance(after, dict)
    assert after["restarts"] == before["restarts"] + 1
    _, _, metrics = server.request("GET", "/metrics")
    assert b"ungraph_sparql_query_timeouts_total 1.0" in metrics
    assert b'ungraph_query_worker_restarts_total{reason="timeout"} 1.0' in metrics
    # The replacement worker answers.
    assert server.query("ASK {}")[0] == 200


# Streaming and caps mid-stream ----------------------------------------------------------------


def _rows_query(n: int) -> str:
    side = round(n ** (1 / 3))
    values = " ".join(str(i) for i in range(side))
    return f'SELECT ?a ?b ?c (CONCAT("row ", STR(?a), "-", STR(?b), "-", STR(?c)) AS ?label) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} }}'


def test_answers_stream_before_they_are_complete(server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/sparql?query=" + quote(_rows_query(27_000), safe=""))
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        first = response.read(1000)
        assert first.startswith(b'{"head":{"vars":["a","b","c","label"]}')
        # The worker is still writing (held back by this unread connection) after the first
        # bytes arrived: the answer streams.
        workers = server.health()["query_workers"]
        assert isinstance(workers, dict)
        assert workers["busy"] == 1
        rest = response.read()
        body = json.loads(first + rest)
        assert len(body["results"]["bindings"]) == 27_000
    finally:
        conn.close()


def test_row_cap_hit_mid_stream_cuts_the_answer(server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/sparql?query=" + quote(_rows_query(64_000), safe=""))
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        conn.close()
    _, _, metrics = server.request("GET", "/metrics")
    assert b'ungraph_sparql_queries_total{form="select",outcome="rows"} 1.0' in metrics


def test_workers_follow_a_new_store_version(tmp_path: Path) -> None:
    """A build switches ``current``; the worker answers from the new version, no restart."""
    from ungraph.web.executor import QueryPool
    from ungraph.web.worker import QueryJob

    from .conftest import DATASET, DOC1_GRAPH

    location = str(tmp_path / "store")
    load_files(location, [DATASET])
    pool = QueryPool(location, size=1, timeout=10, queue_timeout=10, check_interval=0)
    job = QueryJob(
        "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "select", "tsv", "http://e/"
    )
    try:
        assert b"".join(pool.run(job)).split(b"\n")[1].startswith(b"12")
        with begin_build(location) as build:
            build.store.drop_graph(DOC1_GRAPH)
        assert b"".join(pool.run(job)).split(b"\n")[1].startswith(b"8")
        assert pool.status()["restarts"] == 0
    finally:
        pool.close()


def test_query_workers_start_under_a_deep_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Too deep for the fork server's Unix socket ("AF_UNIX path too long"): spawned workers.
    import tempfile

    from ungraph.web.executor import QueryPool
    from ungraph.web.worker import QueryJob

    from .conftest import DATASET

    location = str(tmp_path / "store")
    load_files(location, [DATASET])
    deep = tmp_path / ("d" * 60) / ("e" * 40)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    pool = QueryPool(location, size=1, timeout=30, queue_timeout=30)
    job = QueryJob(
        "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "select", "tsv", "http://e/"
    )
    try:
        assert pool._context.get_start_method() == "spawn"
        assert b"".join(pool.run(job)).split(b"\n")[1].startswith(b"12")
    finally:
        pool.close()


def test_query_workers_give_freed_memory_back() -> None:
    # What a finished query freed stays in the C allocator's heap until malloc_trim hands it
    # back (a worker went from 1.1 GiB to 145 MiB after one aggregate on the whole General
    # Debate graph): allocate 200 MB in small blocks, pin the heap's top, free the rest.
    import ctypes

    from ungraph.web import worker

    if worker._MALLOC_TRIM is None:
        pytest.skip("not a glibc system: nothing to give back")
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    def resident_mib() -> float:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

    blocks = [libc.malloc(1000) for _ in range(200_000)]
    pin = libc.malloc(1000)  # keeps the heap from shrinking at its top by itself
    for block in blocks:
        ctypes.memset(block, 1, 1000)
    full = resident_mib()
    for block in blocks:
        libc.free(block)
    kept = resident_mib()
    worker.release_memory()
    released = resident_mib()
    libc.free(pin)
    assert kept > full - 50  # freed, but still resident
    assert released < kept - 150  # given back
