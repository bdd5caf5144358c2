"""``ungraph build``: read → parse → extract → map → validate → load, into a new store version
that becomes current only when complete.

Documents are processed in batches in worker processes (each loads the registry and lexicons
once); the main process reads the sources, loads valid graphs and keeps the books. A document is
skipped when the store already holds a graph built from the same content by the same pipeline
(content hash + :func:`pipeline_fingerprint`); changed documents replace their graph; a document
that fails (unreadable, extractor error, SHACL violation) is quarantined: left out, reported,
and a graph an earlier build made for it is kept.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import resource
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any, Literal

import pyoxigraph as ox
from rdflib import Graph

from ungraph import __version__
from ungraph.config import Settings
from ungraph.conflicts import Conflict, SingleValued, find_conflicts, shared_facts, single_valued
from ungraph.extract import extract_document
from ungraph.extract.knowledge import Knowledge
from ungraph.iris import Minter
from ungraph.mapping import MappedDocument, Run, map_document
from ungraph.processes import clean_context
from ungraph.resources import PACKAGE_DIR, data_dir, ontology_path
from ungraph.sources import DEFAULT_MAX_BYTES, read_sources
from ungraph.sources.model import SourceDocument, SourceError
from ungraph.store import DocumentRecord, GraphStore, StoreBuild, begin_build
from ungraph.store.layout import StoreLayout, new_version_id
from ungraph.store.terms import NTriples
from ungraph.validate import (
    DEFAULT_BATCH,
    GraphValidator,
    ShapeResult,
    TypeIndex,
    default_workers,
    store_type_index,
    type_index,
)
from ungraph.vocab import vocabulary_graphs

__all__ = [
    "DEFAULT_TIMEOUT",
    "REPORT_NAME",
    "BuildError",
    "BuildOptions",
    "BuildReport",
    "DocumentOutcome",
    "Quarantined",
    "build",
    "iter_quarantine_lines",
    "pipeline_fingerprint",
    "summarize",
]

REPORT_NAME = "build-report.json"
"""The build report's name inside the store version it describes."""
DEFAULT_TIMEOUT = 120.0
"""Seconds one document may take to parse, extract, map and validate before it is quarantined."""
SHARED_GRAPHS = ("sdg", "vocabulary", "registry", "matrix")
# Code and data whose change changes what a document maps to: a new fingerprint rebuilds all.
_PIPELINE_CODE = (
    "sources",
    "parse",
    "extract",
    "mapping.py",
    "iris.py",
    "registry.py",
    "vocab.py",
    "namespaces.py",
    "validate.py",
)
_PIPELINE_DATA = ("ontology", "shapes", "vocab")

Stage = Literal["read", "extract", "map", "validate", "timeout", "worker"]


class BuildError(RuntimeError):
    """The build cannot go on (bad settings, invalid vocabulary, store locked); nothing was
    switched."""


# ---------------------------------------------------------------------------------------------
# Options, outcomes, report
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildOptions:
    """What ``ungraph build`` was asked to do."""

    sources: tuple[str, ...]
    store: str
    workers: int | None = None  # None: one per CPU; 0: in this process
    batch: int = DEFAULT_BATCH
    prune: bool = False
    force: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    report: Path | None = None
    optimize: bool = True  # compact the new version's files before switching to it


@dataclass(frozen=True)
class Quarantined:
    """A document left out of the graph: where it came from, at which stage it failed, why,
    and whether the graph an earlier build made for it was kept."""

    origin: str
    stage: Stage
    message: str
    document: str | None = None
    results: tuple[ShapeResult, ...] = ()
    kept_previous: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "stage": self.stage,
            "message": self.message,
            "document": self.document,
            "kept_previous": self.kept_previous,
            "results": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True)
class DocumentOutcome:
    """What became of one source document (for progress display and logs)."""

    origin: str
    status: Literal["built", "skipped", "quarantined", "duplicate"]
    document: str | None = None
    triples: int = 0
    message: str = ""


@dataclass
class BuildReport:
    """The machine-readable account of a build (``build-report.json``)."""

    software: str
    pipeline: str
    run: str
    store: str
    sources: tuple[str, ...]
    started: str
    version: str | None = None
    parent: str | None = None
    finished: str = ""
    seconds: float = 0.0
    read: int = 0
    built: int = 0
    replaced: int = 0
    skipped: int = 0
    pruned: int = 0
    triples_written: int = 0
    documents_in_store: int = 0
    store_quads: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    shared_graphs: dict[str, int] = field(default_factory=dict)
    shared_graphs_reused: bool = False
    duplicates: list[dict[str, str]] = field(default_factory=list)
    dropped_links: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)  # "main", "worker" (the largest)

    @property
    def exit_code(self) -> int:
        """0 when everything built, 1 when something was quarantined."""
        return 1 if self.quarantined else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "software": self.software,
            "pipeline": self.pipeline,
            "run": self.run,
            "store": self.store,
            "version": self.version,
            "parent": self.parent,
            "sources": list(self.sources),
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.seconds, 3),
            "documents": {
                "read": self.read,
                "built": self.built,
                "replaced": self.replaced,
                "skipped_unchanged": self.skipped,
                "quarantined": len(self.quarantined),
                "duplicates": len(self.duplicates),
                "pruned": self.pruned,
                "in_store": self.documents_in_store,
            },
            "triples_written": self.triples_written,
            "store_quads": self.store_quads,
            "shared_graphs": self.shared_graphs,
            "shared_graphs_reused": self.shared_graphs_reused,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "peak_mib": self.peak_mib,
            "quarantined": [q.to_json() for q in self.quarantined],
            "conflicts": [c.to_json() for c in self.conflicts],
            "duplicates": self.duplicates,
            "dropped_links": self.dropped_links,
            "warnings": self.warnings,
        }


def pipeline_fingerprint(settings: Settings) -> str:
    """``{version}+{digest}``: the software version and a digest of the code and data that
    decide what a document maps to (stage modules, vocabularies, shapes, ontology, reference
    files, base IRI). A document built under another fingerprint is rebuilt."""
    digest = hashlib.sha256(settings.base_iri.encode("utf-8"))
    paths: list[Path] = []
    for name in _PIPELINE_CODE:
        target = PACKAGE_DIR / name
        paths.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    for name in _PIPELINE_DATA:
        paths.extend(sorted(p for p in data_dir(name).rglob("*") if p.is_file()))
    reference = settings.reference_dir
    if reference.is_dir():
        paths.extend(sorted(p for p in reference.rglob("*") if p.is_file()))
    for path in paths:
        digest.update(str(path.name).encode("utf-8"))
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return f"{__version__}+{digest.hexdigest()[:12]}"


# ---------------------------------------------------------------------------------------------
# Worker side: parse, extract, map, validate a batch of documents
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    number: int
    source: SourceDocument


@dataclass(frozen=True)
class _Done:
    number: int
    origin: str
    content_hash: str
    document: str | None = None
    graph: str | None = None
    ntriples: str | None = None
    triples: int = 0
    stage: Stage | None = None
    message: str = ""
    results: tuple[ShapeResult, ...] = ()
    dropped: tuple[str, ...] = ()
    shared: tuple[tuple[str, str], ...] = ()  # see ungraph.conflicts.shared_facts
    extract_seconds: float = 0.0
    map_seconds: float = 0.0
    validate_seconds: float = 0.0
    peak_mib: float = 0.0  # the worker's resident memory at its peak so far


@dataclass
class _WorkerState:
    knowledge: Knowledge
    minter: Minter
    run: Run
    validator: GraphValidator
    single: SingleValued
    timeout: float


_STATE: _WorkerState | None = None


def _init_worker(
    settings: Settings, types: TypeIndex, run: Run, timeout: float, *, pooled: bool = False
) -> None:
    global _STATE
    if pooled:
        # Ctrl-C is for the main process, which aborts the build and stops the pool.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    validator = GraphValidator(types=types)
    _STATE = _WorkerState(
        Knowledge.load(settings),
        Minter(settings.base_iri),
        run,
        validator,
        single_valued(validator.shapes.original),
        timeout,
    )
    # Extractors and pySHACL build their indexes on first use: pay that here, not on the first
    # document (whose time and timeout it would eat).
    warm_up = SourceDocument("warm-up", "<warm-up>", "Let us connect everyone by 2030.", "text")
    _process([_Job(-1, warm_up)])
    if pooled:
        # What was just loaded (registry, lexicons, shapes: 130,000 objects) lives as long as
        # the worker, and the collector walked it again at every full collection; documents
        # make few reference cycles, so collections can be rarer too. Measured on 120 General
        # Debate statements: 10.4 ms of collection per document, 2.1 ms with both.
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)


def _start_worker(settings: Settings, types: TypeIndex, run: Run, timeout: float) -> None:
    _init_worker(settings, types, run, timeout, pooled=True)


class _Timeout(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`_Timeout` in this (main) thread after ``seconds``; Python code and the
    ``re`` module check for signals, so a runaway pattern is stopped too."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise _Timeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _process(jobs: Sequence[_Job]) -> list[_Done]:
    """Extract, map and validate every document of a batch; a document that fails does not
    stop the others.

    Stage times are the worker's CPU time (``process_time``), so that they mean the same on a
    busy machine.
    """
    state = _STATE
    assert state is not None, "worker not initialised"
    known = state.validator.types.__contains__
    done: dict[int, _Done] = {}
    mapped: list[tuple[_Job, MappedDocument, float, float]] = []
    for job in jobs:
        stage: Stage = "extract"
        started = time.process_time()
        extracted = started
        try:
            with _deadline(state.timeout):
                extraction = extract_document(job.source, state.knowledge)
                stage, extracted = "map", time.process_time()
                result = map_document(
                    extraction,
                    state.minter,
                    state.run,
                    registry=state.knowledge.registry,
                    known=known,
                )
        except _Timeout as error:
            done[job.number] = _failed(job, "timeout", f"{stage}: {error}")
            continue
        except Exception as error:  # a bug on one document must not stop the others
            # ExtractionError already names the file and the extractor.
            message = str(error) if stage == "extract" else f"{type(error).__name__}: {error}"
            done[job.number] = _failed(job, stage, message)
            continue
        mapped.append((job, result, extracted - started, time.process_time() - extracted))
    for job, result, extract_s, map_s in mapped:
        started = time.process_time()
        try:
            with _deadline(state.timeout):
                # The validator also writes the graph as N-Triples, checked by Oxigraph's parser.
                (validation,) = state.validator.validate_batch(
                    [(str(result.iri), result.graph)], serialize=True
                )
        except _Timeout as error:
            done[job.number] = _failed(job, "timeout", f"validate: {error}", str(result.iri))
            continue
        except Exception as error:  # e.g. an IRI the parser refuses: this document only
            message = f"{type(error).__name__}: {error}"
            done[job.number] = _failed(job, "validate", message, str(result.iri))
            continue
        done[job.number] = _Done(
            number=job.number,
            origin=job.source.origin,
            content_hash=job.source.content_hash,
            document=str(result.iri),
            graph=str(result.graph_name),
            ntriples=validation.ntriples if validation.conforms else None,
            triples=validation.triples,
            stage=None if validation.conforms else "validate",
            message=""
            if validation.conforms
            else f"{len(validation.violations)} SHACL violation(s)",
            results=validation.results,
            dropped=result.dropped,
            shared=shared_facts(result.graph, result.iri, state.single),
            extract_seconds=extract_s,
            map_seconds=map_s,
            validate_seconds=time.process_time() - started,
            peak_mib=_peak_mib(),
        )
    return [done[job.number] for job in jobs]


def _peak_mib() -> float:
    """This process's peak resident memory in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _failed(job: _Job, stage: Stage, message: str, document: str | None = None) -> _Done:
    return _Done(
        job.number,
        job.source.origin,
        job.source.content_hash,
        document=document,
        stage=stage,
        message=message,
    )


# ---------------------------------------------------------------------------------------------
# Main side
# ---------------------------------------------------------------------------------------------
OnDocument = Callable[[DocumentOutcome], None]


def build(
    settings: Settings, options: BuildOptions, on_document: OnDocument | None = None
) -> BuildReport:
    """Build the store at ``options.store`` from ``options.sources``; see the module.

    Raises :class:`BuildError` (nothing switched) when the build cannot go on; otherwise
    returns the report, whose ``exit_code`` says whether something was quarantined.
    """
    started = time.perf_counter()
    minter = Minter(settings.base_iri)
    notify = on_document or (lambda _outcome: None)
    try:
        pipeline = pipeline_fingerprint(settings)
        store_build = begin_build(options.store, seed=True)
    except (OSError, RuntimeError, ValueError) as error:  # SettingError, StoreError
        raise BuildError(str(error)) from error
    with store_build:
        store = store_build.store
        run = Run.create(minter, store_build.version or new_version_id())
        report = BuildReport(
            software=__version__,
            pipeline=pipeline,
            run=str(run.iri),
            store=options.store,
            sources=options.sources,
            started=run.started.isoformat(),
            version=store_build.version,
            parent=store_build.parent,
        )
        shared, types = _prepare_shared(settings, minter, store_build, report)
        books = _Books(store, report, notify, force=options.force)
        books.shared.update(_previous_conflicts(store_build))
        try:
            _run_documents(settings, options, books, types, run)
            books.loader.close()  # every document graph is in: nothing else writes beside them
            if shared is not None:
                loading = time.perf_counter()
                for name, graph in shared.items():
                    store.replace_graph(str(minter.graph(name)), graph)
                report.timings["load_vocabulary"] = time.perf_counter() - loading
            books.finish(prune=options.prune)
        finally:
            books.loader.abandon()  # after an error: no load may outlive the build
        if options.optimize and (report.built or report.pruned):
            _optimize(store, report)
        report.documents_in_store = len(store.documents())
        report.store_quads = store.count()
        report.peak_mib["main"] = _peak_mib()
        report.seconds = time.perf_counter() - started
        report.finished = datetime.now(UTC).isoformat(timespec="seconds")
        if store_build.version is not None:
            layout = StoreLayout(Path(store.location))
            _write_report(layout.version_dir(store_build.version) / REPORT_NAME, report)
        committing = time.perf_counter()
        store_build.commit()
        report.timings["commit"] = time.perf_counter() - committing
    if options.report is not None:
        _write_report(options.report, report)
    return report


def _optimize(store: GraphStore, report: BuildReport) -> None:
    """Compact an embedded store's files before readers see it: a version written by many bulk
    loads keeps many overlapping files, and four catalogue queries ran in 0.56-0.72x the CPU
    time once they were merged (1,000 General Debate statements, 1.18M quads, 10 s to
    compact). A remote engine manages its own files."""
    optimize = getattr(store, "optimize", None)
    if optimize is None:
        return
    started = time.perf_counter()
    optimize()
    report.timings["optimize"] = time.perf_counter() - started


def _prepare_shared(
    settings: Settings, minter: Minter, store_build: StoreBuild, report: BuildReport
) -> tuple[dict[str, Graph] | None, TypeIndex]:
    """The shared graphs to load (None when the previous version's are still right) and the
    type index documents are validated with.

    The pipeline fingerprint covers everything the shared graphs are made from, so when the
    previous build had the same fingerprint and its shared graphs are still in the store
    (same sizes), they are kept and their types read from the store.
    """
    started = time.perf_counter()
    names = {name: str(minter.graph(name)) for name in (*SHARED_GRAPHS, "ontology")}
    previous = _previous_report(store_build)
    recorded = previous.get("shared_graphs", {}) if previous else {}
    store = store_build.store
    if (
        previous is not None
        and previous.get("pipeline") == report.pipeline
        and set(recorded) == set(names)
        and all(store.count(names[name]) == recorded[name] for name in names)
    ):
        report.shared_graphs = dict(recorded)
        report.shared_graphs_reused = True
        types = store_type_index(store, [names[n] for n in ("sdg", "vocabulary", "registry")])
        report.timings["vocabulary"] = time.perf_counter() - started
        return None, types
    cached = _SHARED.get(report.pipeline)
    if cached is None:
        try:
            shared = _shared_graphs(settings, minter)
        except (OSError, ValueError) as error:  # SettingError, VocabularyError, parse errors
            raise BuildError(str(error)) from error
        index = type_index(shared[name] for name in ("sdg", "vocabulary", "registry"))
        report.timings["vocabulary"] = time.perf_counter() - started
        checking = time.perf_counter()
        _check_shared(shared, index)
        report.timings["validate_vocabulary"] = time.perf_counter() - checking
        # The fingerprint covers every input of the shared graphs: a process that builds again
        # (tests, benchmarks, a long-running service) reuses them.
        cached = _SHARED[report.pipeline] = (shared, index)
    report.shared_graphs = {name: len(graph) for name, graph in cached[0].items()}
    return cached


_SHARED: dict[str, tuple[dict[str, Graph], TypeIndex]] = {}


def _previous_report(store_build: StoreBuild) -> dict[str, Any] | None:
    if store_build.parent is None:
        return None
    layout = StoreLayout(Path(store_build.store.location))
    try:
        data = json.loads((layout.version_dir(store_build.parent) / REPORT_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _previous_conflicts(store_build: StoreBuild) -> set[tuple[str, str]]:
    """The conflicts the previous build reported, to check again: a conflict between two
    unchanged documents was found when one of them was built, and the documents of this
    build bring their own pairs."""
    previous = _previous_report(store_build) or {}
    found = previous.get("conflicts", [])
    return {
        (item["focus"], item["path"])
        for item in found
        if isinstance(item, dict) and "focus" in item and "path" in item
    }


def _shared_graphs(settings: Settings, minter: Minter) -> dict[str, Graph]:
    graphs = vocabulary_graphs(settings, minter)
    graphs["ontology"] = Graph().parse(ontology_path(), format="turtle")
    return graphs


def _check_shared(shared: Mapping[str, Graph], types: TypeIndex) -> None:
    """The vocabulary, registry and matrix graphs are ours: if they do not conform, the build
    stops (a data-file bug to fix), rather than loading them."""
    merged = Graph()
    for name in ("vocabulary", "registry", "matrix"):
        for triple in shared[name]:
            merged.add(triple)
    validation = GraphValidator(types=types).validate(merged, "vocabulary, registry and matrix")
    if not validation.conforms:
        lines = "\n".join(r.describe() for r in validation.violations[:20])
        raise BuildError(f"the shared graphs do not conform to the shapes:\n{lines}")


def _write_report(path: Path, report: BuildReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(temporary, path)


class _Loader:
    """Writes document graphs into the store version being built, many at a time.

    The version is invisible until the build commits, so a document's graph need not be written
    in a transaction of its own: on the embedded store, graphs are spooled to a file as N-Quads
    and go in by the hundred megabytes through Oxigraph's bulk loader, which writes sorted files
    directly — per-document transactions took four times the disk and several times the memory
    (a 2 GiB main process at 10,000 documents). A load runs in a thread of its own (Oxigraph
    lets go of the interpreter while it loads a file), so the main thread goes on handing
    documents to the workers and spooling their graphs; one load at a time. Another backend
    replaces one document graph at a time.
    """

    # Characters of N-Quads per bulk load. Each load adds files that the store merges with what
    # it holds, again and again as the version grows, in the background while the workers
    # run: on the 12.8 million quads of the General Debate corpus, loaded at the pace of a
    # build, 32 MB loads cost 476 CPU seconds and 256 MB loads 352. The spool is on disk, so
    # the size costs the main process no memory of its own, only the bulk loader's (a 1 GB
    # load took the process to 1.9 GiB).
    CHUNK = 256 << 20

    def __init__(self, store: GraphStore, existing: Iterable[str] = ()) -> None:
        self.store = store
        self._bulk_load = getattr(getattr(store, "engine", None), "bulk_load", None)
        self._spool: IO[str] | None = None
        self._spooled: set[str] = set()  # graphs in the spool
        self._size = 0
        self._thread: ThreadPoolExecutor | None = None
        self._loading: Future[None] | None = None
        # Graphs the version may already hold (seeded from the parent, or loaded by an earlier
        # chunk when a source read later claims the same document): only these need dropping
        # before a bulk load.
        self._existing = set(existing)

    def write(self, graph: str, ntriples: str) -> None:
        if self._bulk_load is None:
            # One atomic replacement per document (on a remote engine, a Graph Store PUT).
            self.store.replace_graph(graph, NTriples(ntriples))
            return
        if graph in self._spooled:
            # Claimed again by a source read earlier (rare): the spooled graph cannot be taken
            # out of the file, so it is loaded, then dropped before the new one goes in.
            self.flush()
        if self._spool is None:
            self._spool = _spool_file()
        # N-Triples to N-Quads: every statement ends with " .\n" (the serialiser escapes line
        # breaks inside literals), so the graph name goes before it.
        self._size += self._spool.write(ntriples.replace(" .\n", f" <{graph}> .\n"))
        self._spooled.add(graph)
        if self._size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        """Start loading what is spooled, once the previous load is done."""
        self._wait()
        if self._spool is None or not self._spooled:
            return
        # No load is running: a graph can be dropped without racing one.
        for graph in self._existing.intersection(self._spooled):
            self.store.drop_graph(graph)  # a changed document's old graph, from the parent
        self._spool.flush()
        spool, self._spool = self._spool, None
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="ungraph-load")
        self._loading = self._thread.submit(self._load, spool)
        self._existing.update(self._spooled)
        self._spooled.clear()
        self._size = 0

    def _load(self, spool: IO[str]) -> None:
        assert self._bulk_load is not None
        try:
            # Lenient: the workers wrote the statements from terms Oxigraph's parser checked
            # (ungraph.validate), and the graph names are minted IRIs; checking every IRI again
            # cost 12 % of the loading CPU (1.29 million quads).
            self._bulk_load(path=_path_of(spool), format=ox.RdfFormat.N_QUADS, lenient=True)
        finally:
            spool.close()  # and deleted

    def _wait(self) -> None:
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.result()  # a load's error is raised here, in the main thread

    def close(self) -> None:
        """Load what is spooled and wait for it."""
        try:
            self.flush()
            self._wait()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Wait for a running load (the build is stopping and its version will be removed:
        nothing may still write to it), drop the spool."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _spool_file() -> IO[str]:
    """A temporary file for N-Quads, deleted when closed. Where the system can open a file by
    its descriptor (Linux: ``/proc/self/fd``), it never has a name: a build killed mid-way (even
    ``kill -9``) leaves no spool behind, up to 256 MB, that no later build would find."""
    if os.path.isdir(_OWN_DESCRIPTORS):
        return tempfile.TemporaryFile("w+", encoding="utf-8", newline="", prefix="ungraph-load-")
    return tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", prefix="ungraph-load-", suffix=".nq"
    )


def _path_of(spool: IO[str]) -> str:
    """A path the bulk loader can open the spool by."""
    if isinstance(spool.name, int):  # an unnamed file: its descriptor
        return f"{_OWN_DESCRIPTORS}/{spool.name}"
    return spool.name


_OWN_DESCRIPTORS = "/proc/self/fd"


class _Books:
    """The main process's bookkeeping: which document IRI each source claimed, what to skip,
    write, report as duplicate or quarantine."""

    def __init__(
        self, store: GraphStore, report: BuildReport, notify: OnDocument, *, force: bool
    ) -> None:
        self.store = store
        self.report = report
        self.notify = notify
        self.force = force
        self.records = dict(store.documents())
        self.by_hash: dict[str, DocumentRecord] = {}
        for record in self.records.values():
            self.by_hash.setdefault(record.content_hash, record)
        self.claims: dict[str, tuple[int, str]] = {}  # document IRI -> (number, origin)
        self.unidentified_failures = 0
        self.shared: set[tuple[str, str]] = set()  # facts about shared resources, to check
        self.loader = _Loader(store, (record.graph for record in self.records.values()))

    def skip(self, number: int, source: SourceDocument) -> bool:
        """Whether the store already has this document, built from the same content by the
        same pipeline (then it is claimed, counted and announced)."""
        record = self.by_hash.get(source.content_hash)
        if self.force or record is None or record.pipeline != self.report.pipeline:
            return False
        if not self._claim(record.key, number, source.origin):
            return True
        self.report.skipped += 1
        self.notify(DocumentOutcome(source.origin, "skipped", record.key))
        return True

    def _claim(self, document: str, number: int, origin: str) -> bool:
        """Claim a document IRI for a source; the source read first wins (returns whether
        this one does), the other is reported as a duplicate."""
        holder = self.claims.get(document)
        if holder is None or number < holder[0]:
            if holder is not None:
                self._duplicate(document, holder[1], origin)
            self.claims[document] = (number, origin)
            return True
        self._duplicate(document, origin, holder[1])
        return False

    def _duplicate(self, document: str, loser: str, winner: str) -> None:
        self.report.duplicates.append({"document": document, "origin": loser, "kept": winner})
        self.notify(
            DocumentOutcome(loser, "duplicate", document, message=f"same document as {winner}")
        )

    def unreadable(self, error: SourceError) -> None:
        self.unidentified_failures += 1
        self._quarantine(Quarantined(error.origin, "read", error.message))

    def done(self, item: _Done) -> None:
        timings = self.report.timings
        for stage, seconds in (
            ("extract_cpu", item.extract_seconds),
            ("map_cpu", item.map_seconds),
            ("validate_cpu", item.validate_seconds),
        ):
            timings[stage] = timings.get(stage, 0.0) + seconds
        peak = self.report.peak_mib
        peak["worker"] = max(peak.get("worker", 0.0), item.peak_mib)
        if item.dropped and item.document:
            self.report.dropped_links.append(
                {"document": item.document, "origin": item.origin, "links": list(item.dropped)}
            )
        if item.stage is not None:
            if item.document is None:
                self.unidentified_failures += 1
            else:
                # Quarantined, but still in the sources: --prune must not drop its old graph.
                self.claims.setdefault(item.document, (item.number, item.origin))
            kept = item.document is not None and item.document in self.records
            self._quarantine(
                Quarantined(
                    item.origin, item.stage, item.message, item.document, item.results, kept
                )
            )
            return
        assert item.document is not None and item.graph is not None and item.ntriples is not None
        if not self._claim(item.document, item.number, item.origin):
            return
        self.loader.write(item.graph, item.ntriples)
        self.shared.update(item.shared)
        replaced = item.document in self.records
        record = DocumentRecord(
            item.document,
            item.graph,
            item.content_hash,
            self.report.pipeline,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.store.record_document(record)
        self.records[item.document] = record
        self.report.built += 1
        self.report.replaced += int(replaced)
        self.report.triples_written += item.triples
        self.notify(DocumentOutcome(item.origin, "built", item.document, item.triples))

    def _quarantine(self, item: Quarantined) -> None:
        self.report.quarantined.append(item)
        self.notify(
            DocumentOutcome(item.origin, "quarantined", item.document, message=item.message)
        )

    def finish(self, *, prune: bool) -> None:
        """Once every graph is loaded (``loader.close``): drop the documents no source claimed
        this time (when asked to and when it is safe), then look for cross-document conflicts."""
        self._prune(prune)
        checking = time.perf_counter()
        self.report.conflicts = find_conflicts(self.store, self.shared)
        self.report.timings["conflicts"] = time.perf_counter() - checking

    def _prune(self, prune: bool) -> None:
        if not prune:
            return
        if self.unidentified_failures:
            self.report.warnings.append(
                f"--prune skipped: {self.unidentified_failures} source(s) failed before their "
                "document could be identified, so nothing was dropped"
            )
            return
        for key, record in sorted(self.records.items()):
            if key not in self.claims:
                self.store.drop_graph(record.graph)
                self.store.forget_document(key)
                self.report.pruned += 1


def _run_documents(
    settings: Settings,
    options: BuildOptions,
    books: _Books,
    types: TypeIndex,
    run: Run,
) -> None:
    """Stream the sources through the workers, at most two batches per worker in flight."""
    started = time.perf_counter()
    jobs = _jobs(options, books)
    count = default_workers() if options.workers is None else options.workers
    if count == 0:
        _init_worker(settings, types, run, options.timeout)
        for batch in jobs:
            for item in _process(batch):
                books.done(item)
    else:
        with _Workers(count, (settings, types, run, options.timeout), books) as workers:
            for batch in jobs:
                workers.submit(batch)
                workers.drain(until=count * 2 - 1)
            workers.drain(until=0)
    books.report.timings["documents"] = time.perf_counter() - started


class _Workers:
    """A process pool that survives the death of a worker (killed, out of memory, a crash in
    native code): the unfinished documents are retried one by one in a fresh pool, and one
    that was in flight in two crashes is quarantined."""

    def __init__(self, count: int, initargs: tuple[Any, ...], books: _Books) -> None:
        self.count = count
        self.initargs = initargs
        self.books = books
        self.retried: set[int] = set()
        self.in_flight: dict[Future[list[_Done]], list[_Job]] = {}
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.count,
            mp_context=clean_context(),
            initializer=_start_worker,
            initargs=self.initargs,
        )

    def submit(self, batch: list[_Job]) -> None:
        try:
            self.in_flight[self.pool.submit(_process, batch)] = batch
        except BrokenProcessPool:
            self.in_flight[Future()] = batch  # resubmitted by the recovery
            self._recover()

    def drain(self, until: int) -> None:
        """Book finished batches until at most ``until`` are in flight."""
        while len(self.in_flight) > until:
            finished, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                try:
                    items = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del self.in_flight[future]
                for item in items:
                    self.books.done(item)
            if broken:
                self._recover()

    def _recover(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        orphans = [job for batch in self.in_flight.values() for job in batch]
        self.in_flight.clear()
        self.pool = self._new_pool()
        for job in orphans:
            if job.number in self.retried:
                self.books.done(_failed(job, "worker", "a worker process died while processing it"))
                continue
            self.retried.add(job.number)
            self.in_flight[self.pool.submit(_process, [job])] = [job]

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _jobs(options: BuildOptions, books: _Books) -> Iterator[list[_Job]]:
    """Batches of documents to process; unreadable sources and unchanged documents are
    booked here and never reach a worker."""
    batch: list[_Job] = []
    for number, item in enumerate(read_sources(options.sources, max_bytes=options.max_bytes)):
        books.report.read += 1
        if isinstance(item, SourceError):
            books.unreadable(item)
            continue
        if books.skip(number, item):
            continue
        batch.append(_Job(number, item))
        if len(batch) >= options.batch:
            yield batch
            batch = []
    if batch:
        yield batch


def summarize(report: BuildReport) -> list[tuple[str, str]]:
    """The summary rows the CLI prints: documents read, built, skipped, quarantined, triples,
    time."""
    rows = [
        ("documents read", str(report.read)),
        ("built", f"{report.built} ({report.replaced} replaced)"),
        ("skipped (unchanged)", str(report.skipped)),
        ("quarantined", str(len(report.quarantined))),
        ("conflicts", str(len(report.conflicts))),
        ("duplicates", str(len(report.duplicates))),
        ("pruned", str(report.pruned)),
        ("documents in store", str(report.documents_in_store)),
        ("triples written", str(report.triples_written)),
        ("quads in store", str(report.store_quads)),
        ("time", f"{report.seconds:.1f} s"),
    ]
    if report.version:
        rows.append(("store version", report.version))
    return rows


def iter_quarantine_lines(report: BuildReport) -> Iterable[str]:
    """The quarantine as readable lines: file, stage, message, then each SHACL result (shape,
    focus node, path, message); then the cross-document conflicts."""
    for item in report.quarantined:
        kept = " (previous version kept)" if item.kept_previous else ""
        yield f"{item.origin}: {item.stage}: {item.message}{kept}"
        for result in item.results:
            if result.severity == "Violation":
                yield f"    {result.describe()}"
    for conflict in report.conflicts:
        yield f"conflict: {conflict.describe()}"
