"""Turning "write everything into this file" serialisers into iterators of byte chunks."""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

CHUNK = 1 << 16
_SPOOL_IN_MEMORY = 8 << 20


def spooled_chunks(write: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    """Run ``write`` into a spooled temporary file (memory up to 8 MiB, then disk) and yield its
    bytes in chunks.

    Oxigraph's query results may only be touched by the thread that created them, so they are
    serialised here before the first chunk; memory stays bounded either way.

    >>> b"".join(spooled_chunks(lambda f: f.write(b"abc")))
    b'abc'
    """
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        write(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


class _Cancelled(Exception):
    pass


class _QueueWriter:
    """A binary file whose writes become bounded-queue chunks (backpressure on the writer)."""

    def __init__(self, chunks: queue.Queue[Any], cancelled: threading.Event) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        if self._cancelled.is_set():
            raise _Cancelled("reader went away")
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def _put(self, item: object) -> None:
        while True:
            if self._cancelled.is_set():
                raise _Cancelled("reader went away")
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


_DONE = object()


def threaded_chunks(write: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    """Run ``write`` in a thread and yield what it writes as it writes it: the first bytes
    arrive before the serialiser has finished, and at most a few chunks sit in memory.

    Closing the iterator early stops the writer at its next write.

    >>> b"".join(threaded_chunks(lambda f: [f.write(b"x" * 10) for _ in range(3)]))
    b'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
    """
    chunks: queue.Queue[Any] = queue.Queue(maxsize=8)
    cancelled = threading.Event()
    writer = _QueueWriter(chunks, cancelled)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            write(writer)  # type: ignore[arg-type]
            writer.flush()
        except _Cancelled:
            return
        except BaseException as error:
            if cancelled.is_set():
                return
            failure.append(error)
        try:
            writer._put(_DONE)
        except _Cancelled:
            return

    thread = threading.Thread(target=run, name="ungraph-dump", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                break
            yield item
        if failure:
            raise failure[0]
    finally:
        cancelled.set()
        thread.join()
