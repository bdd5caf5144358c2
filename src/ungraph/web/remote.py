"""Answering ``/sparql`` from a remote engine, with the limits of the embedded store's workers.

The query has been screened already (no update, SERVICE or LOAD; only graphs of this store).
Before it is forwarded, Oxigraph's parser checks that it is standard SPARQL 1.1 — engines have
extensions of their own (Virtuoso's ``DEFINE`` pragmas can make it fetch documents from the web,
its ``bif:`` and ``sql:`` functions reach its SQL engine), and IRIs of those namespaces are
refused. Then:

- the time limit is the HTTP client's deadline on every read, the engine is told it too where
  it can be (Virtuoso's ``timeout``), and passing it closes the connection: 504;
- rows and bytes are capped while the answer streams, as in the worker processes (the engine's
  own bytes are counted when it writes the format as the embedded store does, otherwise the
  answer is re-serialised by Oxigraph and counted on the way out): 422;
- at most ``UNGRAPH_QUERY_WORKERS`` queries go to the engine at once; others wait up to the
  queue timeout, then get 503.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import pyoxigraph as ox

from ungraph.formats import Format, by_name
from ungraph.namespaces import PREFIXES
from ungraph.store import GraphStore, QueryError, QueryTimeout, RemoteStore, StoreError
from ungraph.store.remote import OpenedQuery
from ungraph.store.streams import threaded_chunks
from ungraph.web.counting import row_counter
from ungraph.web.executor import Answer, BufferedAnswer, timed_out
from ungraph.web.lexer import _iri_value, _resolve, tokens
from ungraph.web.worker import CappedWriter, QueryFailed, QueryJob, _capped

# IRIs that name engine internals rather than data: Virtuoso's built-in and SQL functions and
# its own schemas. Nothing in ungraph's data lives there.
REFUSED_IRIS = ("bif:", "sql:", "http://www.openlinksw.com/schemas/")


def _refused_iri(text: str, base: str) -> str | None:
    """The first IRI of ``text`` (written out or as a prefixed name) in an engine's own
    namespace, if any.

    >>> _refused_iri('SELECT (<bif:http_get>("x") AS ?x) {}', "http://e/")
    'bif:http_get'
    >>> _refused_iri('PREFIX o: <http://www.openlinksw.com/schemas/> SELECT * { ?s o:x ?o }', "")
    'http://www.openlinksw.com/schemas/'
    >>> _refused_iri("SELECT * { ?s <http://e/p> ?o }", "http://e/") is None
    True
    """
    prefixes: dict[str, str] = {}
    found = list(tokens(text))
    for i, token in enumerate(found):
        iri: str | None = None
        if token.kind == "iri":
            iri = _resolve(_iri_value(token), base)
            if i >= 2 and found[i - 2].text.upper() == "PREFIX" and found[i - 1].kind == "pname":
                prefixes[found[i - 1].text[:-1]] = iri
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in prefixes:
                iri = prefixes[prefix] + local
        if iri is not None and iri.lower().startswith(REFUSED_IRIS):
            return iri
    return None


def check_standard(job: QueryJob) -> None:
    """Refuse (400) what is not standard SPARQL 1.1 or names engine internals."""
    text = job.sparql
    if job.form == "ask":
        # Oxigraph answers ASK when it parses it; as a SELECT it only parses (lazily).
        for token in tokens(text):
            if token.kind == "word" and token.text.upper() == "ASK":
                lines = text.split("\n")
                line = lines[token.line - 1]
                start = token.column - 1
                lines[token.line - 1] = (
                    line[:start] + "SELECT (1 AS ?ungraph_ask)" + line[start + 3 :]
                )
                text = "\n".join(lines)
                break
    try:
        ox.Store().query(text, base_iri=job.base_iri)
    except SyntaxError as error:
        message = error.msg
        if text is not job.sparql:
            # Report the position in the text as sent.
            try:
                ox.Store().query(job.sparql, base_iri=job.base_iri)
            except SyntaxError as original:
                message = original.msg
        raise QueryFailed(400, "syntax", f"the query does not parse: {message}") from error
    except (OSError, RuntimeError, ValueError) as error:
        raise QueryFailed(400, "error", f"the query cannot run: {error}") from error
    refused = _refused_iri(job.sparql, job.base_iri)
    if refused:
        raise QueryFailed(
            400,
            "refused",
            f"<{refused}> names an engine's internals, not data; this endpoint answers "
            "standard SPARQL 1.1 over its graphs only",
        )


def _failure(error: BaseException, timeout: float) -> QueryFailed:
    if isinstance(error, QueryFailed):
        return error
    if isinstance(error, QueryTimeout):
        return timed_out(timeout)
    if isinstance(error, QueryError):
        return QueryFailed(400, "error", str(error))
    if isinstance(error, StoreError):
        return QueryFailed(502, "engine", f"the SPARQL engine behind this endpoint failed: {error}")
    return QueryFailed(500, "error", f"{type(error).__name__}: {error}")


class RemoteAnswer(Answer):
    """An answer streaming from the engine; closing it drops the engine's connection."""

    def __init__(
        self,
        head: list[bytes],
        rest: Iterator[bytes],
        opened: OpenedQuery,
        done: Callable[[], None],
        timeout: float,
    ) -> None:
        self._head = head
        self._rest = rest
        self._opened = opened
        self._done = done
        self._timeout = timeout
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._head
            self._head = []
            try:
                yield from self._rest
            except BaseException as error:
                raise _failure(error, self._timeout) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._opened.close()
        close = getattr(self._rest, "close", None)
        if close is not None:
            close()
        self._done()


class RemoteExecutor:
    """Runs ``/sparql`` queries on a remote store from the request's own thread."""

    def __init__(
        self,
        store: Callable[[], GraphStore],
        *,
        size: int,
        timeout: float,
        queue_timeout: float,
        metrics: Any = None,
    ) -> None:
        self._store = store
        self.size = size
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.metrics = metrics
        self._slots = threading.BoundedSemaphore(size)
        self._busy = 0
        self._lock = threading.Lock()

    def _acquire(self) -> None:
        if not self._slots.acquire(timeout=self.queue_timeout):
            raise QueryFailed(
                503,
                "busy",
                f"all {self.size} query slots are busy; try again shortly",
                retry_after=max(1, round(self.timeout / 4)),
            )
        with self._lock:
            self._busy += 1
        if self.metrics is not None:
            self.metrics.busy.set(self._busy)

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1
        self._slots.release()
        if self.metrics is not None:
            self.metrics.busy.set(self._busy)

    def run(self, job: QueryJob) -> Answer:
        """Forward ``job`` and return its answer once the first chunks are known to be within
        the caps (or raise :class:`QueryFailed`)."""
        store = self._store()
        if not isinstance(store, RemoteStore):
            raise QueryFailed(500, "error", f"{store!r} is not a remote store")
        check_standard(job)
        fmt = by_name(job.format_name)
        self._acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._release()

        try:
            deadline = time.monotonic() + self.timeout
            try:
                opened = store.open_query(
                    job.sparql,
                    form=job.form,
                    fmt=fmt,
                    default_graph=job.default_graph,
                    named_graphs=job.named_graphs,
                    deadline=deadline,
                    base_iri=job.base_iri,
                )
            except (QueryError, StoreError) as error:
                raise self._counted(_failure(error, self.timeout)) from None
            chunks = self._chunks(opened, job, fmt)
            head: list[bytes] = []
            try:
                # Two chunks held back: an answer that fits in them goes out complete, with a
                # Content-Length, and an error found early still gets its own status.
                for chunk in chunks:
                    head.append(chunk)
                    if len(head) == 2:
                        break
                else:
                    opened.close()
                    release()
                    return BufferedAnswer(head)
            except BaseException as error:
                opened.close()
                getattr(chunks, "close", lambda: None)()
                raise self._counted(_failure(error, self.timeout)) from None
            return RemoteAnswer(head, chunks, opened, release, self.timeout)
        except BaseException:
            release()
            raise

    def _counted(self, failure: QueryFailed) -> QueryFailed:
        if self.metrics is not None and failure.outcome == "timeout":
            self.metrics.timeouts.inc()
        return failure

    def _chunks(self, opened: OpenedQuery, job: QueryJob, fmt: Format) -> Iterator[bytes]:
        counter = row_counter(fmt.name) if job.form == "select" else None
        if opened.kind == "raw":
            return self._relay(opened, job, counter)

        def write(output: IO[bytes]) -> None:
            def sink(chunk: bytes) -> None:
                output.write(chunk)

            writer = CappedWriter(
                sink, max_bytes=job.max_bytes, max_rows=job.max_rows, counter=counter
            )
            failure: BaseException | None = None
            parsed: Any = None
            triples: Any = None
            try:
                parsed = opened.parse()
                if opened.kind == "triples":
                    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in parsed)
                    options = (
                        {"prefixes": PREFIXES} if fmt.name in ("turtle", "trig", "rdfxml") else {}
                    )
                    ox.serialize(_capped(triples, job.max_rows), writer, fmt.oxigraph, **options)  # type: ignore[arg-type]
                else:
                    parsed.serialize(writer, fmt.oxigraph)
                writer.close()
            except QueryFailed as error:
                failure = error
            except (OSError, RuntimeError, ValueError, SyntaxError) as error:
                from ungraph.store.http import take_read_error

                cause = error.__cause__ or error.__context__
                failure = take_read_error() or (cause if isinstance(cause, QueryFailed) else error)
            finally:
                # pyoxigraph's objects must die in the thread that made them, not with a
                # traceback handed to the request's thread.
                parsed = triples = None
            if failure is not None:
                failure.__context__ = failure.__cause__ = None
                raise failure.with_traceback(None)

        return threaded_chunks(write)

    @staticmethod
    def _relay(opened: OpenedQuery, job: QueryJob, counter: Any) -> Iterator[bytes]:
        out: list[bytes] = []
        writer = CappedWriter(
            out.append, max_bytes=job.max_bytes, max_rows=job.max_rows, counter=counter
        )
        for data in opened.chunks():
            writer.write(data)
            if out:
                yield from out
                out.clear()
        writer.close()
        yield from out

    def status(self) -> dict[str, Any]:
        with self._lock:
            busy = self._busy
        return {
            "mode": "remote",
            "hard_time_limit": True,
            "size": self.size,
            "busy": busy,
        }

    def warm(self) -> None:
        pass

    def close(self) -> None:
        pass
