"""The embedded backend: an Oxigraph store (on disk or in memory) plus document records."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib.term import Node

from ungraph.formats import RDF_FORMATS, RESULT_FORMATS, Format
from ungraph.rdfio import DEFAULT_MAX_BYTES, iter_quads
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
from ungraph.store.streams import threaded_chunks
from ungraph.store.terms import NTriples, ToOxigraph, Triple, to_rdflib, triples_of

# Files above this size are checked in a first streaming pass and then bulk-loaded in a second,
# instead of being held in memory for one transaction.
BULK_THRESHOLD = 64 << 20
_BATCH = 10_000
_MEMO_TERMS = 50_000
"""Distinct terms of one SELECT answer kept converted (see ``_Select.__iter__``)."""


def _named(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except ValueError as error:
        raise StoreError(f"not an absolute IRI for a graph name: {graph!r}") from error


class _Deadline:
    def __init__(self, timeout: float | None) -> None:
        self.end = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise QueryTimeout(f"query ran longer than {self.timeout:g} s")


def _check_format(fmt: Format, allowed: Sequence[Format], what: str) -> None:
    if fmt not in allowed:
        names = ", ".join(f.name for f in allowed)
        raise QueryError(f"{what} results cannot be written as {fmt.name}; use one of {names}")


class _Select(SelectResult):
    def __init__(self, solutions: ox.QuerySolutions, deadline: _Deadline) -> None:
        self._solutions = solutions
        self._deadline = deadline
        self.variables = tuple(v.value for v in solutions.variables)

    def __iter__(self) -> Iterator[Row]:
        # Rows repeat their terms (a page's evidence rows share predicates, labels, targets, the
        # document): each distinct term becomes an rdflib term once per answer, which was a
        # quarter of a document page's time. Bounded, so a huge answer still streams.
        memo: dict[ox.NamedNode | ox.BlankNode | ox.Literal, Node] = {}
        for n, solution in enumerate(self._solutions):
            if n % 256 == 0:
                self._deadline.check()
            row: list[Node | None] = []
            for term in solution:
                if term is None:
                    row.append(None)
                    continue
                found = memo.get(term)
                if found is None:
                    found = to_rdflib(term)
                    if len(memo) < _MEMO_TERMS:
                        memo[term] = found
                row.append(found)
            yield tuple(row)

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RESULT_FORMATS, "SELECT")
        self._solutions.serialize(output, fmt.oxigraph)  # type: ignore[arg-type]


class _Ask(AskResult):
    def __init__(self, answer: ox.QueryBoolean) -> None:
        self._answer = answer
        self.value = bool(answer)

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RESULT_FORMATS, "ASK")
        self._answer.serialize(output, fmt.oxigraph)  # type: ignore[arg-type]


class _Graph(GraphResult):
    def __init__(self, triples: ox.QueryTriples, deadline: _Deadline) -> None:
        self._triples = triples
        self._deadline = deadline

    def __iter__(self) -> Iterator[Triple]:
        for n, t in enumerate(self._triples):
            if n % 256 == 0:
                self._deadline.check()
            yield to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)

    def write(self, output: IO[bytes], fmt: Format) -> None:
        _check_format(fmt, RDF_FORMATS, "CONSTRUCT/DESCRIBE")
        self._triples.serialize(output, fmt.oxigraph)  # type: ignore[arg-type]


class MemoryRecords:
    """Document records in a dict (in-memory stores)."""

    def __init__(self) -> None:
        self._records: dict[str, DocumentRecord] = {}

    def all(self) -> dict[str, DocumentRecord]:
        return dict(self._records)

    def put(self, record: DocumentRecord) -> None:
        self._records[record.key] = record

    def remove(self, key: str) -> None:
        self._records.pop(key, None)

    def copy(self) -> MemoryRecords:
        twin = MemoryRecords()
        twin._records = dict(self._records)
        return twin

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class SqliteRecords:
    """Document records in a small SQLite file beside the Oxigraph folder of one store version.

    They are bookkeeping, not data: kept out of the RDF so that dumps, counts and SPARQL see
    only the graph. Writes are buffered and committed :data:`BATCH` at a time (and on every
    read, flush and close): one transaction per document cost a build an eighth of its main
    process. A store version is invisible until its build commits, so a crash loses nothing
    a reader could have seen.
    """

    BATCH = 1000

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._read_only = read_only
        self._pending: dict[str, DocumentRecord | None] = {}  # None: forget the key
        if read_only:
            if not path.exists():
                self._db = sqlite3.connect(":memory:", check_same_thread=False)
            else:
                self._db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                )
        else:
            self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            if not read_only or not path.exists():
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, graph TEXT "
                    "NOT NULL, content_hash TEXT NOT NULL, pipeline TEXT NOT NULL, "
                    "updated TEXT NOT NULL)"
                )

    def all(self) -> dict[str, DocumentRecord]:
        with self._lock:
            self._write_pending()
            rows = self._db.execute(
                "SELECT key, graph, content_hash, pipeline, updated FROM documents"
            ).fetchall()
        return {row[0]: DocumentRecord(*row) for row in rows}

    def put(self, record: DocumentRecord) -> None:
        self._buffer(record.key, record)

    def remove(self, key: str) -> None:
        self._buffer(key, None)

    def _buffer(self, key: str, record: DocumentRecord | None) -> None:
        with self._lock:
            self._pending[key] = record
            if len(self._pending) >= self.BATCH:
                self._write_pending()

    def flush(self) -> None:
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        """Commit the buffered writes in one transaction (the caller holds the lock)."""
        if not self._pending:
            return
        gone = [(key,) for key, record in self._pending.items() if record is None]
        kept = [
            (r.key, r.graph, r.content_hash, r.pipeline, r.updated)
            for r in self._pending.values()
            if r is not None
        ]
        with self._db:
            if gone:
                self._db.executemany("DELETE FROM documents WHERE key = ?", gone)
            if kept:
                self._db.executemany(
                    "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)", kept
                )
        self._pending.clear()

    def backup_to(self, target: Path) -> None:
        copy = sqlite3.connect(target)
        try:
            with self._lock:
                self._write_pending()
                self._db.backup(copy)
        finally:
            copy.close()

    def close(self) -> None:
        with self._lock:
            if not self._read_only:
                self._write_pending()
            self._db.close()


Records = MemoryRecords | SqliteRecords


class OxigraphStore:
    """A :class:`~ungraph.store.base.GraphStore` on pyoxigraph.

    Open one through :func:`ungraph.store.open_store` or :func:`ungraph.store.begin_build`.
    """

    def __init__(
        self,
        store: ox.Store,
        records: Records,
        *,
        location: str,
        read_only: bool = False,
        version: str | None = None,
        on_close: list[object] | None = None,
    ) -> None:
        self._store: ox.Store | None = store
        self._records = records
        self.location = location
        self.read_only = read_only
        self.version = version
        # Things to release with the store (e.g. the writer's lock file).
        self._on_close = on_close or []

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        version = f" version {self.version}" if self.version else ""
        return f"<OxigraphStore {self.location}{version} ({mode})>"

    @property
    def engine(self) -> ox.Store:
        if self._store is None:
            raise StoreError(f"store {self.location} is closed")
        return self._store

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreError(f"store {self.location} is open read-only")
        return self.engine

    # Writing ---------------------------------------------------------------------------
    def replace_graph(self, graph: str, data: GraphData) -> int:
        store = self._writable()
        name = _named(graph)
        if isinstance(data, NTriples):
            count = data.count_triples()
            if not count:
                return self.replace_graph(graph, ())
            # The worker's N-Triples go in as they are (never Python objects again).
            store.update(
                f"DROP SILENT GRAPH <{name.value}> ;\n"
                f"INSERT DATA {{ GRAPH <{name.value}> {{\n{data}\n}} }}"
            )
            return count
        convert = ToOxigraph()
        quads = list(convert.quads(triples_of(data), name))
        if not quads:
            if store.contains_named_graph(name):
                store.remove_graph(name)
            return 0
        # One SPARQL update is one transaction: readers see the old graph or the new one,
        # never a half-written mix. N-Triples lines are valid INSERT DATA triples.
        body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
        assert body is not None
        store.update(
            f"DROP SILENT GRAPH <{name.value}> ;\n"
            f"INSERT DATA {{ GRAPH <{name.value}> {{\n{body.decode('utf-8')}\n}} }}"
        )
        return len(quads)

    def add(self, graph: str | None, data: GraphData) -> int:
        store = self._writable()
        target: ox.NamedNode | ox.DefaultGraph = (
            ox.DefaultGraph() if graph is None else _named(graph)
        )
        quads = list(ToOxigraph().quads(triples_of(data), target))
        store.extend(quads)
        return len(quads)

    def drop_graph(self, graph: str) -> bool:
        store = self._writable()
        name = _named(graph)
        if not store.contains_named_graph(name):
            return False
        store.remove_graph(name)
        return True

    def load_file(
        self,
        path: str | Path,
        *,
        graph: str | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> LoadReport:
        store = self._writable()
        path = Path(path)
        target: ox.NamedNode | ox.DefaultGraph = (
            ox.DefaultGraph() if graph is None else _named(graph)
        )

        def quads() -> Iterator[ox.Quad]:
            for quad in iter_quads(path, fmt=fmt, base_iri=base_iri, max_bytes=max_bytes):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, target)
                else:
                    yield quad

        from ungraph.rdfio import _head, detect_format

        used = fmt or detect_format(path, _head(path))[0]
        graphs: set[str] = set()
        if path.stat().st_size <= BULK_THRESHOLD:
            parsed = list(quads())
            store.extend(parsed)  # one transaction: all or nothing
            count = len(parsed)
            graphs = {g for q in parsed if (g := _graph_label(q.graph_name))}
        else:
            # First pass validates (and counts) without keeping anything, so that a bad file
            # loads nothing; the second streams into the store.
            count = 0
            for quad in quads():
                count += 1
                if label := _graph_label(quad.graph_name):
                    graphs.add(label)
            batch: list[ox.Quad] = []
            for quad in quads():
                batch.append(quad)
                if len(batch) >= _BATCH:
                    store.bulk_extend(batch)
                    batch = []
            store.bulk_extend(batch)
        return LoadReport(str(path), used.name, count, tuple(sorted(graphs)))

    def update(self, sparql: str) -> None:
        store = self._writable()
        try:
            store.update(sparql)
        except SyntaxError as error:
            raise QueryError(f"SPARQL update does not parse: {error.msg}") from error
        except (RuntimeError, OSError) as error:
            raise QueryError(f"SPARQL update failed: {error}") from error

    # Reading ---------------------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.engine.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self.engine)
        name = _named(graph)
        answer = self.engine.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name.value}> {{ ?s ?p ?o }} }}"
        )
        assert isinstance(answer, ox.QuerySolutions)
        for solution in answer:
            value = solution[0]
            assert isinstance(value, ox.Literal)
            return int(value.value)
        return 0

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        deadline = _Deadline(timeout)
        options: dict[str, object] = {}
        if default_graph is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [_named(g) for g in default_graph]
        if named_graphs is not None:
            options["named_graphs"] = [_named(g) for g in named_graphs]
        try:
            answer = self.engine.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QueryError(f"SPARQL query does not parse: {error.msg}") from error
        except (RuntimeError, OSError) as error:
            raise QueryError(f"SPARQL query failed: {error}") from error
        deadline.check()
        if isinstance(answer, ox.QuerySolutions):
            return _Select(answer, deadline)
        if isinstance(answer, ox.QueryBoolean):
            return _Ask(answer)
        return _Graph(answer, deadline)

    def dump(
        self,
        fmt: Format,
        *,
        graph: str | None = None,
        merged: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ) -> Iterator[bytes]:
        self.engine  # noqa: B018 - fail here, not in the writer thread, when closed
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
        if fmt.kind != "rdf":
            raise StoreError(f"{fmt.label} is not an RDF format")
        store = self.engine
        rdf_format = fmt.oxigraph
        options: dict[str, object] = {}
        if prefixes and fmt.name in ("turtle", "trig", "rdfxml"):
            options["prefixes"] = dict(prefixes)
        if graph is not None:
            store.dump(output, rdf_format, from_graph=_named(graph), **options)  # type: ignore[arg-type]
        elif fmt.dataset and not merged:
            store.dump(output, rdf_format, **options)  # type: ignore[arg-type]
        else:
            # The merge of all graphs: each distinct triple once, streamed by Oxigraph's own
            # serialiser (DISTINCT keeps a set of encoded triples inside Oxigraph, not rdflib
            # objects in Python).
            union = store.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
                use_default_graph_as_union=True,
            )
            assert isinstance(union, ox.QueryTriples)
            ox.serialize(union, output, rdf_format, **options)  # type: ignore[arg-type]

    # Document bookkeeping --------------------------------------------------------------
    def documents(self) -> Mapping[str, DocumentRecord]:
        return self._records.all()

    def record_document(self, record: DocumentRecord) -> None:
        self._writable()
        self._records.put(record)

    def forget_document(self, key: str) -> None:
        self._writable()
        self._records.remove(key)

    # Lifecycle -------------------------------------------------------------------------
    def flush(self) -> None:
        if self._store is not None and not self.read_only:
            self._store.flush()
            self._records.flush()

    def optimize(self) -> None:
        """Compact the on-disk files for faster reads (after a bulk build)."""
        self._writable().optimize()

    def close(self) -> None:
        if self._store is None:
            return
        self.flush()
        # pyoxigraph has no close(): the database closes when its last reference goes.
        self._store = None
        gc.collect()
        self._records.close()
        for item in self._on_close:
            close = getattr(item, "close", None)
            if close is not None:
                close()
        self._on_close = []

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _graph_label(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else str(graph.value)
