"""The remote backend: a SPARQL 1.1 service (Query, Update, Graph Store HTTP Protocol) behind the
same ``GraphStore`` interface as the embedded store.

Location: ``sparql+http(s)://host:port/path?engine=oxigraph|virtuoso|generic&query=...&
update=...&gsp=...&records=...``. Paths may be absolute or relative to ``/path``; each engine has
defaults (see :data:`DIALECTS` and docs/store.md). Credentials come from
``UNGRAPH_REMOTE_USER`` / ``UNGRAPH_REMOTE_PASSWORD`` and are sent only when the service asks.

What differs from the embedded store, and why (docs/store.md, "Remote engines", has the full
story):

- A build cannot switch the whole store at once: each document graph is replaced atomically
  (Oxigraph's PUT is one transaction; Virtuoso's is not, so there the graph is PUT into a
  staging graph and then ``MOVE``d, which is), and the version readers see changes when the
  build commits.
- Document records (content hashes) live in the engine, in the named graph
  ``{base}graph/ungraph-records``, with the store version and the writer's lease lock, so
  every build and web node sees the same. ungraph's own reads (``named_graphs``, ``count``,
  dumps) leave it out; on Virtuoso queries do not see it either (nor Virtuoso's own system
  graphs), through the ``input:default-graph-exclude`` / ``input:named-graph-exclude`` pragmas.
  Oxigraph server has no way to hide a graph from its union default graph without listing every
  other graph in each query, so there the records graph is visible to raw queries.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pyoxigraph as ox

from ungraph.formats import RDF_FORMATS, RESULT_FORMATS, Format
from ungraph.rdfio import DEFAULT_MAX_BYTES, detect_format, iter_quads
from ungraph.store.base import (
    AskResult,
    DocumentRecord,
    GraphData,
    GraphResult,
    LoadReport,
    QueryError,
    QueryResult,
    QueryTimeout,
    Row,
    SelectResult,
    StoreError,
)
from ungraph.store.bookkeeping import Book, GraphNameBook, Holder, TripleBook
from ungraph.store.http import HttpClient, Response, take_read_error
from ungraph.store.streams import threaded_chunks
from ungraph.store.terms import NTriples, ToOxigraph, Triple, to_rdflib, triples_of

SCHEMES = ("sparql+http://", "sparql+https://")
USER_VARIABLE = "UNGRAPH_REMOTE_USER"
PASSWORD_VARIABLE = "UNGRAPH_REMOTE_PASSWORD"
RECORDS_GRAPH = "graph/ungraph-records"
"""The records graph's name, relative to the base IRI."""
LEASE_SECONDS = 60.0
"""How long a writer's lock lasts without renewal; a live writer renews it every third of it."""
_RECORD_BATCH = 50
_N_TRIPLES = "application/n-triples"
_N_QUADS = "application/n-quads"


def is_remote(location: str) -> bool:
    """Whether ``location`` names a remote SPARQL service.

    >>> is_remote("sparql+http://localhost:7878/"), is_remote("var/store")
    (True, False)
    """
    return location.startswith(SCHEMES)


# ---------------------------------------------------------------------------------------------
# Engines and locations
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dialect:
    """What ungraph relies on in one engine (each flag is tested in tests/remote/)."""

    name: str
    query: str
    update: str
    gsp: str
    union_parameter: bool
    """Oxigraph: ``union-default-graph`` makes the default graph the union of all graphs."""
    exclusion_pragmas: bool
    """Virtuoso: ``DEFINE input:default-graph-exclude`` / ``input:named-graph-exclude``."""
    atomic_put: bool
    """Whether a GSP PUT replaces a graph in one transaction (else: PUT a staging graph, MOVE)."""
    default_graph: bool
    """Whether the engine has a default graph of its own (Virtuoso has only named graphs)."""
    results: Format | None
    """The SPARQL results format ungraph reads the engine's answers in."""
    passthrough: frozenset[str]
    """Result formats whose bytes, as the engine writes them, go straight to ungraph's clients:
    the engine writes them exactly as the embedded store would (same serialisers), so the
    endpoint's row counting works on them."""
    timeout_parameter: str | None = None
    """A query parameter giving the engine the time limit (milliseconds)."""
    system_graphs: tuple[str, ...] = ()
    """Patterns of the engine's own graphs, which are not ungraph's data."""
    graph_name_book: bool = False
    """Keep the bookkeeping in the names of empty graphs (see :mod:`ungraph.store.bookkeeping`)."""


def _results_format(name: str) -> Format:
    return next(f for f in RESULT_FORMATS if f.name == name)


DIALECTS: dict[str, Dialect] = {
    "oxigraph": Dialect(
        "oxigraph",
        query="/query",
        update="/update",
        gsp="/store",
        union_parameter=True,
        exclusion_pragmas=False,
        atomic_put=True,
        default_graph=True,
        results=_results_format("json"),
        passthrough=frozenset({"json", "xml", "csv", "tsv"}),
        graph_name_book=True,
    ),
    "virtuoso": Dialect(
        "virtuoso",
        query="/sparql",
        update="/sparql-auth",
        gsp="/sparql-graph-crud-auth",
        union_parameter=False,
        exclusion_pragmas=True,
        atomic_put=False,
        default_graph=False,
        # Virtuoso's blank nodes (nodeID://b1) are rewritten in XML, where they cannot be
        # mistaken for text; its TSV is not SPARQL's TSV, so nothing is passed through.
        results=_results_format("xml"),
        passthrough=frozenset(),
        timeout_parameter="timeout",
        system_graphs=(
            r"^http://www\.openlinksw\.com/",
            r"^http://www\.w3\.org/ns/ldp#",
            r"^http://localuriqaserver/",
            r"^https?://[^/]+/sparql/?$",
            r"^https?://[^/]+/DAV/",
        ),
    ),
    "generic": Dialect(
        "generic",
        query="",
        update="",
        gsp="",
        union_parameter=False,
        exclusion_pragmas=False,
        atomic_put=True,
        default_graph=True,
        results=_results_format("json"),
        passthrough=frozenset(),
    ),
}


@dataclass(frozen=True)
class RemoteLocation:
    """A parsed ``sparql+http(s)://`` location."""

    location: str
    origin: str
    engine: str
    query: str
    update: str
    gsp: str
    records: str
    timeout: float = 300.0

    @property
    def dialect(self) -> Dialect:
        return DIALECTS[self.engine]

    def with_records(self, records: str) -> RemoteLocation:
        return replace(self, records=records)


def parse_location(location: str, *, base_iri: str | None = None) -> RemoteLocation:
    """Read a ``sparql+http(s)://`` location (``StoreError`` naming what is wrong).

    >>> loc = parse_location("sparql+http://localhost:7878/?engine=oxigraph",
    ...                      base_iri="https://w3id.org/ungraph/")
    >>> loc.origin, loc.query, loc.update, loc.gsp
    ('http://localhost:7878', '/query', '/update', '/store')
    >>> loc.records
    'https://w3id.org/ungraph/graph/ungraph-records'
    >>> parse_location("sparql+http://h:8890/?engine=virtuoso&query=/sparql-auth").query
    '/sparql-auth'
    """
    if not is_remote(location):
        raise StoreError(f"not a remote store location: {location!r}")
    parts = urlsplit(location[len("sparql+") :])
    if not parts.hostname:
        raise StoreError(f"no host in the store location {location!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as error:
        raise StoreError(f"bad port in the store location {location!r}: {error}") from None
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    known = {"engine", "query", "update", "gsp", "records", "timeout"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise StoreError(
            f"unknown parameter(s) {', '.join(unknown)} in the store location {location!r}; "
            f"known: {', '.join(sorted(known))}"
        )
    engine = params.get("engine") or _guess_engine(parts.port, parts.path)
    if engine not in DIALECTS:
        raise StoreError(f"unknown engine {engine!r} in {location!r}; one of {', '.join(DIALECTS)}")
    dialect = DIALECTS[engine]
    base_path = parts.path or "/"

    def path(name: str, default: str) -> str:
        given = params.get(name, default)
        if not given:
            if engine == "generic" and name != "gsp":
                return base_path
            raise StoreError(
                f"the store location {location!r} needs {name}=PATH for a {engine} engine"
            )
        if given.startswith("/"):
            return given
        return base_path.rstrip("/") + "/" + given

    if base_iri is None:
        from ungraph.config import load_settings

        base_iri = load_settings().base_iri
    try:
        timeout = float(params.get("timeout", "300"))
    except ValueError:
        raise StoreError(f"timeout= must be a number of seconds in {location!r}") from None
    return RemoteLocation(
        location=location,
        origin=f"{parts.scheme}://{parts.netloc}",
        engine=engine,
        query=path("query", dialect.query),
        update=path("update", dialect.update),
        gsp=path("gsp", dialect.gsp),
        records=params.get("records") or base_iri + RECORDS_GRAPH,
        timeout=timeout,
    )


def _guess_engine(port: int | None, path: str) -> str:
    """The engine a location most likely names when it does not say: Virtuoso's usual port or
    endpoint path, else Oxigraph server."""
    if port == 8890 or path.rstrip("/").endswith(("/sparql", "/sparql-auth")):
        return "virtuoso"
    return "oxigraph"


# Connections are shared by every store object of a process opened on the same service, so
# that reopening a store (the web handle does, when a build commits) keeps its connections.
_CLIENTS: dict[tuple[str, str | None], HttpClient] = {}
_CLIENTS_LOCK = threading.Lock()


@atexit.register
def close_connections() -> None:
    """Close every kept-alive connection of this process (at exit, and in tests)."""
    with _CLIENTS_LOCK:
        clients = list(_CLIENTS.values())
    for client in clients:
        client.close()


def _client(location: RemoteLocation) -> HttpClient:
    user = os.environ.get(USER_VARIABLE) or None
    password = os.environ.get(PASSWORD_VARIABLE) or None
    key = (location.origin, user)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None or client.timeout != location.timeout:
            client = _CLIENTS[key] = HttpClient(
                location.origin, user=user, password=password, timeout=location.timeout
            )
        return client


# ---------------------------------------------------------------------------------------------
# Query results
# ---------------------------------------------------------------------------------------------
_VIRTUOSO_BNODE = re.compile(rb"<bnode>nodeID://")


class _Rewriting:
    """A readable file over a response that replaces Virtuoso's ``nodeID://`` blank node
    labels (not valid SPARQL results) by plain labels, across chunk boundaries."""

    _KEEP = len(b"<bnode>nodeID://") - 1

    def __init__(self, response: Response) -> None:
        self._response = response
        self._pending = b""
        self._tail = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._pending and not self._done:
            data = self._response.read1()
            if not data:
                self._done = True
                self._pending, self._tail = self._tail, b""
                break
            data = self._tail + data
            data = _VIRTUOSO_BNODE.sub(b"<bnode>", data)
            # Keep the end back if it could be the start of a label cut by the boundary.
            cut = max(0, len(data) - self._KEEP)
            if b"<" in data[cut:]:
                cut = data.rindex(b"<", cut)
            self._pending, self._tail = data[:cut], data[cut:]
        if size is None or size < 0:
            size = len(self._pending)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    def readable(self) -> bool:
        return True


def _check_format(fmt: Format, allowed: Sequence[Format], what: str) -> None:
    if fmt not in allowed:
        names = ", ".join(f.name for f in allowed)
        raise QueryError(f"{what} results cannot be written as {fmt.name}; use one of {names}")


class _Deferred:
    """An answer whose request is sent when it is first needed, so that a time limit passing
    (or the engine failing) is reported while results are produced, as the embedded store does."""

    def __init__(self, opener: Callable[[], tuple[Response, Any]], deadline: float | None) -> None:
        self._opener = opener
        self._opened: tuple[Response, Any] | None = None
        self._deadline = deadline

    def opened(self) -> Any:
        if self._opened is None:
            self._opened = self._opener()
        return self._opened[1]

    def check(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            self.close()
            raise QueryTimeout("query ran longer than its time limit")

    def close(self) -> None:
        if self._opened is not None:
            self._opened[0].close()


class _RemoteSelect(SelectResult):
    def __init__(self, variables: tuple[str, ...], answer: _Deferred) -> None:
        self.variables = variables
        self._answer = answer

    def __iter__(self) -> Iterator[Row]:
        solutions = self._answer.opened()
        try:
            names = self.variables
            for n, solution in enumerate(_solutions(solutions)):
                if n % 256 == 0:
                    self._answer.check()
                # By name: the engine may order the columns of SELECT * its own way.
                terms = (solution[name] for name in names)
                yield tuple(None if t is None else to_rdflib(t) for t in terms)
        finally:
            self._answer.close()

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RESULT_FORMATS, "SELECT")
        try:
            self._answer.opened().serialize(output, fmt.oxigraph)
        except (OSError, ValueError) as error:
            raise _unwrap(error) from error
        finally:
            self._answer.close()


class _RemoteAsk(AskResult):
    def __init__(self, answer: _Deferred) -> None:
        self._answer = answer
        # A boolean is small: it is read at once (a time limit passing is raised here).
        try:
            self.value = bool(answer.opened())
        finally:
            answer.close()

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RESULT_FORMATS, "ASK")
        self._answer.opened().serialize(output, fmt.oxigraph)


class _RemoteGraph(GraphResult):
    def __init__(self, answer: _Deferred) -> None:
        self._answer = answer

    def __iter__(self) -> Iterator[Triple]:
        quads = self._answer.opened()
        try:
            for n, quad in enumerate(_quads(quads)):
                if n % 256 == 0:
                    self._answer.check()
                yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
        finally:
            self._answer.close()

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RDF_FORMATS, "CONSTRUCT/DESCRIBE")
        try:
            ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in self._answer.opened()),
                output,
                fmt.oxigraph,  # type: ignore[arg-type]
            )
        except (OSError, ValueError) as error:
            raise _unwrap(error) from error
        finally:
            self._answer.close()


def _solutions(solutions: ox.QuerySolutions) -> Iterator[ox.QuerySolution]:
    try:
        yield from solutions
    except (OSError, ValueError, SyntaxError) as error:
        raise _unwrap(error) from error


def _quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    try:
        yield from quads
    except (OSError, ValueError, SyntaxError) as error:
        raise _unwrap(error) from error


def _unwrap(error: BaseException) -> BaseException:
    """The store error behind a parser's I/O error (a time limit hit while it read), or a
    store error describing a malformed answer."""
    original = take_read_error()
    if original is not None:
        return original
    cause = error.__cause__ or error.__context__
    if isinstance(cause, StoreError | QueryError):
        return cause
    return StoreError(f"the engine's answer could not be read: {error}")


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------
@dataclass
class OpenedQuery:
    """An engine's answer being received, for the SPARQL endpoint (``ungraph.web.remote``).

    ``kind`` says what the body is: ``raw`` (the engine's own bytes, already in the format
    asked for: iterate :meth:`chunks`), ``results`` (SPARQL results to re-serialise) or
    ``triples`` (N-Triples); :meth:`parse` reads the last two with pyoxigraph, in the thread
    that calls it (pyoxigraph's objects stay in their thread). :meth:`close` when done;
    closing early drops the connection, which stops the engine writing.
    """

    response: Response
    kind: str
    reader: IO[bytes]
    results: Format | None = None

    def chunks(self) -> Iterator[bytes]:
        return self.response.chunks()

    def parse(self) -> Any:
        try:
            if self.kind == "triples":
                return ox.parse(self.reader, ox.RdfFormat.N_TRIPLES)
            assert self.results is not None
            return ox.parse_query_results(self.reader, self.results.oxigraph)  # type: ignore[arg-type]
        except (OSError, ValueError, SyntaxError) as error:
            raise _unwrap(error) from error

    def close(self) -> None:
        self.response.abort()


class RemoteStore:
    """A :class:`~ungraph.store.base.GraphStore` on a SPARQL 1.1 service.

    Open one through :func:`ungraph.store.open_store` or :func:`ungraph.store.begin_build`;
    ``read_only=False`` takes the writer's lease lock (one writer per service at a time).
    """

    def __init__(
        self,
        location: RemoteLocation,
        *,
        read_only: bool = False,
        client: HttpClient | None = None,
    ) -> None:
        self._location = location
        self.location = location.location
        self.read_only = read_only
        self.dialect = location.dialect
        self.records_graph = location.records
        self.staging_graph = location.records + "/staging"
        # The stand-in for the default graph on engines that have none (Virtuoso).
        self.default_graph = location.records + "/default-graph"
        self.empty_graph = location.records + "/empty"
        self._client = client or _client(location)
        self._closed = False
        self._pending: dict[str, DocumentRecord | None] = {}
        self._pending_lock = threading.Lock()
        self._system: tuple[str, ...] | None = None
        book_class = GraphNameBook if self.dialect.graph_name_book else TripleBook
        self._book: Book = book_class(
            self.records_graph,
            lambda text: self._select_raw(text, union=False),
            self._update_raw,
        )
        self._lease: _Lease | None = None
        self._dirty = False
        self.version: str | None = None
        if read_only:
            self.version = self.current_version()
        else:
            self._lease = _Lease(self)
            self._lease.acquire()
            self.version = self.current_version()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<RemoteStore {self._location.origin} {self.dialect.name} ({mode})>"

    # Plumbing -----------------------------------------------------------------------------
    def _alive(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.location} is closed")

    def _writable(self) -> None:
        self._alive()
        if self.read_only:
            raise StoreError(f"store {self.location} is open read-only")
        assert self._lease is not None
        self._lease.check()
        self._dirty = True

    def _hidden(self) -> list[str]:
        """Graphs in the engine that are not ungraph's data: bookkeeping and system graphs."""
        return [
            self.records_graph,
            self.staging_graph,
            self.empty_graph,
            *self._system_graphs(),
        ]

    def _system_graphs(self) -> tuple[str, ...]:
        if not self.dialect.system_graphs:
            return ()
        if self._system is None:
            patterns = [re.compile(p) for p in self.dialect.system_graphs]
            self._system = tuple(
                g for g in self._all_graphs() if any(p.search(g) for p in patterns)
            )
        return self._system

    def _all_graphs(self) -> list[str]:
        text = (
            "SELECT ?g WHERE { GRAPH ?g { } }"
            if self.dialect.union_parameter
            # Virtuoso takes seconds over DISTINCT ?g where GROUP BY ?g takes milliseconds.
            else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        rows = self._select_raw(text, union=False)
        return sorted(str(row[0].value) for row in rows if isinstance(row[0], ox.NamedNode))

    def _gsp_target(self, graph: str | None) -> str:
        if graph is None:
            if self.dialect.default_graph:
                return f"{self._location.gsp}?default"
            graph = self.default_graph
        return f"{self._location.gsp}?graph={quote(graph, safe='')}"

    def _dataset(
        self,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        sparql: str = "",
    ) -> tuple[str, list[tuple[str, str]]]:
        """The text to put before a query and the protocol parameters that give it ungraph's
        dataset: the union of ungraph's graphs unless ``default_graph``/``named_graphs`` say
        otherwise."""
        prefix = ""
        params: list[tuple[str, str]] = []
        dialect = self.dialect
        if default_graph is None:
            if dialect.exclusion_pragmas:
                prefix += "".join(
                    f"DEFINE input:default-graph-exclude <{g}>\n" for g in self._hidden()
                )
            elif dialect.union_parameter:
                if named_graphs is None:
                    params.append(("union-default-graph", ""))
                else:
                    # Oxigraph refuses the union together with named-graph-uri: list them.
                    params += [("default-graph-uri", g) for g in self._data_graphs(True)]
        else:
            graphs = list(default_graph) or [self.empty_graph]
            params += [("default-graph-uri", g) for g in graphs]
        if named_graphs is None and dialect.exclusion_pragmas:
            # Under Virtuoso's dataset pragmas, GRAPH <iri> matches only graphs named in the
            # request: a query naming graphs gets them as named-graph-uri (those of ungraph's
            # data; all of them when it also has GRAPH ?var), others the exclusion pragma.
            constants, variables = graph_clauses(sparql)
            if constants is None or (constants and variables):
                named_graphs = self._data_graphs(True)
            elif constants:
                hidden = {*self._hidden(), self.default_graph}
                named_graphs = [g for g in constants if g not in hidden]
            else:
                excluded = [*self._hidden(), self.default_graph]
                prefix += "".join(f"DEFINE input:named-graph-exclude <{g}>\n" for g in excluded)
        if named_graphs is not None:
            graphs = list(named_graphs) or [self.empty_graph]
            params += [("named-graph-uri", g) for g in graphs]
        return prefix, params

    def _data_graphs(self, with_default: bool) -> list[str]:
        graphs = self.named_graphs()
        if with_default and not self.dialect.default_graph:
            graphs.append(self.default_graph)
        return graphs

    def _post_query(
        self,
        text: str,
        accept: str,
        params: list[tuple[str, str]],
        *,
        deadline: float | None,
        what: str = "the query",
    ) -> Response:
        fields = [("query", text), *params]
        if deadline is not None and self.dialect.timeout_parameter:
            remaining = max(1, int((deadline - time.monotonic()) * 1000))
            fields.append((self.dialect.timeout_parameter, str(remaining)))
        response = self._client.request(
            "POST",
            self._location.query,
            body=urlencode(fields).encode("utf-8"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
            },
            deadline=deadline,
            what=what,
        )
        if response.status != 200:
            text = response.body(4096).decode("utf-8", "replace")
            raise _query_failure(response.status, text)
        _check_complete(response)
        return response

    def _select_raw(
        self,
        text: str,
        *,
        union: bool = True,
        default_graph: Sequence[str] | None = None,
    ) -> list[ox.QuerySolution]:
        """All rows of an internal SELECT, as pyoxigraph solutions."""
        self._alive()
        prefix, params = ("", []) if not union else self._dataset(default_graph, None)
        results = self.dialect.results
        assert results is not None
        response = self._post_query(
            prefix + text, results.media_type, params, deadline=None, what="an internal query"
        )
        try:
            parsed = ox.parse_query_results(self._reader(response), results.oxigraph)  # type: ignore[arg-type]
            assert isinstance(parsed, ox.QuerySolutions)
            return list(_solutions(parsed))
        finally:
            response.close()

    def _reader(self, response: Response) -> IO[bytes]:
        reader: Any = _Rewriting(response) if self.dialect.name == "virtuoso" else response
        return cast(IO[bytes], reader)

    def _update_raw(self, text: str, what: str = "the update") -> None:
        response = self._client.request(
            "POST",
            self._location.update,
            body=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            what=what,
        )
        if response.status not in (200, 204):
            body = response.body(4096).decode("utf-8", "replace")
            raise _update_failure(response.status, body)
        response.body()

    def _gsp(
        self,
        method: str,
        graph: str | None,
        body: bytes | None = None,
        content_type: str = _N_TRIPLES,
        *,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Response:
        headers = {"Content-Type": content_type} if body is not None else {}
        if method == "GET":
            headers["Accept"] = _N_TRIPLES
        what = f"{method} of graph {graph or '(default)'}"
        response = self._client.request(
            method, self._gsp_target(graph), body=body, headers=headers, what=what
        )
        return HttpClient.check(response, what, ok=ok)

    # Writing ------------------------------------------------------------------------------
    def replace_graph(self, graph: str, data: GraphData | NTriples) -> int:
        self._writable()
        _named(graph)
        body, count = _ntriples_body(data)
        if count == 0:
            self.drop_graph(graph)
            return 0
        if self.dialect.atomic_put:
            self._gsp("PUT", graph, body).body()
        else:
            # Stage, then MOVE: one update, so readers see the old graph or the new one.
            self._gsp("PUT", self.staging_graph, body).body()
            self._update_raw(
                f"MOVE SILENT GRAPH <{self.staging_graph}> TO <{graph}>", f"replacing {graph}"
            )
        return count

    def add(self, graph: str | None, data: GraphData) -> int:
        self._writable()
        if graph is not None:
            _named(graph)
        body, count = _ntriples_body(data)
        if count:
            self._gsp("POST", graph, body).body()
        return count

    def drop_graph(self, graph: str) -> bool:
        self._writable()
        _named(graph)
        response = self._gsp("DELETE", graph, ok=(200, 204, 404))
        existed = response.status != 404
        response.body()
        return existed

    def load_file(
        self,
        path: str | Path,
        *,
        graph: str | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> LoadReport:
        self._writable()
        path = Path(path)
        if graph is not None:
            _named(graph)
        from ungraph.rdfio import _head

        used = fmt or detect_format(path, _head(path))[0]
        # The whole file is read (and checked) before anything is sent: a bad file loads
        # nothing. Triples are then sent graph by graph.
        by_graph: dict[str | None, list[ox.Triple]] = {}
        count = 0
        for quad in iter_quads(path, fmt=fmt, base_iri=base_iri, max_bytes=max_bytes):
            name = graph if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            by_graph.setdefault(name, []).append(quad.triple)
            count += 1
        if self.dialect.default_graph and len(by_graph) > 1:
            # One request for all graphs, so blank nodes shared by two graphs stay one node.
            quads = [
                ox.Quad(
                    t.subject,
                    t.predicate,
                    t.object,
                    ox.DefaultGraph() if name is None else ox.NamedNode(name),
                )
                for name, triples in by_graph.items()
                for t in triples
            ]
            body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
            assert body is not None
            self._gsp_dataset(body)
        else:
            for name, triples in by_graph.items():
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
                assert body is not None
                self._gsp("POST", name, body).body()
        graphs = tuple(sorted(g for g in by_graph if g is not None))
        return LoadReport(str(path), used.name, count, graphs)

    def _gsp_dataset(self, body: bytes) -> None:
        response = self._client.request(
            "POST",
            self._location.gsp,
            body=body,
            headers={"Content-Type": _N_QUADS},
            what="loading a dataset",
        )
        HttpClient.check(response, "loading a dataset").body()

    def update(self, sparql: str) -> None:
        self._writable()
        self._update_raw(sparql)

    def clear(self) -> None:
        """Remove every graph of ungraph's, the default graph's triples and every document
        record (the start of a build that is not seeded from what is there)."""
        self._writable()
        for graph in self.named_graphs():
            self.drop_graph(graph)
        self._gsp("DELETE", None, ok=(200, 204, 404)).body()
        with self._pending_lock:
            self._pending.clear()
        self._book.clear_records()

    # Reading ------------------------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        hidden = set(self._system_graphs())
        own = self.records_graph + "/"
        return [
            g
            for g in self._all_graphs()
            if g not in hidden and g != self.records_graph and not g.startswith(own)
        ]

    def count(self, graph: str | None = None) -> int:
        self._alive()
        if graph is not None:
            _named(graph)
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        else:
            hidden = ", ".join(f"<{g}>" for g in self._hidden())
            text = (
                "SELECT (COUNT(*) AS ?n) WHERE { "
                + ("{ ?s ?p ?o } UNION " if self.dialect.default_graph else "")
                + f"{{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({hidden})) }} }}"
            )
        rows = self._select_raw(text, union=False)
        value = rows[0][0] if rows else None
        return int(value.value) if isinstance(value, ox.Literal) else 0

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        self._alive()
        form = _parse(sparql)
        deadline = None if timeout is None else time.monotonic() + timeout
        prefix, params = self._dataset(default_graph, named_graphs, sparql)
        text = prefix + sparql
        results = self.dialect.results
        assert results is not None

        def open_select() -> tuple[Response, Any]:
            response = self._post_query(text, results.media_type, params, deadline=deadline)
            parsed = ox.parse_query_results(self._reader(response), results.oxigraph)  # type: ignore[arg-type]
            return response, parsed

        def open_graph() -> tuple[Response, Any]:
            response = self._post_query(text, _N_TRIPLES, params, deadline=deadline)
            return response, ox.parse(self._reader(response), ox.RdfFormat.N_TRIPLES)

        if isinstance(form, ox.QuerySolutions):
            variables = tuple(v.value for v in form.variables)
            return _RemoteSelect(variables, _Deferred(open_select, deadline))
        if isinstance(form, ox.QueryBoolean):
            return _RemoteAsk(_Deferred(open_select, deadline))
        return _RemoteGraph(_Deferred(open_graph, deadline))

    def open_query(
        self,
        sparql: str,
        *,
        form: str,
        fmt: Format,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        deadline: float,
        base_iri: str | None = None,
    ) -> OpenedQuery:
        """Send a query (already screened and parsed by the endpoint) and return the answer
        as it arrives: the engine's own bytes when it writes ``fmt`` as the embedded store
        would, else parsed, for the caller to serialise. Raises ``QueryError`` (the engine
        refused it), ``QueryTimeout`` or ``StoreError`` (the engine failed)."""
        self._alive()
        prefix, params = self._dataset(default_graph, named_graphs, sparql)
        # A BASE in the query's own prologue still wins: it comes later.
        text = prefix + (f"BASE <{base_iri}>\n" if base_iri else "") + sparql
        if form in ("construct", "describe"):
            response = self._post_query(text, _N_TRIPLES, params, deadline=deadline)
            return OpenedQuery(response, "triples", self._reader(response))
        if fmt.name in self.dialect.passthrough:
            response = self._post_query(text, fmt.media_type, params, deadline=deadline)
            return OpenedQuery(response, "raw", self._reader(response))
        results = self.dialect.results
        assert results is not None
        response = self._post_query(text, results.media_type, params, deadline=deadline)
        return OpenedQuery(response, "results", self._reader(response), results)

    def dump(
        self,
        fmt: Format,
        *,
        graph: str | None = None,
        merged: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ) -> Iterator[bytes]:
        self._alive()
        return threaded_chunks(
            lambda output: self.dump_to(output, fmt, graph=graph, merged=merged, prefixes=prefixes)
        )

    def dump_to(
        self,
        output: IO[bytes],
        fmt: Format,
        *,
        graph: str | None = None,
        merged: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        self._alive()
        if fmt.kind != "rdf":
            raise StoreError(f"{fmt.label} is not an RDF format")
        options: dict[str, Any] = {}
        if prefixes and fmt.name in ("turtle", "trig", "rdfxml"):
            options["prefixes"] = dict(prefixes)
        if graph is not None:
            _named(graph)
            triples = (q.triple for q in self._graph_quads(graph, None))
            _serialize(triples, output, fmt, options)
        elif fmt.dataset and not merged:
            _serialize(self._all_quads(), output, fmt, options)
        else:
            _serialize(self._merged_triples(), output, fmt, options)

    def _graph_quads(
        self, graph: str | None, name: ox.NamedNode | ox.DefaultGraph | None
    ) -> Iterator[ox.Quad]:
        """A graph's triples (streamed by a GSP GET) as quads in graph ``name``."""
        response = self._gsp("GET", graph, ok=(200, 404))
        if response.status == 404:
            response.body()
            return
        target = name or ox.DefaultGraph()
        try:
            for quad in _quads(ox.parse(self._reader(response), ox.RdfFormat.N_TRIPLES)):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, target)
        finally:
            response.close()

    def _all_quads(self) -> Iterator[ox.Quad]:
        yield from self._graph_quads(None, ox.DefaultGraph())
        for name in self.named_graphs():
            yield from self._graph_quads(name, ox.NamedNode(name))

    def _merged_triples(self) -> Iterator[ox.Triple]:
        # Each distinct triple once, deduplicated by the engine (DISTINCT), never in Python.
        hidden = ", ".join(f"<{g}>" for g in self._hidden())
        pattern = (
            "{ ?s ?p ?o } UNION " if self.dialect.default_graph else ""
        ) + f"{{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({hidden})) }}"
        text = (
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {pattern} }} }}"
        )
        response = self._post_query(text, _N_TRIPLES, [], deadline=None, what="the merged dump")
        try:
            for quad in _quads(ox.parse(self._reader(response), ox.RdfFormat.N_TRIPLES)):
                yield quad.triple
        finally:
            response.close()

    # Document bookkeeping ---------------------------------------------------------------------
    def documents(self) -> Mapping[str, DocumentRecord]:
        self._alive()
        self.flush_records()
        return self._book.records()

    def record_document(self, record: DocumentRecord) -> None:
        self._writable()
        with self._pending_lock:
            self._pending[record.key] = record
            full = len(self._pending) >= _RECORD_BATCH
        if full:
            self.flush_records()

    def forget_document(self, key: str) -> None:
        self._writable()
        with self._pending_lock:
            self._pending[key] = None
            full = len(self._pending) >= _RECORD_BATCH
        if full:
            self.flush_records()

    def flush_records(self) -> None:
        """Write the records waiting in memory (after their graphs, which are written at once:
        a crash in between leaves the old record, and the next build redoes the document)."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        if pending:
            self._book.write_records(pending)

    # Versions ---------------------------------------------------------------------------------
    def current_version(self) -> str | None:
        """The version the last committed build (or write) left in the service."""
        return self._book.version()

    def write_version(self, version: str, parent: str | None) -> None:
        """Record a new store version (readers reload their caches when it changes)."""
        self._book.write_version(version, parent, _now())
        self.version = version

    # Lifecycle --------------------------------------------------------------------------------
    def flush(self) -> None:
        if not self._closed and not self.read_only:
            self.flush_records()

    def close(self, *, version: str | None = None) -> None:
        """Write what is pending and release the lock; a writer that changed something records
        a new version so that readers see it."""
        if self._closed:
            return
        try:
            if not self.read_only:
                self.flush_records()
                if self._dirty or version is not None:
                    from ungraph.store.layout import new_version_id

                    self.write_version(version or new_version_id(), self.version)
        finally:
            if self._lease is not None:
                self._lease.release()
            self._closed = True

    def abandon(self) -> None:
        """Release the lock without writing pending records or a new version (a build that
        failed: what it wrote stays, but readers' caches are not told to reload)."""
        with self._pending_lock:
            self._pending.clear()
        if self._lease is not None:
            self._lease.release()
        self._closed = True

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# The writer's lease
# ---------------------------------------------------------------------------------------------
class _Lease:
    """An advisory lock kept with the bookkeeping: a holder token and an expiry, renewed by a
    thread while the writer lives. A writer that dies leaves a lock that expires after
    :data:`LEASE_SECONDS`. Every writer reads the holders back after adding itself: the
    earliest token (they start with the time they were taken) keeps the lock, the others
    withdraw, so two writers racing for it cannot both win."""

    def __init__(self, store: RemoteStore) -> None:
        self._store = store
        # Tokens sort by the time they were taken: the earliest holder keeps the lock.
        self.token = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%f}-{secrets.token_hex(4)}"
        self.owner = f"{socket.gethostname()} pid {os.getpid()}"
        self.holder: Holder = (self.token, self.owner, _expiry())
        self._lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        book = self._store._book
        now = datetime.now(UTC)
        for holder in book.holders():
            if _parse_time(holder[2]) < now:
                book.remove_holder(holder)
        book.add_holder(self.holder)
        holders = [h for h in book.holders() if _parse_time(h[2]) >= now]
        tokens = sorted(h[0] for h in holders)
        if tokens and tokens[0] == self.token:
            self._thread = threading.Thread(target=self._renew, name="ungraph-lease", daemon=True)
            self._thread.start()
            return
        if self.token in tokens:
            book.remove_holder(self.holder)
        other = next((h for h in holders if h[0] != self.token), None)
        who = f"{other[1]} (lock {other[0]}, expires {other[2]})" if other else "another writer"
        raise StoreError(
            f"store {self._store.location} is being written by {who}; wait for it to finish "
            f"(a writer that died frees the lock within {LEASE_SECONDS:g} s)"
        )

    def _renew(self) -> None:
        book = self._store._book
        while not self._stop.wait(LEASE_SECONDS / 3):
            renewed = (self.token, self.owner, _expiry())
            try:
                book.renew(self.holder, renewed)
                self.holder = renewed
                if not any(h[0] == self.token for h in book.holders()):
                    self._lost = "the writer's lock expired and was taken by another writer"
                    return
            except StoreError:
                # The engine is away for a moment: try again at the next tick.
                continue

    def check(self) -> None:
        if self._lost:
            raise StoreError(f"store {self._store.location}: {self._lost}; stopping")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with contextlib.suppress(StoreError):
            self._store._book.remove_holder(self.holder)


def _expiry() -> str:
    return (datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)).isoformat()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _text(term: object) -> str:
    """The lexical value of a term of an answer ("" when unbound)."""
    value = getattr(term, "value", None)
    return "" if value is None else str(value)


def _named(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except ValueError as error:
        raise StoreError(f"not an absolute IRI for a graph name: {graph!r}") from error


def _ntriples_body(data: GraphData | NTriples) -> tuple[bytes, int]:
    if isinstance(data, NTriples):
        return data.encode("utf-8"), data.count_triples()
    convert = ToOxigraph()
    triples = [
        ox.Triple(convert.term(s), convert.term(p), convert.term(o))  # type: ignore[arg-type]
        for s, p, o in triples_of(data)
    ]
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert body is not None
    return body, len(triples)


def _serialize(
    items: Iterable[Any], output: IO[bytes], fmt: Format, options: dict[str, Any]
) -> None:
    try:
        ox.serialize(items, output, fmt.oxigraph, **options)  # type: ignore[arg-type]
    except (OSError, ValueError) as error:
        raise _unwrap(error) from error


# Comments and strings (skipped), and IRIs (kept), in SPARQL text.
_SKIPPED = re.compile(
    r"""\#[^\r\n]*"""
    r"""|'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\""""
    r"""|'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*\""""
    r"""|(<[^<>"{}|^`\\\x00-\x20]*>)"""
)
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"\bBASE\s+<([^>]*)>", re.IGNORECASE)
_GRAPH = re.compile(
    r"\bGRAPH\s+(?:<([^>]*)>|([?$]\w+)|([A-Za-z][\w.-]*)?:((?:[\w.:%-]|\\.)*))", re.IGNORECASE
)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def graph_clauses(sparql: str) -> tuple[list[str] | None, bool]:
    """The graph IRIs a query names in ``GRAPH`` clauses, and whether it has ``GRAPH ?var``
    too; None for the IRIs when one cannot be resolved (then every graph is offered).
    Strings and comments are skipped.

    >>> graph_clauses('PREFIX g: <http://e/g/> SELECT * { GRAPH g:a { ?s ?p "GRAPH <x>" } }')
    (['http://e/g/a'], False)
    >>> graph_clauses("SELECT * { GRAPH ?g { ?s ?p ?o } } # GRAPH <http://e/>")
    ([], True)
    """
    text = _SKIPPED.sub(lambda m: m.group(1) or " ", sparql)
    prefixes = {(m.group(1) or ""): m.group(2) for m in _PREFIX.finditer(text)}
    bases = [m.group(1) for m in _BASE.finditer(text)]
    base = bases[-1] if bases else ""
    constants: list[str] = []
    variables = False
    resolvable = True
    for match in _GRAPH.finditer(text):
        iri, variable, prefix, local = match.groups()
        if variable:
            variables = True
        elif iri is not None:
            if _ABSOLUTE.match(iri):
                constants.append(iri)
            elif _ABSOLUTE.match(base):
                constants.append(urljoin(base, iri))
            else:
                resolvable = False
        elif (prefix or "") in prefixes:
            constants.append(prefixes[prefix or ""] + re.sub(r"\\(.)", r"\1", local or ""))
        else:
            resolvable = False
    return (constants if resolvable else None), variables


def _parse(sparql: str) -> Any:
    """Parse ``sparql`` with Oxigraph (on an empty store, where evaluation is empty) so that
    only standard SPARQL 1.1 reaches the engine and errors read as the embedded store's."""
    try:
        return ox.Store().query(sparql)
    except SyntaxError as error:
        raise QueryError(f"SPARQL query does not parse: {error.msg}") from error
    except (RuntimeError, OSError, ValueError) as error:
        raise QueryError(f"SPARQL query failed: {error}") from error


def _check_complete(response: Response) -> None:
    """Virtuoso answers a query that hit its time limit with the rows found so far ("anytime
    query") and says so only in a header; ungraph never passes such a partial answer on."""
    state = response.headers.get("X-SQL-State", "")
    if state == "S1TAT":
        response.close()
        raise QueryTimeout("query ran longer than the engine's time limit (partial answer refused)")
    if response.headers.get("X-SPARQL-MaxRows"):
        response.close()
        raise QueryError(
            f"the engine cut the answer at {response.headers['X-SPARQL-MaxRows']} rows "
            "(Virtuoso's ResultSetMaxRows); raise it above ungraph's row cap"
        )


_ESTIMATE = re.compile(r"estimated execution time", re.IGNORECASE)


def _query_failure(status: int, text: str) -> StoreError | QueryError:
    from ungraph.store.http import _explanation

    message = _explanation(text)
    if _ESTIMATE.search(message):
        return QueryTimeout(f"the engine refused the query as too long to run: {message}")
    if status == 400:
        return QueryError(f"the engine refused the query: {message}")
    if status in (401, 403):
        return StoreError(f"the engine refused access (HTTP {status}): {message}")
    return StoreError(f"the engine failed to answer (HTTP {status}): {message}")


def _update_failure(status: int, text: str) -> StoreError | QueryError:
    from ungraph.store.http import _explanation

    message = _explanation(text)
    if status == 400 or re.search(r"\bSP0\d\d\b|syntax error|expected", message):
        return QueryError(f"SPARQL update does not parse or cannot run: {message}")
    if status in (401, 403):
        return StoreError(
            f"the engine refused the update (HTTP {status}): {message}; check "
            f"{USER_VARIABLE} / {PASSWORD_VARIABLE} and the user's update permission"
        )
    return StoreError(f"the engine failed to run the update (HTTP {status}): {message}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def open_remote(location: str, *, read_only: bool) -> RemoteStore:
    """Open the remote store at ``location`` (``StoreError`` when it cannot be reached)."""
    return RemoteStore(parse_location(location), read_only=read_only)


def remote_version(location: str) -> str | None:
    """The version recorded in the service at ``location`` (None before any build)."""
    return RemoteStore(parse_location(location), read_only=True).version
