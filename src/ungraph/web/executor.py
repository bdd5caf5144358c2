"""Where queries run: a small pool of worker processes with a hard time limit, or (for memory
stores and ``UNGRAPH_QUERY_WORKERS=0``) the request's own thread.

The pool belongs to one server process. A request leases an idle worker (starting one if fewer
than ``size`` exist, waiting up to the queue timeout otherwise), sends it the job and relays the
chunks it sends back. When the time limit passes, whether the worker is still evaluating or
still streaming, the worker is killed (SIGTERM, then SIGKILL if it has not gone within half a
second) and a fresh one replaces it on the next lease; the other workers and requests carry on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from ungraph.processes import clean_context
from ungraph.store import GraphStore
from ungraph.web.worker import (
    DATA,
    FINAL,
    READY,
    QueryFailed,
    QueryJob,
    execute,
    job_summary,
)

log = logging.getLogger("ungraph.web.queries")

START_TIMEOUT = 60.0
"""Seconds a new worker may take to start and report ready."""


def timed_out(limit: float) -> QueryFailed:
    return QueryFailed(
        504,
        "timeout",
        f"the query ran longer than {limit:g} s, the time limit of this endpoint, and was "
        "stopped; narrow it down or add a LIMIT",
        limit={"name": "query_timeout", "value": limit},
    )


class Answer:
    """A query's answer being streamed; iterate for its chunks.

    Always :meth:`close` it (the response does, also when the client goes away early); closing
    an unfinished answer stops the query.
    """

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class BufferedAnswer(Answer):
    """An answer complete before the first byte is sent (small answers, in-thread execution)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def body(self) -> bytes:
        return b"".join(self._chunks)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        self._chunks = []


class InlineExecutor:
    """Runs queries in the calling thread: for memory stores, which other processes cannot
    open, and for ``UNGRAPH_QUERY_WORKERS=0``. There is no hard time limit here (Oxigraph
    cannot be interrupted from inside a process); use worker processes in production."""

    def __init__(self, store: Callable[[], GraphStore], *, timeout: float) -> None:
        self._store = store
        self.timeout = timeout

    def run(self, job: QueryJob) -> Answer:
        chunks: list[bytes] = []
        store = self._store()
        engine = getattr(store, "engine", None)
        if engine is None:
            raise QueryFailed(501, "error", f"queries on {store!r} need its own endpoint")
        execute(engine, job, chunks.append)
        return BufferedAnswer(chunks)

    def status(self) -> dict[str, Any]:
        return {"mode": "inline", "hard_time_limit": False}

    def warm(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, context: Any, location: str, sandbox: str, check_interval: float) -> None:
        from ungraph.web.worker import worker_main

        ours, theirs = context.Pipe(duplex=True)
        self.conn: Connection = ours
        self.process = context.Process(
            target=worker_main,
            args=(theirs, location, sandbox, check_interval),
            name="ungraph-query-worker",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.sandboxed = False
        if not self.conn.poll(START_TIMEOUT):
            self.kill()
            raise QueryFailed(503, "worker", "a query worker did not start in time")
        message = self.conn.recv_bytes()
        if message[:1] != READY:
            self.kill()
            raise QueryFailed.from_json(message[1:])
        self.sandboxed = bool(json.loads(message[1:])["sandboxed"])

    @property
    def pid(self) -> int | None:
        pid: int | None = self.process.pid
        return pid

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(0.5)
            if self.process.is_alive():
                self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessAnswer(Answer):
    """An answer relayed from a worker process, chunk by chunk, until the deadline."""

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float) -> None:
        self._pool = pool
        self._worker: _Worker | None = worker
        self._pending: bytes | None = None
        self._deadline = deadline
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        while True:
            if self._pending is not None:
                message, self._pending = self._pending, None
            else:
                message = self._next()
            tag, body = message[:1], message[1:]
            if tag == DATA:
                yield body
            elif tag == FINAL:
                self._finish(healthy=True)
                if body:
                    yield body
                return
            else:
                self._finish(healthy=True)
                raise QueryFailed.from_json(body)

    def _next(self) -> bytes:
        worker = self._worker
        if worker is None:
            raise QueryFailed(500, "error", "the answer was already closed")
        remaining = self._deadline - time.monotonic()
        if remaining > 0 and worker.conn.poll(remaining):
            try:
                return worker.conn.recv_bytes()
            except (EOFError, OSError):
                self._finish(healthy=False, reason="crashed")
                raise QueryFailed(500, "error", "the query worker died") from None
        self._finish(healthy=False, reason="timeout")
        raise timed_out(self._pool.timeout)

    def _finish(self, *, healthy: bool, reason: str = "") -> None:
        if self._done:
            return
        self._done = True
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if healthy:
            self._pool.release(worker)
        else:
            self._pool.discard(worker, reason)

    def close(self) -> None:
        # A client that leaves early leaves a worker still writing: it cannot be told to stop
        # cleanly, so it is replaced.
        self._finish(healthy=False, reason="abandoned")


class QueryPool:
    """Worker processes of one server process (see the module docstring)."""

    def __init__(
        self,
        location: str,
        *,
        size: int,
        timeout: float,
        queue_timeout: float,
        sandbox: str = "auto",
        metrics: Any = None,
        check_interval: float = 1.0,
    ) -> None:
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.location = location
        self.size = size
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.sandbox = sandbox
        self.metrics = metrics
        self.check_interval = check_interval
        # Workers fork from a server process that has imported the query code once (or are
        # spawned, under a temporary folder too deep for its socket).
        self._context = clean_context(preload=["ungraph.web.worker"])
        self._idle: list[_Worker] = []
        self._count = 0
        self._busy = 0
        self._restarts = 0
        self._sandboxed: bool | None = None
        self._closed = False
        self._cond = threading.Condition()

    # Leases ----------------------------------------------------------------------------------
    def _acquire(self) -> _Worker:
        end = time.monotonic() + self.queue_timeout
        with self._cond:
            while True:
                if self._closed:
                    raise QueryFailed(503, "busy", "the server is shutting down")
                if self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        self._busy += 1
                        return worker
                    self._count -= 1
                    self._note_restart("crashed")
                    continue
                if self._count < self.size:
                    self._count += 1
                    break
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise QueryFailed(
                        503,
                        "busy",
                        f"all {self.size} query workers are busy; try again shortly",
                        retry_after=max(1, round(self.timeout / 4)),
                    )
                self._cond.wait(remaining)
        try:
            worker = _Worker(self._context, self.location, self.sandbox, self.check_interval)
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._sandboxed = worker.sandboxed
            self._busy += 1
        return worker

    def release(self, worker: _Worker) -> None:
        with self._cond:
            self._busy -= 1
            if self._closed:
                self._count -= 1
            else:
                self._idle.append(worker)
                worker = None  # type: ignore[assignment]
            self._cond.notify()
        if worker is not None:
            worker.kill()
        self._gauge()

    def discard(self, worker: _Worker, reason: str) -> None:
        worker.kill()
        with self._cond:
            self._busy -= 1
            self._count -= 1
            self._note_restart(reason)
            self._cond.notify()
        self._gauge()
        log.info("query worker %s stopped (%s)", worker.pid, reason)

    def _note_restart(self, reason: str) -> None:
        self._restarts += 1
        if self.metrics is not None:
            self.metrics.restarts.labels(reason).inc()
            if reason == "timeout":
                self.metrics.timeouts.inc()

    def _gauge(self) -> None:
        if self.metrics is not None:
            self.metrics.busy.set(self._busy)

    # Running ---------------------------------------------------------------------------------
    def run(self, job: QueryJob) -> Answer:
        """Start ``job`` on a worker and return its answer once the first chunk is here (or
        raise :class:`QueryFailed`: a syntax error, a cap hit early, the time limit, no free
        worker within the queue timeout)."""
        worker = self._acquire()
        self._gauge()
        deadline = time.monotonic() + self.timeout
        try:
            worker.conn.send(job)
        except OSError:
            self.discard(worker, "crashed")
            raise QueryFailed(500, "error", "the query worker died") from None
        answer = ProcessAnswer(self, worker, deadline)
        first = answer._next()
        if first[:1] == DATA:
            answer._pending = first
            return answer
        answer._finish(healthy=True)
        if first[:1] == FINAL:
            return BufferedAnswer([first[1:]])
        failure = QueryFailed.from_json(first[1:])
        if failure.status >= 500:
            log.warning("query failed: %s %s", failure.message, job_summary(job))
        raise failure

    def warm(self) -> None:
        """Start every worker now rather than on first use (in a background thread)."""

        def start() -> None:
            leased = []
            try:
                for _ in range(self.size):
                    leased.append(self._acquire())
            except QueryFailed as error:
                log.warning("could not start a query worker: %s", error)
            for worker in leased:
                self.release(worker)

        threading.Thread(target=start, name="ungraph-warm", daemon=True).start()

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {
                "mode": "processes",
                "hard_time_limit": True,
                "size": self.size,
                "running": self._count,
                "busy": self._busy,
                "restarts": self._restarts,
                "network_sandbox": self._sandboxed,
            }

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
