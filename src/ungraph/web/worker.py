"""Running one query against the embedded store and writing its answer in chunks, within the
row and byte caps; and the loop of a query worker process that does so for the server.

A worker process opens the store read-only itself (reopening when a build switches the version),
takes one :class:`QueryJob` at a time from its pipe and sends back tagged messages: ``D`` + a
chunk of the answer, ``E`` + JSON when the answer is complete, ``X`` + JSON when the query
failed. The server kills the process when a query overruns its time limit: Oxigraph cannot be
interrupted from inside, and a killed process frees everything the query held.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from ungraph.formats import by_name
from ungraph.namespaces import PREFIXES
from ungraph.store import current_version, open_store
from ungraph.web.counting import RowCounter, row_counter

CHUNK = 1 << 16
"""Bytes per message; also what is held back before the first byte is sent, so that an error
found early (a syntax error, a cap hit by a small answer) still gets a proper status."""

DATA, FINAL, FAILED, READY = b"D", b"F", b"X", b"R"


@dataclass(frozen=True)
class QueryJob:
    """One query as the endpoint accepted it."""

    sparql: str
    form: str
    """``select``, ``ask``, ``construct`` or ``describe`` (from the screening)."""
    format_name: str
    base_iri: str
    default_graph: tuple[str, ...] | None = None
    """None: the union of all graphs; else exactly these named graphs, merged."""
    named_graphs: tuple[str, ...] | None = None
    """None: every named graph; else exactly these."""
    max_rows: int = 100_000
    max_bytes: int = 100 << 20


class QueryFailed(Exception):
    """A query that could not be answered: ``status`` for HTTP, ``outcome`` for metrics."""

    def __init__(self, status: int, outcome: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome
        self.message = message
        self.extra = extra

    def to_json(self) -> bytes:
        return json.dumps(
            {"status": self.status, "outcome": self.outcome, "message": self.message, **self.extra}
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> QueryFailed:
        fields = json.loads(data)
        return cls(fields.pop("status"), fields.pop("outcome"), fields.pop("message"), **fields)


def too_many_rows(limit: int) -> QueryFailed:
    return QueryFailed(
        422,
        "rows",
        f"the answer has more than {limit} rows (the row cap of this endpoint); "
        "add a LIMIT, or use the dumps for bulk data",
        limit={"name": "max_rows", "value": limit},
    )


def too_many_bytes(limit: int) -> QueryFailed:
    return QueryFailed(
        422,
        "bytes",
        f"the answer is larger than {limit} bytes (the byte cap of this endpoint); "
        "add a LIMIT, select fewer variables, or use the dumps for bulk data",
        limit={"name": "max_result_bytes", "value": limit},
    )


class CappedWriter:
    """A binary file for Oxigraph's serialisers: buffers writes into chunks, counts rows and
    bytes, and hands each chunk to ``sink`` only once it is known to be within the caps."""

    def __init__(
        self,
        sink: Callable[[bytes], None],
        *,
        max_bytes: int,
        max_rows: int,
        counter: RowCounter | None,
    ) -> None:
        self._sink = sink
        self._buffer = bytearray()
        self._counter = counter
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        self.written = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._emit()
        return len(data)

    def flush(self) -> None:
        """Oxigraph flushes its own buffer into us; chunks still wait until they are full."""

    def close(self) -> None:
        """Emit what is left."""
        self._emit()

    def _emit(self) -> None:
        if not self._buffer:
            return
        chunk = bytes(self._buffer)
        self._buffer.clear()
        if self._counter is not None and self._counter.feed(chunk) > self.max_rows:
            raise too_many_rows(self.max_rows)
        self.written += len(chunk)
        if self.written > self.max_bytes:
            raise too_many_bytes(self.max_bytes)
        self._sink(chunk)


def _capped(triples: Iterable[ox.Triple], limit: int) -> Iterator[ox.Triple]:
    for n, triple in enumerate(triples):
        if n >= limit:
            raise too_many_rows(limit)
        yield triple


def _named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def execute(engine: ox.Store, job: QueryJob, sink: Callable[[bytes], None]) -> int:
    """Run ``job`` on an Oxigraph store and write its answer to ``sink`` in chunks; returns the
    bytes written. Raises :class:`QueryFailed` (syntax error, evaluation error, caps)."""
    fmt = by_name(job.format_name)
    options: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [_named(g) for g in job.default_graph]
    if job.named_graphs is not None:
        options["named_graphs"] = [_named(g) for g in job.named_graphs]
    try:
        answer = engine.query(job.sparql, **options)
    except SyntaxError as error:
        raise QueryFailed(400, "syntax", f"the query does not parse: {error.msg}") from error
    except (OSError, RuntimeError, ValueError) as error:
        raise QueryFailed(400, "error", f"the query cannot run: {error}") from error
    select = isinstance(answer, ox.QuerySolutions)
    writer = CappedWriter(
        sink,
        max_bytes=job.max_bytes,
        max_rows=job.max_rows,
        counter=row_counter(fmt.name) if select else None,
    )
    expected = {"select": "results", "ask": "results", "construct": "rdf", "describe": "rdf"}
    if expected.get(job.form) != fmt.kind:
        raise QueryFailed(500, "error", f"a {job.form} query cannot be written as {fmt.label}")
    try:
        if isinstance(answer, ox.QueryTriples):
            options = {"prefixes": PREFIXES} if fmt.name in ("turtle", "trig", "rdfxml") else {}
            ox.serialize(_capped(answer, job.max_rows), writer, fmt.oxigraph, **options)  # type: ignore[arg-type]
        else:
            answer.serialize(writer, fmt.oxigraph)  # type: ignore[arg-type]
        writer.close()
    except QueryFailed:
        raise
    except (OSError, RuntimeError, ValueError) as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, QueryFailed):
            raise cause from None
        raise QueryFailed(500, "error", f"the query failed while running: {error}") from error
    return writer.written


# The worker process ----------------------------------------------------------------------------

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def isolate_network() -> None:
    """Move this process into new user and network namespaces: the only interface it can see is
    a loopback that is down, so nothing it runs can open a connection, to the host's own
    services included. Needs unprivileged user namespaces; raises ``OSError`` without them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot isolate the query worker's network: {os.strerror(errno)}")


def worker_main(conn: Connection, location: str, sandbox: str, check_interval: float = 1.0) -> None:
    """The loop of a query worker process (the target of ``multiprocessing.Process``).

    The store's current version is looked up at most every ``check_interval`` seconds (the
    same rule as the server's own handle), not before every query: the lookup resolves paths
    and costs more than a small query."""
    # Ctrl-C in a terminal reaches the whole process group; the server decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandboxed = False
    if sandbox != "off":
        try:
            isolate_network()
            sandboxed = True
        except OSError as error:
            if sandbox == "require":
                conn.send_bytes(FAILED + QueryFailed(503, "sandbox", str(error)).to_json())
                return
    conn.send_bytes(READY + json.dumps({"pid": os.getpid(), "sandboxed": sandboxed}).encode())
    store = None
    version: str | None = None
    checked = float("-inf")
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            if store is None or time.monotonic() - checked >= check_interval:
                checked = time.monotonic()
                now = current_version(location)
                if store is None or now != version:
                    store = open_store(location, read_only=True)
                    version = now
            # One chunk is held back so that the last one goes out marked final: an answer
            # that fits in one chunk is then known complete on arrival, and is sent to the
            # client in one write with a Content-Length instead of as a chunked stream.
            held: list[bytes] = []

            def sink(chunk: bytes, held: list[bytes] = held) -> None:
                if held:
                    conn.send_bytes(DATA + held.pop())
                held.append(chunk)

            engine = getattr(store, "engine", None)
            if engine is None:  # remote stores are queried by ungraph.web.remote instead
                raise QueryFailed(501, "error", f"query workers cannot query {store!r}")
            execute(engine, job, sink)
            conn.send_bytes(FINAL + (held.pop() if held else b""))
        except QueryFailed as failure:
            _send(conn, FAILED + failure.to_json())
        except (BrokenPipeError, EOFError):
            return
        except Exception as error:  # reported to the server, which logs it; the loop goes on
            unexpected = QueryFailed(500, "error", f"{type(error).__name__}: {error}")
            _send(conn, FAILED + unexpected.to_json())
        finally:
            release_memory()


def release_memory() -> None:
    """Give the heap's free memory back to the system, after the answer has gone out.

    A query's working memory is freed when it ends, but the C allocator keeps the pages for
    the process: on the whole General Debate graph one aggregate took a worker from 35 MiB to
    1.2 GiB resident, and it stayed there (eight query workers in the default serve tree:
    several GiB) until ``malloc_trim`` brought it back to 285 MiB. Nothing on C libraries
    without it."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _malloc_trim()


def _send(conn: Connection, message: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.send_bytes(message)


def job_summary(job: QueryJob) -> dict[str, Any]:
    """The job without its text, for logs."""
    summary = asdict(job)
    summary["sparql"] = f"{len(job.sparql)} characters"
    return summary
