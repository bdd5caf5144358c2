"""Serving at scale: the UN General Debate graph served by ``ungraph serve`` (gunicorn, production
settings), against the same data in-process on pyoxigraph (the floor), in ``oxigraph serve`` and
in Virtuoso, all in the same run on this machine.

1. **Latency**: every runnable catalogue query (``queries/*.rq``, parameter defaults, read from the
   files at run time) and document look-ups (``/data/document/<slug>.ttl`` and
   ``/page/document/<slug>``; on the engines the same CONSTRUCT the data document runs), warm,
   median and 95th percentile over N repetitions, per query class (SELECT with GROUP BY/ORDER BY,
   plain SELECT, CONSTRUCT/DESCRIBE, page) and overall, as ratios to the floor and to
   ``oxigraph serve``.
2. **Load**: ``wrk`` on loopback, 8/32/64 connections for a bounded time, on a document page and a
   mid-size SELECT through ``/sparql`` GET; ``oxigraph serve`` answering the same SELECT (and the
   page's data CONSTRUCT) is the baseline.
3. **Memory**: resident memory (RSS and PSS) of the whole ``ungraph serve`` process tree (gunicorn
   master, its worker, the query worker processes and their fork server), idle and after the load.

The graph: ``UNGRAPH_BENCH_SERVING_DOCUMENTS`` statements sampled evenly from the corpus tarball
(``0`` = all of it, the default of a full run; 24 with ``--quick``), built once with
``ungraph build`` into ``{var}/bench/serving/<source hash>/store`` and reused while the sampled
files are unchanged; or ``UNGRAPH_BENCH_SERVING_STORE`` names an existing store folder to use as
it is. The store is dumped once to N-Quads and bulk-loaded into each engine (``oxigraph load``;
Virtuoso's ``ld_dir`` + ``rdf_loader_run``), both cached by the store's version beside it.
``UNGRAPH_BENCH_SERVING_REPEAT``, ``_BUDGET``, ``_LOOKUPS``, ``_LOAD_SECONDS`` and ``_WORKERS``
override the repetitions (15), the seconds a probe may take in all on one target (20), the
documents looked up (12), the duration of each load run (10 s) and the server processes (one per
core). ``UNGRAPH_BENCH_SERVING_ENGINES`` names the engines to compare with (default
``oxigraph,virtuoso``; empty: none, and no dump — for ungraph's own latency and memory on a
graph too large to load twice more in the time at hand).

The rate limit is switched off for the run (``--rate-limit 0``): it would otherwise be the load
test's subject. Every other setting is ``ungraph serve``'s default.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from ungraph.config import Settings, load_settings
from ungraph.engines import Engine, free_port, missing, oxigraph_binary, start
from ungraph.store import open_store
from ungraph.store.layout import StoreLayout
from ungraph.store.oxigraph import OxigraphStore
from ungraph.web.catalogue import bind_parameters, catalogue
from ungraph.web.lexer import screen, tokens
from ungraph.web.prepared import bind, query_text

QUICK = os.environ.get("UNGRAPH_BENCH_QUICK") == "1"
DOCUMENTS = int(os.environ.get("UNGRAPH_BENCH_SERVING_DOCUMENTS", "24" if QUICK else "0"))
STORE = os.environ.get("UNGRAPH_BENCH_SERVING_STORE", "")
REPEAT = int(os.environ.get("UNGRAPH_BENCH_SERVING_REPEAT", "3" if QUICK else "15"))
LOAD_SECONDS = float(os.environ.get("UNGRAPH_BENCH_SERVING_LOAD_SECONDS", "2" if QUICK else "10"))
CONNECTIONS = (8,) if QUICK else (8, 32, 64)
LOOKUPS = int(os.environ.get("UNGRAPH_BENCH_SERVING_LOOKUPS", "2" if QUICK else "12"))
"""Documents whose data and page are looked up (spread evenly over the store's documents)."""
BUDGET = float(os.environ.get("UNGRAPH_BENCH_SERVING_BUDGET", "2" if QUICK else "20"))
"""Seconds a query may take in all on one target: a slow query is repeated fewer times (>= 3)."""
SERVER_WORKERS = int(os.environ.get("UNGRAPH_BENCH_SERVING_WORKERS", str(os.cpu_count() or 1)))
"""``ungraph serve --workers``: one server process per core, as docs/deploy.md runs it (pages
render in Python, so one process would serve them on one core whatever its threads)."""
TIME_LIMIT = 30
"""Seconds a query may run: ungraph serve's default limit, given to Oxigraph server
(``--timeout-s``) and Virtuoso (``timeout``) too."""
CLIENT_TIMEOUT = TIME_LIMIT + 15.0
VIRTUOSO_MB = 256 if QUICK else 2048
BASE = "https://w3id.org/ungraph/"
SELECT_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
MID_SELECT = "11-documents-per-year-and-kind"
"""The load test's mid-size SELECT: an aggregate over every document, a few hundred rows."""
TARGETS = ("floor", "ungraph", "oxigraph", "virtuoso")
ENGINES = tuple(
    name.strip()
    for name in os.environ.get("UNGRAPH_BENCH_SERVING_ENGINES", "oxigraph,virtuoso").split(",")
    if name.strip()
)
CLASSES = ("select-aggregate", "select-plain", "construct-describe", "page")


# ---------------------------------------------------------------------------------------------
# The graph: a sample of the corpus, built once per source hash
# ---------------------------------------------------------------------------------------------
def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chosen_members(settings: Settings, documents: int) -> tuple[list[str], str]:
    """The archive members of an even sample of ``documents`` statements (all for 0), and the
    hash that names the sample: of the members' own SHA-256 from the manifest, or of the whole
    archive for the full corpus."""
    tarball = settings.ungd_dir / "ungd-txt.tar.gz"
    if documents == 0:
        return [], "all-" + _sha256_file(tarball)[:16]
    manifest = settings.ungd_dir / "manifest.tsv"
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines()[1:] if line]
    rows.sort(key=lambda row: row[0])
    count = min(documents, len(rows))
    chosen = [rows[i * len(rows) // count] for i in range(count)]
    digest = hashlib.sha256("\n".join(f"{r[0]}\t{r[-1]}" for r in chosen).encode()).hexdigest()
    return [r[0] for r in chosen], f"n{count}-{digest[:16]}"


def _extract(settings: Settings, members: list[str], folder: Path) -> None:
    wanted = set(members)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(settings.ungd_dir / "ungd-txt.tar.gz", mode="r|*") as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if not member.isfile() or not any(name.endswith(w) for w in wanted):
                continue
            data = archive.extractfile(member)
            assert data is not None
            target = partial / "/".join(name.split("/")[-2:])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())
    found = sum(1 for _ in partial.rglob("*.txt"))
    if found != len(members):
        raise RuntimeError(f"found {found} of the {len(members)} sampled statements in the archive")
    partial.rename(folder)


def _ungraph_command() -> str:
    return str(Path(sys.executable).with_name("ungraph"))


def prepare_store(settings: Settings) -> tuple[str, Path, dict[str, Any]]:
    """The store to serve, the cache folder of its derived data, and what it holds."""
    if STORE:
        store = str(Path(STORE).resolve())
        cache = (
            settings.var
            / "bench"
            / "serving"
            / ("store-" + hashlib.sha256(store.encode()).hexdigest()[:12])
        )
        cache.mkdir(parents=True, exist_ok=True)
        return store, cache, {"source": store, "documents": None, "build_s": None}
    members, key = _chosen_members(settings, DOCUMENTS)
    cache = settings.var / "bench" / "serving" / key
    cache.mkdir(parents=True, exist_ok=True)
    store_path = cache / "store"
    marker = cache / "built.json"
    # A store built before builds compacted their version is built again: it would be served
    # slower than what ``ungraph build`` now produces.
    if not marker.exists() or "optimize_s" not in json.loads(marker.read_text("utf-8")):
        if members:
            source = cache / "txt"
            if not source.exists():
                _extract(settings, members, source)
        else:
            source = settings.ungd_dir / "ungd-txt.tar.gz"
        shutil.rmtree(store_path, ignore_errors=True)
        print(f"serving: building {source} into {store_path}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [_ungraph_command(), "build", str(source), "--store", str(store_path), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1) or not done.stdout.strip():
            raise RuntimeError(f"ungraph build failed ({done.returncode}): {done.stderr[-3000:]}")
        report = json.loads(done.stdout)
        marker.write_text(
            json.dumps(
                {
                    "source": str(source),
                    "build_s": round(seconds, 1),
                    "documents": report["documents"],
                    "pipeline": report["pipeline"],
                    "optimize_s": report["timings"].get("optimize"),
                }
            ),
            "utf-8",
        )
    built = json.loads(marker.read_text("utf-8"))
    counts = built["documents"]
    return (
        str(store_path),
        cache,
        {
            "source": built["source"],
            "sample": len(members) or "all",
            "documents": counts["in_store"],
            "quarantined": counts["quarantined"],
            "build_s": built["build_s"],
            "pipeline": built["pipeline"],
        },
    )


def _database(store: str) -> tuple[Path, str]:
    layout = StoreLayout(Path(store))
    version = layout.current()
    if version is None:
        raise RuntimeError(f"no store at {store}")
    return layout.database(version), version


def dump(store: str, cache: Path) -> tuple[Path, int]:
    """The store's quads as N-Quads, written once per store version; and how many there are."""
    _, version = _database(store)
    path = cache / f"dump-{version}.nq"
    count_file = path.with_suffix(".count")
    if not count_file.exists():
        for old in cache.glob("dump-*"):
            old.unlink()
        with open_store(store, read_only=True) as opened:
            assert isinstance(opened, OxigraphStore), store  # a folder store
            engine = opened.engine
            engine.dump(str(path), ox.RdfFormat.N_QUADS)
            count_file.write_text(str(len(engine)), "utf-8")
    return path, int(count_file.read_text("utf-8"))


def _count(store: str) -> int:
    with open_store(store, read_only=True) as opened:
        assert isinstance(opened, OxigraphStore), store  # a folder store
        return len(opened.engine)


# ---------------------------------------------------------------------------------------------
# The engines, loaded from the dump once per store version
# ---------------------------------------------------------------------------------------------
def _loaded(folder: Path, version_file: Path) -> bool:
    marker = folder / "loaded-from"
    return marker.exists() and marker.read_text("utf-8") == version_file.name


def start_oxigraph_loaded(cache: Path, nquads: Path) -> tuple[Engine, float | None]:
    folder = cache / "oxigraph"
    seconds = None
    if not _loaded(folder, nquads):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        binary = oxigraph_binary()
        assert binary is not None
        started = time.perf_counter()
        subprocess.run(
            [binary, "load", "--location", str(folder / "data"), "--file", str(nquads)],
            check=True,
            capture_output=True,
        )
        seconds = round(time.perf_counter() - started, 1)
        (folder / "loaded-from").write_text(nquads.name, "utf-8")
    return start("oxigraph", folder, timeout=TIME_LIMIT), seconds


def _isql(engine: Engine, statements: str, timeout: float = 3600) -> str:
    assert engine.admin is not None
    address, password = engine.admin
    done = subprocess.run(
        ["isql-vt", address, "dba", password, f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise RuntimeError(f"isql on Virtuoso failed: {output.strip()[:2000]}")
    return done.stdout


def start_virtuoso_loaded(cache: Path, nquads: Path) -> tuple[Engine, float | None]:
    folder = cache / "virtuoso"
    fresh = not _loaded(folder, nquads)
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    engine = start("virtuoso", folder, memory_mb=VIRTUOSO_MB)
    if not fresh:
        return engine, None
    try:
        # The bulk loader reads only folders under DirsAllowed (the engine's own folder).
        load = folder / "load"
        load.mkdir(exist_ok=True)
        os.link(nquads, load / "dump.nq")
        started = time.perf_counter()
        _isql(
            engine,
            "ld_dir('./load', 'dump.nq', 'urn:ungraph:bench:unused'); rdf_loader_run(); checkpoint;",
        )
        seconds = round(time.perf_counter() - started, 1)
        errors = _isql(engine, "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if not any(line.strip() == "0" for line in errors.splitlines()):
            raise RuntimeError(f"Virtuoso's bulk loader reported errors: {errors[-2000:]}")
        (load / "dump.nq").unlink()
        (folder / "loaded-from").write_text(nquads.name, "utf-8")
    except BaseException:
        engine.stop()
        raise
    return engine, seconds


# ---------------------------------------------------------------------------------------------
# ungraph serve, and its memory
# ---------------------------------------------------------------------------------------------
@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path


@contextmanager
def ungraph_serve(store: str, cache: Path) -> Iterator[Server]:
    port = free_port()
    log = cache / "ungraph-serve.log"
    command = [
        _ungraph_command(),
        "serve",
        "--store",
        store,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--rate-limit",
        "0",
        "--workers",
        str(SERVER_WORKERS),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    try:
        end = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ungraph serve exited: {log.read_text('utf-8')[-3000:]}")
            try:
                status, body = _get(port, "/healthz", "application/json")
                if status == 200 and json.loads(body)["query_workers"]["running"] > 0:
                    break
            except OSError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"ungraph serve did not start: {log.read_text('utf-8')[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_memory(pid: int) -> dict[str, Any]:
    """RSS and PSS (MiB) of ``pid`` and every descendant. RSS counts pages the processes share
    (the read-only store's mapped files, the fork server's code) once per process; PSS splits
    them, so its sum is what the tree really holds."""
    tree = _children()
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(tree.get(current, []))
    rss = pss = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {
        "processes": len(pids),
        "rss_mib": round(rss / 1024, 1),
        "pss_mib": round(pss / 1024, 1),
    }


# ---------------------------------------------------------------------------------------------
# Latency
# ---------------------------------------------------------------------------------------------
_CONNECTIONS: dict[int, http.client.HTTPConnection] = {}


def _get(port: int, path: str, accept: str) -> tuple[int, bytes]:
    """GET over a kept-alive connection. A kept connection the server has closed meanwhile
    (gunicorn keeps an idle one 5 s) is replaced once; any other failure raises. An answer
    Virtuoso cut at its time limit (an "anytime" partial answer, ``X-SQL-State: S1TAT``) is a
    504 here."""
    for attempt in (1, 2):
        connection = _CONNECTIONS.get(port)
        reused = connection is not None
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
            _CONNECTIONS[port] = connection
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            _CONNECTIONS.pop(port, None)
            stale = isinstance(
                error, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
            )
            if reused and stale and attempt == 1:
                continue
            raise
        if response.getheader("X-SQL-State") == "S1TAT":
            return 504, b"partial answer at the time limit: " + body[:200]
        return response.status, body
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Probe:
    """One measured request: its name, class, SPARQL text (or a page), and what it expects."""

    name: str
    kind: str
    sparql: str | None
    ungraph_path: str
    accept: str


def query_class(text: str) -> str:
    """``select-aggregate`` (GROUP BY or ORDER BY), ``select-plain`` or ``construct-describe``.

    >>> query_class("SELECT ?y (COUNT(*) AS ?n) WHERE { ?d ?p ?y } GROUP BY ?y")
    'select-aggregate'
    >>> query_class("# ORDER BY in a comment\\nSELECT * WHERE { ?s ?p 'GROUP BY' }")
    'select-plain'
    >>> query_class("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'construct-describe'
    """
    form = screen(text, BASE + "sparql").form
    if form in ("construct", "describe"):
        return "construct-describe"
    words = [t.text.upper() for t in tokens(text) if t.kind == "word"]
    pairs = set(pairwise(words))
    return "select-aggregate" if {("GROUP", "BY"), ("ORDER", "BY")} & pairs else "select-plain"


def _sparql_path(text: str) -> str:
    return "/sparql?query=" + quote(text, safe="")


def document_slugs(database: Path, count: int) -> tuple[list[str], int]:
    """``count`` documents spread evenly over the store's, and how many it holds."""
    store = ox.Store.read_only(str(database))
    found = store.query(
        "SELECT DISTINCT ?d WHERE { ?d a <https://w3id.org/ungraph/ontology#Document> } ORDER BY ?d",
        use_default_graph_as_union=True,
    )
    prefix = BASE + "id/document/"
    assert isinstance(found, ox.QuerySolutions)
    iris = [
        row["d"].value
        for row in found
        if isinstance(row["d"], ox.NamedNode) and row["d"].value.startswith(prefix)
    ]
    del store
    if not iris:
        raise RuntimeError("the store holds no documents")
    step = max(1, len(iris) // count)
    return [iri[len(prefix) :] for iri in iris[::step][:count]], len(iris)


def probes(slugs: list[str]) -> list[Probe]:
    found = []
    for query in catalogue():
        if query.federated:
            continue
        text = bind_parameters(query, base=BASE)
        kind = query_class(text)
        accept = SELECT_JSON if kind.startswith("select") else TURTLE
        found.append(Probe(query.name, kind, text, _sparql_path(text), accept))
    for slug in slugs:
        iri = f"{BASE}id/document/{slug}"
        text = bind(query_text("resource-description"), {"this": ox_iri(iri)})
        found.append(
            Probe(f"data {slug}", "construct-describe", text, f"/data/document/{slug}.ttl", TURTLE)
        )
        found.append(Probe(f"page {slug}", "page", None, f"/page/document/{slug}", "text/html"))
        # What a client of the endpoint asks for a document: its own statements.
        text = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
        found.append(
            Probe(f"statements {slug}", "select-plain", text, _sparql_path(text), SELECT_JSON)
        )
    return found


def ox_iri(iri: str) -> Any:
    from rdflib import URIRef

    return URIRef(iri)


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile.

    >>> _percentile([1.0, 2.0, 3.0, 4.0], 0.95)
    4.0
    >>> _percentile([5.0], 0.5)
    5.0
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _measure(call: Callable[[], int]) -> dict[str, Any]:
    """Warm once, then repeat (within the budget); milliseconds; ``size`` is what the last
    answer held (rows for SELECT, bytes otherwise)."""
    started = time.perf_counter()
    try:
        size = call()
    except Exception as error:  # an engine that cannot answer: recorded, not fatal
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}
    first = time.perf_counter() - started
    # Within the budget, at least 3 runs (2 for a probe over 5 s: the time limit is 30 s).
    repeat = max(3 if first < 5 else 2, min(REPEAT, int(BUDGET / max(first, 1e-6))))
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            size = call()
        except Exception as error:  # e.g. a time limit hit on a later run
            return {"error": f"{type(error).__name__}: {str(error)[:300]}", "runs": len(times)}
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        "n": repeat,
        "size": size,
        "samples_ms": [round(t, 2) for t in times],
    }


def _size(body: bytes, accept: str) -> int:
    if accept == SELECT_JSON:
        return len(json.loads(body)["results"]["bindings"])
    return len(body)


def _http_call(port: int, path: str, accept: str) -> Callable[[], int]:
    # A fresh connection for each probe: Oxigraph server answers the first request on a
    # connection idle for longer than its --timeout-s with "500 Resource temporarily
    # unavailable (os error 11)" instead of closing it, and other targets' probes can take that
    # long. Within a probe the connection is kept alive.
    stale = _CONNECTIONS.pop(port, None)
    if stale is not None:
        stale.close()

    def call() -> int:
        status, body = _get(port, path, accept)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
        return _size(body, accept)

    return call


def _floor_call(store: ox.Store, probe: Probe, client: Any) -> Callable[[], int]:
    """The same work in this process: pyoxigraph answering and serialising the query (or, for
    a page, the application itself through Flask's test client: no HTTP, no gunicorn)."""
    if probe.sparql is None:

        def page() -> int:
            response = client.get(probe.ungraph_path)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            return len(response.data)

        return page
    sparql = probe.sparql

    def query() -> int:
        result = store.query(sparql, use_default_graph_as_union=True, base_iri=BASE + "sparql")
        if isinstance(result, ox.QuerySolutions):
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
            assert body is not None
            return len(json.loads(body)["results"]["bindings"])
        assert isinstance(result, ox.QueryTriples)
        data = ox.serialize(result, format=ox.RdfFormat.TURTLE)
        assert data is not None
        return len(data)

    return query


def measure_latency(
    probe_list: list[Probe],
    database: Path,
    store: str,
    ungraph_port: int,
    engines: dict[str, Engine],
) -> dict[str, dict[str, Any]]:
    from ungraph.web import create_app

    floor_store = ox.Store.read_only(str(database))
    app = create_app({"UNGRAPH_STORE": store, "UNGRAPH_QUERY_WORKERS": 0, "UNGRAPH_RATE_LIMIT": 0})
    client = app.test_client()
    results: dict[str, dict[str, Any]] = {}
    try:
        for probe in probe_list:
            row: dict[str, Any] = {"class": probe.kind}
            row["ungraph"] = _measure(_http_call(ungraph_port, probe.ungraph_path, probe.accept))
            if str(row["ungraph"].get("error", "")).startswith("RuntimeError: HTTP 504"):
                # The same engine in this process would run as long, with nothing to stop it.
                row["floor"] = {"error": f"skipped: ungraph serve hit its {TIME_LIMIT} s limit"}
            else:
                row["floor"] = _measure(_floor_call(floor_store, probe, client))
            for name, engine in engines.items():
                if probe.sparql is None:
                    continue
                if name == "oxigraph":
                    path = "/query?" + urlencode({"query": probe.sparql, "union-default-graph": ""})
                else:
                    path = "/sparql?" + urlencode(
                        {"query": probe.sparql, "timeout": str(TIME_LIMIT * 1000)}
                    )
                row[name] = _measure(_http_call(engine.port, path, probe.accept))
            results[probe.name] = row
            shown = "  ".join(
                f"{t} {row[t]['median_ms']}" if "median_ms" in row.get(t, {}) else f"{t} -"
                for t in TARGETS
                if t in row
            )
            print(f"serving: {probe.name} [{probe.kind}] median ms: {shown}", flush=True)
    finally:
        app.extensions["ungraph"].close()
    return results


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v > 0]
    return round(math.exp(sum(math.log(v) for v in values) / len(values)), 2) if values else None


def summarise(latency: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per class and overall, per target: the median and p95 of all samples pooled, and the
    geometric mean of ungraph's per-query ratios to the floor and to ``oxigraph serve``."""
    summary: dict[str, Any] = {}
    for group in (*CLASSES, "overall"):
        rows = [r for r in latency.values() if group in ("overall", r["class"])]
        if not rows:
            continue
        entry: dict[str, Any] = {"queries": len(rows)}
        for target in TARGETS:
            samples = [s for r in rows for s in r.get(target, {}).get("samples_ms", [])]
            if samples:
                entry[target] = {
                    "median_ms": round(statistics.median(samples), 2),
                    "p95_ms": round(_percentile(samples, 0.95), 2),
                }
        for other in ("floor", "oxigraph", "virtuoso"):
            ratios = [
                r["ungraph"]["median_ms"] / r[other]["median_ms"]
                for r in rows
                if "median_ms" in r.get("ungraph", {}) and "median_ms" in r.get(other, {})
            ]
            entry[f"ungraph_vs_{other}"] = _geomean(ratios)
        # Virtuoso is compared only where it gives the same answer (row count): a fast wrong
        # answer is no win (docs/store.md lists Virtuoso 7.2.5's divergences).
        ratios = [
            r["virtuoso"]["median_ms"] / r["oxigraph"]["median_ms"]
            for r in rows
            if "median_ms" in r.get("virtuoso", {})
            and "median_ms" in r.get("oxigraph", {})
            and _virtuoso_agrees(r)
        ]
        entry["virtuoso_vs_oxigraph"] = _geomean(ratios)
        entry["virtuoso_differs"] = sorted(
            name
            for name, r in latency.items()
            if r in rows and "median_ms" in r.get("virtuoso", {}) and not _virtuoso_agrees(r)
        )
        entry["errors"] = {
            target: sum(1 for r in rows if "error" in r.get(target, {})) for target in TARGETS
        }
        summary[group] = entry
    return summary


def _virtuoso_agrees(row: dict[str, Any]) -> bool:
    """Whether Virtuoso's answer has as many rows as Oxigraph's (SELECT; a CONSTRUCT's Turtle
    is written differently by each engine, so only SELECT answers are compared)."""
    if not row["class"].startswith("select"):
        return True
    sizes = {row[t].get("size") for t in ("floor", "oxigraph") if "size" in row.get(t, {})}
    return not sizes or row["virtuoso"].get("size") in sizes


def verdicts(summary: dict[str, Any]) -> list[str]:
    """What the figures say against the targets (median within 1.2x of ``oxigraph serve``) and
    where Virtuoso wins a class by far (half the time of Oxigraph server or less)."""
    said = []
    overall = summary.get("overall", {}).get("ungraph_vs_oxigraph")
    if overall is not None:
        met = "meets" if overall <= 1.2 else "misses"
        said.append(
            f"ungraph serve vs oxigraph serve, per-query medians (geometric mean): {overall}x ({met} the 1.2x target)"
        )
    for group in CLASSES:
        ratio = summary.get(group, {}).get("virtuoso_vs_oxigraph")
        if ratio is not None and ratio <= 0.5:
            said.append(f"Virtuoso wins {group} by far: {ratio}x the time of oxigraph serve")
        elif ratio is not None:
            said.append(
                f"Virtuoso on {group}: {ratio}x the time of oxigraph serve (no decisive win)"
            )
    overall_entry = summary.get("overall", {})
    if overall_entry.get("virtuoso_differs"):
        said.append(
            "Virtuoso answered with other row counts (left out of its ratios): "
            + ", ".join(overall_entry["virtuoso_differs"])
        )
    errors = overall_entry.get("errors", {})
    if any(errors.values()):
        said.append(
            "probes not answered (time limit or error): "
            + ", ".join(f"{target} {count}" for target, count in errors.items())
        )
    return said


# ---------------------------------------------------------------------------------------------
# Load (wrk)
# ---------------------------------------------------------------------------------------------
WRK_SCRIPT = """\
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "%s"})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"connect":%%d,"read":%%d,'
    .. '"write":%%d,"status":%%d,"timeout":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def wrk(port: int, paths: list[str], accept: str, connections: int, folder: Path) -> dict[str, Any]:
    script = folder / "wrk.lua"
    listed = ", ".join(json.dumps(p) for p in paths)
    script.write_text(WRK_SCRIPT % (listed, accept), "utf-8")
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{LOAD_SECONDS:g}s",
        # Anything the server answers within its own time limit (30 s) counts; longer is a timeout.
        "--timeout",
        "31s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=LOAD_SECONDS + 120, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    raw = json.loads(line[len("WRKJSON ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": raw["connect"] + raw["read"] + raw["write"] + raw["status"],
        "non_2xx": raw["status"],
        "timeouts": raw["timeout"],
    }


def measure_load(
    ungraph_port: int, oxigraph: Engine | None, slugs: list[str], folder: Path
) -> dict[str, Any]:
    select = next(q for q in catalogue() if q.name == MID_SELECT)
    text = bind_parameters(select, base=BASE)
    page_paths = [f"/page/document/{s}" for s in slugs]
    data_texts = [
        bind(query_text("resource-description"), {"this": ox_iri(f"{BASE}id/document/{s}")})
        for s in slugs
    ]
    runs: dict[str, list[dict[str, Any]]] = {}
    workloads: list[tuple[str, int, list[str], str]] = [
        ("ungraph page", ungraph_port, page_paths, "text/html"),
        ("ungraph sparql", ungraph_port, [_sparql_path(text)], SELECT_JSON),
    ]
    if oxigraph is not None:
        union = {"union-default-graph": ""}
        workloads += [
            (
                "oxigraph document construct",
                oxigraph.port,
                ["/query?" + urlencode({"query": t, **union}) for t in data_texts],
                TURTLE,
            ),
            (
                "oxigraph sparql",
                oxigraph.port,
                ["/query?" + urlencode({"query": text, **union})],
                SELECT_JSON,
            ),
        ]
    for name, port, paths, accept in workloads:
        runs[name] = []
        for connections in CONNECTIONS:
            figures = wrk(port, paths, accept, connections, folder)
            runs[name].append(figures)
            print(f"serving: load {name} c={connections}: {json.dumps(figures)}", flush=True)
    return {"select": MID_SELECT, "seconds_per_run": LOAD_SECONDS, "runs": runs}


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    found = {"pyoxigraph": ox.__version__, "python": sys.version.split()[0]}
    for command, key in (
        ([oxigraph_binary() or "oxigraph", "--version"], "oxigraph"),
        (["virtuoso-t", "-?"], "virtuoso"),
        (["wrk", "-v"], "wrk"),
    ):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
            text = (done.stdout + done.stderr).strip().splitlines()
            found[key] = next(
                (
                    line.strip()
                    for line in text
                    if "ersion" in line or "wrk" in line.lower() or "oxigraph" in line.lower()
                ),
                text[0] if text else "?",
            )
        except OSError:
            found[key] = "missing"
    return found


def run() -> dict[str, Any]:
    settings = load_settings()
    store, cache, graph = prepare_store(settings)
    database, version = _database(store)
    if ENGINES:
        nquads, quads = dump(store, cache)
    else:
        nquads, quads = cache / "not-dumped.nq", _count(store)
    graph.update({"store": store, "version": version, "quads": quads})
    print(f"serving: graph {json.dumps(graph)}", flush=True)
    results: dict[str, Any] = {
        "quick": QUICK,
        "server": {"workers": SERVER_WORKERS, "query_workers_each": "default (4)", "rate_limit": 0},
        "graph": graph,
        "cpus": os.cpu_count(),
        "versions": _versions(),
    }
    engines: dict[str, Engine] = {}
    loads: dict[str, Any] = {}
    try:
        for name, starter in (
            ("oxigraph", start_oxigraph_loaded),
            ("virtuoso", start_virtuoso_loaded),
        ):
            reason = missing(name)
            if name not in ENGINES:
                reason = "not selected (UNGRAPH_BENCH_SERVING_ENGINES)"
            if reason:
                results[f"{name}_skipped"] = reason
                continue
            engine, seconds = starter(cache, nquads)
            engines[name] = engine
            loads[name] = seconds
        results["engine_load_s"] = loads
        slugs, documents = document_slugs(database, LOOKUPS)
        graph["documents"] = graph["documents"] or documents
        with ungraph_serve(store, cache) as server:
            results["memory_idle"] = tree_memory(server.process.pid)
            latency = measure_latency(probes(slugs), database, store, server.port, engines)
            results["memory_after_latency"] = tree_memory(server.process.pid)
            if shutil.which("wrk"):
                with tempfile.TemporaryDirectory() as scratch:
                    results["load"] = measure_load(
                        server.port, engines.get("oxigraph"), slugs, Path(scratch)
                    )
            else:
                results["load"] = {"skipped": "wrk is missing (make system-deps installs it)"}
            results["memory_after_load"] = tree_memory(server.process.pid)
        results["memory_engines"] = {
            name: tree_memory(e.process.pid) for name, e in engines.items()
        }
    finally:
        for engine in engines.values():
            engine.stop()
    results["summary"] = summarise(latency)
    results["latency"] = latency
    results["verdicts"] = verdicts(results["summary"])
    print(table(results))
    return results


def _cell(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "-"
    if "error" in figures:
        return "error"
    return f"{figures['median_ms']:g} / {figures['p95_ms']:g}"


def table(results: dict[str, Any]) -> str:
    """The figures as text tables: latency per class (median / p95 ms and ratios), load, memory."""
    lines = [
        f"serving benchmark: {results['graph']['documents']} documents, {results['graph']['quads']} quads",
        "",
        "latency, ms (median / p95)  | floor | ungraph serve | oxigraph serve | virtuoso | ungraph/floor | ungraph/oxigraph | virtuoso/oxigraph",
    ]
    for group, entry in results["summary"].items():
        lines.append(
            " | ".join(
                [
                    f"{group} ({entry['queries']})",
                    *(_cell(entry.get(t)) for t in TARGETS),
                    *(
                        str(entry.get(k) or "-") + "x"
                        for k in ("ungraph_vs_floor", "ungraph_vs_oxigraph", "virtuoso_vs_oxigraph")
                    ),
                ]
            )
        )
    lines += ["", "per query (median / p95 ms):"]
    for name, row in results["latency"].items():
        lines.append(
            f"  {name} [{row['class']}]: " + " | ".join(f"{t} {_cell(row.get(t))}" for t in TARGETS)
        )
    load = results.get("load", {})
    if "runs" in load:
        lines += [
            "",
            f"load (wrk, {load['seconds_per_run']:g} s per run): connections, req/s, p50/p90/p99 ms, errors, timeouts",
        ]
        for name, runs in load["runs"].items():
            for r in runs:
                lines.append(
                    f"  {name} c={r['connections']}: {r['requests_per_s']} req/s, "
                    f"{r['p50_ms']}/{r['p90_ms']}/{r['p99_ms']} ms, errors {r['errors']}, timeouts {r['timeouts']}"
                )
    lines += [""]
    for key in ("memory_idle", "memory_after_latency", "memory_after_load"):
        if key in results:
            m = results[key]
            lines.append(
                f"{key}: {m['processes']} processes, RSS {m['rss_mib']} MiB, PSS {m['pss_mib']} MiB"
            )
    lines += [*results["verdicts"]]
    return "\n".join(lines)
