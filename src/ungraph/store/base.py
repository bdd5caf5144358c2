"""The ``GraphStore`` protocol and the backend-neutral values it exchanges."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol, runtime_checkable

from rdflib import Graph
from rdflib.term import Node

from ungraph.formats import Format
from ungraph.store.terms import NTriples, Triple

GraphData = Graph | Iterable[Triple] | NTriples
"""What a graph is written from: an rdflib Graph, any iterable of rdflib triples, or N-Triples
text marked as such (:class:`~ungraph.store.terms.NTriples`)."""

Row = tuple[Node | None, ...]
"""One SELECT solution, aligned with ``SelectResult.variables``; None where unbound."""


class StoreError(RuntimeError):
    """The store cannot do what was asked (missing, locked, read-only, unsupported location)."""


class QueryError(ValueError):
    """A SPARQL query or update that does not parse or cannot run; the message says why."""


class QueryTimeout(QueryError):
    """A query ran past its time limit."""


@dataclass(frozen=True)
class DocumentRecord:
    """What the store remembers of one loaded document, so a rebuild can skip it if unchanged.

    ``key`` is the document's stable id (e.g. its IRI), ``graph`` the named graph holding it,
    ``content_hash`` a hash of the source text, ``pipeline`` a version string of the code that
    produced the graph (a new extractor version should rebuild), ``updated`` an ISO timestamp.
    """

    key: str
    graph: str
    content_hash: str
    pipeline: str = ""
    updated: str = ""


@dataclass(frozen=True)
class LoadReport:
    """What one ``load_file`` call did."""

    path: str
    format: str
    quads: int
    graphs: tuple[str, ...]
    """The named graphs the file's triples went to (not the default graph)."""


class QueryResult(ABC):
    """A query's answer. Results stream: iterate (or serialise) once."""

    kind: Literal["select", "ask", "graph"]

    @abstractmethod
    def write(self, output: IO[bytes], fmt: Format) -> None:
        """Serialise the whole result to a binary file in ``fmt`` (a SPARQL results format for
        SELECT/ASK, an RDF format for CONSTRUCT/DESCRIBE), using the engine's own serialiser."""

    def serialize(self, fmt: Format) -> Iterator[bytes]:
        """The serialised result as byte chunks (see :meth:`write`)."""
        from ungraph.store.streams import spooled_chunks

        return spooled_chunks(lambda output: self.write(output, fmt))


class SelectResult(QueryResult):
    """SELECT: the variable names and an iterator of rows of rdflib terms."""

    kind: Literal["select"] = "select"
    variables: tuple[str, ...]

    @abstractmethod
    def __iter__(self) -> Iterator[Row]: ...


class AskResult(QueryResult):
    """ASK: a boolean."""

    kind: Literal["ask"] = "ask"
    value: bool

    def __bool__(self) -> bool:
        return self.value


class GraphResult(QueryResult):
    """CONSTRUCT / DESCRIBE: an iterator of triples of rdflib terms."""

    kind: Literal["graph"] = "graph"

    @abstractmethod
    def __iter__(self) -> Iterator[Triple]: ...

    def graph(self) -> Graph:
        """Collect the triples into an rdflib Graph (small results only)."""
        graph = Graph()
        for triple in self:
            graph.add(triple)
        return graph


@runtime_checkable
class GraphStore(Protocol):
    """A quad store holding named graphs, queried with SPARQL strings.

    Graph names are IRIs given as ``str``; data goes in as rdflib triples and comes out as
    rdflib terms or as bytes serialised by the engine. Queries see the union of all graphs as
    their default graph unless ``default_graph`` says otherwise.
    """

    location: str
    read_only: bool

    # Writing ---------------------------------------------------------------------------
    def replace_graph(self, graph: str, data: GraphData) -> int:
        """Make ``graph`` hold exactly ``data``, atomically for readers; returns triples written."""
        ...

    def add(self, graph: str | None, data: GraphData) -> int:
        """Add triples to ``graph`` (None: the default graph); returns triples given."""
        ...

    def drop_graph(self, graph: str) -> bool:
        """Remove a named graph; returns whether it existed."""
        ...

    def load_file(
        self,
        path: str | Path,
        *,
        graph: str | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
    ) -> LoadReport:
        """Load an RDF file (format from ``fmt``, the extension or the content). Triples go to
        ``graph`` (None: the default graph); a dataset file's named graphs keep their names.
        All or nothing: a file with an error loads nothing and raises ``RdfInputError``."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update atomically."""
        ...

    # Reading ---------------------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        """The named graphs holding at least one triple, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or quads in the whole store when None."""
        ...

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query. ``default_graph``/``named_graphs`` restrict the dataset as
        ``default-graph-uri``/``named-graph-uri`` do; ``timeout`` in seconds raises
        ``QueryTimeout`` when passed while results are produced."""
        ...

    def dump(
        self,
        fmt: Format,
        *,
        graph: str | None = None,
        merged: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ) -> Iterator[bytes]:
        """The store's content serialised in ``fmt`` as byte chunks, streamed: one graph when
        ``graph`` is given; else all graphs for a dataset format, or the merge of all graphs
        (each distinct triple once) for a triple format or when ``merged``. ``prefixes`` are
        used by formats that have them."""
        ...

    def dump_to(
        self,
        output: IO[bytes],
        fmt: Format,
        *,
        graph: str | None = None,
        merged: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Like :meth:`dump`, written straight into a binary file."""
        ...

    # Document bookkeeping --------------------------------------------------------------
    def documents(self) -> Mapping[str, DocumentRecord]:
        """Every document record, by key."""
        ...

    def record_document(self, record: DocumentRecord) -> None:
        """Remember (or overwrite) a document's record."""
        ...

    def forget_document(self, key: str) -> None:
        """Forget a document's record (its graph is dropped separately)."""
        ...

    # Lifecycle -------------------------------------------------------------------------
    def flush(self) -> None:
        """Make every write durable."""
        ...

    def close(self) -> None:
        """Release the store; results already obtained may fail afterwards."""
        ...

    def __enter__(self) -> GraphStore: ...

    def __exit__(self, *exc: object) -> None: ...
