"""Graph stores: the ``GraphStore`` protocol, opening a store by location, and atomic builds.

A location is ``memory:`` / ``memory:NAME`` (in memory), a folder path (the embedded Oxigraph
store, versioned, see :mod:`ungraph.store.layout`), or ``sparql+http(s)://...`` (a remote
SPARQL 1.1 service, see :mod:`ungraph.store.remote`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ungraph.formats import Format
from ungraph.rdfio import RdfInputError
from ungraph.store.base import (
    AskResult,
    DocumentRecord,
    GraphData,
    GraphResult,
    GraphStore,
    LoadReport,
    QueryError,
    QueryResult,
    QueryTimeout,
    Row,
    SelectResult,
    StoreError,
)
from ungraph.store.layout import StoreLayout, WriterLock, new_version_id
from ungraph.store.memory import copy_memory_store, install_memory_store, memory_store
from ungraph.store.oxigraph import MemoryRecords, OxigraphStore, SqliteRecords
from ungraph.store.remote import RemoteStore, is_remote, open_remote, remote_version

__all__ = [
    "AskResult",
    "DocumentRecord",
    "GraphData",
    "GraphResult",
    "GraphStore",
    "LoadFailed",
    "LoadReport",
    "QueryError",
    "QueryResult",
    "QueryTimeout",
    "RemoteStore",
    "Row",
    "SelectResult",
    "StoreBuild",
    "StoreError",
    "begin_build",
    "current_version",
    "is_remote",
    "load_files",
    "open_store",
    "store_document",
]

MEMORY = "memory:"


def _folder(location: str) -> Path:
    if location.startswith("file://"):
        location = location[len("file://") :]
    if not location or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", location):
        raise StoreError(
            f"not a store location: {location!r} (expected a folder, memory:, memory:NAME "
            "or sparql+http(s)://host:port/...)"
        )
    return Path(location).expanduser().resolve()


def open_store(location: str, *, read_only: bool = False) -> OxigraphStore | RemoteStore:
    """Open the store at ``location``.

    For a folder, ``read_only=True`` opens the version ``current`` points to now, and keeps
    reading that version even after a build switches ``current`` (reopen to see the new one;
    :func:`current_version` tells when). ``read_only=False`` opens the current version for
    writing in place, holding the folder's writer lock; use :func:`begin_build` instead when
    readers may be open, so that they never see a half-written graph.

    A remote store (``sparql+http(s)://``) is read as it is now; ``read_only=False`` takes the
    service's writer lock (see :mod:`ungraph.store.remote`).
    """
    if location.startswith(MEMORY):
        return memory_store(location[len(MEMORY) :], read_only=read_only)
    if is_remote(location):
        return open_remote(location, read_only=read_only)
    layout = StoreLayout(_folder(location))
    if read_only:
        version = layout.current()
        if version is None:
            raise StoreError(
                f"no store at {layout.root} yet; build one with `ungraph build` or "
                "add data with `ungraph load`"
            )
        try:
            engine = ox.Store.read_only(str(layout.database(version)))
        except OSError as error:
            raise StoreError(f"cannot open store {layout.database(version)}: {error}") from error
        records = SqliteRecords(layout.records(version), read_only=True)
        return OxigraphStore(
            engine, records, location=str(layout.root), read_only=True, version=version
        )
    lock = layout.lock()
    try:
        version = layout.current()
        if version is None:
            version = new_version_id()
            layout.version_dir(version).mkdir(parents=True)
            layout.write_manifest(version, state="committed", created=_now(), parent=None)
            layout.switch(version)
        engine = ox.Store(str(layout.database(version)))
        records = SqliteRecords(layout.records(version), read_only=False)
    except BaseException:
        lock.close()
        raise
    return OxigraphStore(
        engine, records, location=str(layout.root), version=version, on_close=[lock]
    )


def current_version(location: str) -> str | None:
    """The version id ``current`` points to (None for memory stores and empty folders); for a
    remote store, the version its last build recorded in the service."""
    if location.startswith(MEMORY):
        return None
    if is_remote(location):
        return remote_version(location)
    return StoreLayout(_folder(location)).current()


class StoreBuild:
    """A new store version being written; :meth:`commit` makes it current, :meth:`abort`
    throws it away. As a context manager it commits on success and aborts on an exception.

    Until the commit nobody else sees it: a crash (even ``kill -9``) leaves the previous
    version current and intact, and the next build removes the leftover.
    """

    def __init__(
        self,
        store: OxigraphStore | RemoteStore,
        *,
        layout: StoreLayout | None = None,
        lock: WriterLock | None = None,
        memory_name: str | None = None,
        parent: str | None = None,
    ) -> None:
        self.store = store
        # A remote build has no version folder of its own (build reports stay outside it).
        self.version = store.version if isinstance(store, OxigraphStore) else None
        self.parent = parent
        self._layout = layout
        self._lock = lock
        self._memory_name = memory_name
        self._done = False

    def commit(self) -> str | None:
        """Switch ``current`` to the new version, prune older ones (keeping the previous
        version for readers still on it) and return the new version id."""
        self._finish()
        if isinstance(self.store, RemoteStore):
            # Every graph is already in place; the new version tells readers to reload.
            version = new_version_id()
            self.store.close(version=version)
            return version
        if self._memory_name is not None:
            install_memory_store(self._memory_name, self.store.engine, self._memory_records())
            return None
        assert self._layout is not None and self.version is not None
        try:
            self.store.close()
            self._layout.write_manifest(self.version, state="committed", committed=_now())
            self._layout.switch(self.version)
            self._layout.prune(self._layout.keep_set())
        finally:
            self._release()
        return self.version

    def abort(self) -> None:
        """Discard the new version; ``current`` is untouched."""
        if self._done:
            return
        self._done = True
        # A remote build cannot be undone: the documents it replaced stay (each one whole),
        # their records are written, and a new version makes readers reload.
        self.store.close()
        if self._layout is not None and self.version is not None:
            shutil.rmtree(self._layout.version_dir(self.version), ignore_errors=True)
        self._release()

    def _finish(self) -> None:
        if self._done:
            raise StoreError("this build was already committed or aborted")
        self._done = True
        self.store.flush()

    def _memory_records(self) -> MemoryRecords:
        assert isinstance(self.store, OxigraphStore)
        records = self.store._records
        assert isinstance(records, MemoryRecords)
        return records

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> StoreBuild:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self._done:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def begin_build(location: str, *, seed: bool = True) -> StoreBuild:
    """Start writing a new version of the store at ``location``.

    ``seed=True`` starts from a copy of the current version (cheap on disk: Oxigraph's backup
    hard-links immutable files), so a build can replace only changed documents; ``False``
    starts empty. Only one build or writer per folder at a time (``StoreError`` otherwise).

    On a remote store the build writes in place (each graph atomically, see
    :mod:`ungraph.store.remote`); ``seed=False`` first removes every graph and record of
    ungraph's from the service.
    """
    if is_remote(location):
        remote = open_remote(location, read_only=False)
        try:
            if not seed:
                remote.clear()
        except BaseException:
            remote.abandon()
            raise
        return StoreBuild(remote)
    if location.startswith(MEMORY):
        name = location[len(MEMORY) :]
        if name and seed:
            engine, copied = copy_memory_store(name)
        else:
            engine, copied = ox.Store(), MemoryRecords()
        store = OxigraphStore(engine, copied, location=location)
        return StoreBuild(store, memory_name=name or None)
    layout = StoreLayout(_folder(location))
    lock = layout.lock()
    try:
        parent = layout.current()
        # Leftovers of crashed or killed builds go now; current and its parent stay.
        layout.prune(layout.keep_set())
        version = new_version_id()
        directory = layout.version_dir(version)
        directory.mkdir(parents=True)
        layout.write_manifest(version, state="building", created=_now(), parent=parent)
        if seed and parent is not None:
            source = ox.Store.read_only(str(layout.database(parent)))
            source.backup(str(layout.database(version)))
            del source
            previous = SqliteRecords(layout.records(parent), read_only=True)
            previous.backup_to(layout.records(version))
            previous.close()
        engine = ox.Store(str(layout.database(version)))
        records = SqliteRecords(layout.records(version), read_only=False)
    except BaseException:
        lock.close()
        raise
    store = OxigraphStore(engine, records, location=str(layout.root), version=version)
    return StoreBuild(store, layout=layout, lock=lock, parent=parent)


class LoadFailed(StoreError):
    """A file of a multi-file load failed; ``loaded`` are the files before it, which were kept."""

    def __init__(self, error: RdfInputError, loaded: list[LoadReport]) -> None:
        self.error = error
        self.loaded = loaded
        super().__init__(str(error))


def load_files(
    location: str,
    paths: Sequence[str | Path],
    *,
    graph: str | None = None,
    fmt: Format | None = None,
) -> list[LoadReport]:
    """Load RDF files into the store at ``location`` as one new version.

    Files load in order, each all or nothing. At the first bad file the files before it are
    committed and :class:`LoadFailed` is raised, so nothing already good is lost and the bad
    file leaves no trace. Readers see the new version only once it is complete.
    """
    reports: list[LoadReport] = []
    build = begin_build(location, seed=True)
    try:
        for path in paths:
            try:
                reports.append(build.store.load_file(path, graph=graph, fmt=fmt))
            except RdfInputError as error:
                if reports:
                    build.commit()
                else:
                    build.abort()
                raise LoadFailed(error, reports) from error
    except BaseException:
        build.abort()
        raise
    build.commit()
    return reports


def store_document(store: GraphStore, record: DocumentRecord, data: GraphData) -> int:
    """Replace a document's named graph and remember its record; returns triples written.

    The graph is written first: if the process dies between the two steps, the record still
    holds the old hash and the next build redoes the document.
    """
    written = store.replace_graph(record.graph, data)
    stamped = record if record.updated else _with_updated(record)
    store.record_document(stamped)
    return written


def _with_updated(record: DocumentRecord) -> DocumentRecord:
    return DocumentRecord(record.key, record.graph, record.content_hash, record.pipeline, _now())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
