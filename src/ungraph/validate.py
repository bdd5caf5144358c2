"""The SHACL gate: validate document graphs (with the vocabulary types they link to) against
``shapes/``, many documents per pySHACL run, in worker processes.

Three things make it fast enough for ten thousand documents without changing what is checked:

- **Property shapes are hoisted.** pySHACL re-evaluates every ``sh:property`` of a targeted node
  shape once per focus node, re-building its constraints each time; giving each such property
  shape its parent's targets instead evaluates it once for all focus nodes. The set of results
  is the same (SHACL validates each property shape against each focus node either way).
- **Documents are validated in batches.** A batch is one data graph in which every document
  keeps its own copy of the people, events and places it describes (their IRIs are renamed per
  document for the run and renamed back in the results), so that two documents never meet and
  each gets exactly the results it would get alone, while pySHACL's per-run cost is paid once.
- **SHACL-SPARQL constraints run in Oxigraph.** pySHACL re-parses and runs a constraint's query
  with rdflib once per focus node (seconds per document for the evidence-passage check); here
  each query of ``shapes/`` runs once per batch, its ``$this`` bound by ``VALUES`` to the focus
  nodes and its ``$PATH`` replaced by the property path.

Linked vocabulary nodes (SDG targets, action lines, methods, registry people...) enter a data
graph as their ``rdf:type`` triples only (:func:`type_index`), which is what ``sh:class``
needs; only the document's own subjects are focus nodes. pySHACL's ``focus_nodes`` option is
not used because it also filters the value nodes of nested shapes, so that ``sh:or``,
``sh:node`` and ``sh:qualifiedValueShape`` silently pass (pySHACL 0.40).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from ungraph.config import Settings
from ungraph.namespaces import PREFIXES
from ungraph.resources import shapes_paths
from ungraph.store.terms import ToOxigraph, to_rdflib

__all__ = [
    "DEFAULT_BATCH",
    "GraphValidator",
    "ShapeResult",
    "Shapes",
    "ShapesError",
    "TypeIndex",
    "Validation",
    "ValidationReport",
    "default_workers",
    "store_type_index",
    "type_index",
    "validate_files",
    "validate_many",
    "validate_store",
    "vocabulary_types",
]

DEFAULT_BATCH = 32
"""Documents per pySHACL run: past ~30, the per-run cost is a small share of the total."""

TypeIndex = Mapping[URIRef, tuple[URIRef, ...]]
"""The ``rdf:type`` values of every node of the shared graphs, by node."""

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_RENAMED = "urn:x-ungraph-validate:"
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ShapesError(RuntimeError):
    """The shapes cannot be used (a file that does not parse, a SPARQL constraint this
    validator cannot run); names the file or shape."""


def default_workers() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShapeResult:
    """One SHACL validation result: where (focus node, path), which shape and constraint
    component, what (message, value) and how bad (severity)."""

    focus_node: str
    shape: str | None
    source_shape: str
    path: str | None
    constraint: str
    message: str
    severity: str
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "focus_node": self.focus_node,
            "shape": self.shape,
            "source_shape": self.source_shape,
            "path": self.path,
            "constraint": self.constraint,
            "message": self.message,
            "severity": self.severity,
            "value": self.value,
        }

    def describe(self) -> str:
        """One readable line: ``DocumentShape <focus> ung:symbol (Pattern): message``."""
        path = f" {compact(self.path)}" if self.path else ""
        value = f" [value {compact(self.value)}]" if self.value else ""
        shape = compact(self.shape or self.source_shape)
        constraint = (
            compact(self.constraint).removeprefix("sh:").removesuffix("ConstraintComponent")
        )
        return f"{self.severity} {shape} <{self.focus_node}>{path} ({constraint}){value}: {self.message}"


@dataclass(frozen=True)
class Validation:
    """Whether one graph conforms, and every result (violations, warnings, infos)."""

    name: str
    conforms: bool
    results: tuple[ShapeResult, ...] = ()
    triples: int = 0

    @property
    def violations(self) -> tuple[ShapeResult, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")

    def to_json(self) -> dict[str, Any]:
        return {
            "graph": self.name,
            "conforms": self.conforms,
            "triples": self.triples,
            "results": [r.to_json() for r in self.results],
        }


def compact(iri: str | None) -> str:
    """An IRI with a known prefix, ``shapes:`` for ungraph's shapes; others unchanged.

    >>> compact("https://w3id.org/ungraph/ontology#symbol")
    'ung:symbol'
    >>> compact("https://w3id.org/ungraph/shapes#DocumentShape")
    'DocumentShape'
    """
    if not iri:
        return ""
    if iri.startswith("https://w3id.org/ungraph/shapes#"):
        return iri.split("#", 1)[1]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


# ---------------------------------------------------------------------------------------------
# Shapes: loaded once per process
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _SparqlConstraint:
    shape: Node  # the (hoisted) shape the constraint belongs to
    constraint: Node
    query: str  # ready to run: prefixes, $PATH replaced, $this bound by a VALUES placeholder
    message: str | None
    severity: str
    path: str | None


@dataclass
class Shapes:
    """The shapes of ``shapes/``: the original graph (for names), the graph pySHACL runs
    (property shapes hoisted, SPARQL constraints removed) and the SPARQL constraints."""

    original: Graph
    core: Graph
    sparql: tuple[_SparqlConstraint, ...]
    parents: Mapping[Node, Node]  # property shape -> targeted node shape it belongs to
    targets: Mapping[Node, tuple[tuple[URIRef, Node], ...]] = field(default_factory=dict)
    _pyshacl: ShapesGraph | None = field(default=None, repr=False)

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> Shapes:
        """Parse the shapes files (default: every ``shapes/*.ttl``)."""
        original = Graph()
        for path in paths if paths is not None else shapes_paths():
            try:
                original.parse(path, format="turtle")
            except Exception as error:  # rdflib raises parser-specific types
                raise ShapesError(f"{path}: not valid Turtle ({error})") from error
        return cls.from_graph(original)

    @classmethod
    def from_graph(cls, original: Graph) -> Shapes:
        core = Graph()
        for triple in original:
            core.add(triple)
        parents: dict[Node, Node] = {}
        for node_shape in sorted(set(core.subjects(RDF.type, SH.NodeShape)), key=str):
            if (node_shape, SH.deactivated, Literal(True)) in core:
                continue
            targets = [(p, o) for p in _TARGETS for o in core.objects(node_shape, p)]
            if not targets:
                continue
            # Hoisting: the property shape gets the node shape's targets instead of being
            # evaluated once per focus node through sh:property.
            for prop in list(core.objects(node_shape, SH.property)):
                core.remove((node_shape, SH.property, prop))
                parents.setdefault(prop, node_shape)
                for p, o in targets:
                    core.add((prop, p, o))
        sparql = tuple(_sparql_constraints(core))
        core.remove((None, SH.sparql, None))
        found: dict[Node, list[tuple[URIRef, Node]]] = {}
        for prop in _TARGETS:
            for shape, target in core.subject_objects(prop):
                found.setdefault(shape, []).append((prop, target))
        return cls(original, core, sparql, parents, {k: tuple(v) for k, v in found.items()})

    @property
    def pyshacl(self) -> ShapesGraph:
        """pySHACL's shapes graph, built once: its shapes and constraints are reused."""
        if self._pyshacl is None:
            self._pyshacl = ShapesGraph(self.core)
        return self._pyshacl

    def node_shape(self, shape: Node) -> Node | None:
        """The targeted node shape a (hoisted) shape belongs to."""
        if shape in self.parents:
            return self.parents[shape]
        if (shape, RDF.type, SH.NodeShape) in self.original:
            return shape
        return None

    def describe_shape(self, shape: Node) -> str:
        """A name for a shape in reports: its IRI, else its ``sh:name``, else its path."""
        if isinstance(shape, URIRef):
            return str(shape)
        name = self.original.value(shape, SH.name)
        if name is not None:
            return str(name)
        path = self.original.value(shape, SH.path)
        return f"property shape on {compact(str(path))}" if isinstance(path, URIRef) else "_"


@cache
def default_shapes() -> Shapes:
    """The project's shapes, once per process."""
    return Shapes.load()


def _sparql_path(graph: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({_sparql_path(graph, inverse)})"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_sparql_path(graph, p) for p in Collection(graph, alternatives)) + ")"
    for prop, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, prop)
        if inner is not None:
            return f"({_sparql_path(graph, inner)}){suffix}"
    if (path, RDF.first, None) in graph:
        return "(" + "/".join(_sparql_path(graph, p) for p in Collection(graph, path)) + ")"
    raise ShapesError(f"unsupported property path {path!r} in a SPARQL-based constraint")


def _sparql_constraints(core: Graph) -> Iterator[_SparqlConstraint]:
    for shape, constraint in sorted(core.subject_objects(SH.sparql), key=lambda so: str(so[0])):
        select = core.value(constraint, SH.select)
        if select is None:
            raise ShapesError(f"SPARQL constraint of {shape} has no sh:select")
        prefixes = []
        for declared in core.objects(constraint, SH.prefixes):
            for declaration in core.objects(declared, SH.declare):
                prefixes.append(
                    f"PREFIX {core.value(declaration, SH.prefix)}: "
                    f"<{core.value(declaration, SH.namespace)}>"
                )
        text = str(select)
        path_node = core.value(shape, SH.path)
        path = None
        if path_node is not None:
            path = str(path_node) if isinstance(path_node, URIRef) else None
            sparql_path = _sparql_path(core, path_node)
            text = re.sub(r"\$PATH\b", sparql_path.replace("\\", "\\\\"), text)
        elif "$PATH" in text:
            raise ShapesError(f"SPARQL constraint of {shape} uses $PATH without sh:path")
        # $this and ?this are the same variable in SPARQL: the shape's targets, put first in
        # the WHERE clause, bind it (equivalent to SHACL's pre-binding for queries without
        # sub-selects, which is all these are).
        where = text.index("{", text.upper().index("WHERE"))
        query = "\n".join(prefixes) + "\n" + text[: where + 1] + " {targets} " + text[where + 1 :]
        message = core.value(constraint, SH.message) or core.value(shape, SH.message)
        severity = core.value(constraint, SH.severity) or core.value(shape, SH.severity)
        yield _SparqlConstraint(
            shape,
            constraint,
            query,
            str(message) if message is not None else None,
            _severity(severity),
            path,
        )
        try:
            ox.Store().query(query.replace("{targets}", "VALUES ?this { }"))
        except SyntaxError as error:
            raise ShapesError(f"SPARQL constraint of {shape} does not parse: {error}") from error


# ---------------------------------------------------------------------------------------------
# The type index of the shared graphs
# ---------------------------------------------------------------------------------------------
def type_index(graphs: Iterable[Graph]) -> dict[URIRef, tuple[URIRef, ...]]:
    """Every IRI node's ``rdf:type`` values across ``graphs`` (the SDG, vocabulary and registry
    graphs): the part of them that ``sh:class`` checks of a document need."""
    found: dict[URIRef, set[URIRef]] = {}
    for graph in graphs:
        for node, kind in graph.subject_objects(RDF.type):
            if isinstance(node, URIRef) and isinstance(kind, URIRef):
                found.setdefault(node, set()).add(kind)
    return {node: tuple(sorted(kinds, key=str)) for node, kinds in found.items()}


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
class GraphValidator:
    """Validates graphs against the shapes, each with the types of the nodes it links to.

    One instance per process: the shapes are parsed and their pySHACL constraints built once.
    """

    def __init__(self, shapes: Shapes | None = None, types: TypeIndex | None = None) -> None:
        self.shapes = shapes or default_shapes()
        self.types: TypeIndex = types or {}

    def validate(self, graph: Graph, name: str = "graph") -> Validation:
        """Validate one graph on its own (its subjects are the focus nodes)."""
        return self.validate_batch([(name, graph)])[0]

    def validate_batch(self, graphs: Sequence[tuple[str, Graph]]) -> list[Validation]:
        """Validate several graphs in one pySHACL run, each as if alone (see the module)."""
        if not graphs:
            return []
        data = Graph()
        focus: set[Node] = set()
        owner: dict[Node, int] = {}
        original: dict[str, str] = {}
        # A node described by one graph and named by another is renamed in the describing
        # graph, so that no graph sees more of it than its own triples and the shared types.
        described: set[Node] = set()
        named_by: dict[Node, int] = {}
        for _name, graph in graphs:
            subjects = set(graph.subjects())
            described |= subjects
            for node in subjects | {o for o in graph.objects() if isinstance(o, URIRef)}:
                named_by[node] = named_by.get(node, 0) + 1
        shared = {node for node in described if named_by[node] > 1}
        for index, (_name, graph) in enumerate(graphs):
            mine = self._add_renamed(data, graph, index, shared, original)
            focus |= mine
            for node in mine:
                owner[node] = index
        per_graph: list[list[ShapeResult]] = [[] for _ in graphs]
        for node, result in self._core_results(data, focus):
            per_graph[owner[node]].append(self._restore(result, original))
        for node, result in self._sparql_results(data, focus):
            per_graph[owner[node]].append(self._restore(result, original))
        validations = []
        for (name, graph), results in zip(graphs, per_graph, strict=True):
            ordered = tuple(sorted(set(results), key=_result_order))
            conforms = not any(r.severity == "Violation" for r in ordered)
            validations.append(Validation(name, conforms, ordered, len(graph)))
        return validations

    # Building the data graph -------------------------------------------------------------
    def _add_renamed(
        self, data: Graph, graph: Graph, index: int, shared: set[Node], original: dict[str, str]
    ) -> set[Node]:
        """Add ``graph`` to ``data``, renaming the subjects another graph of the batch also
        describes (and every blank node), plus the types of the shared nodes it links to;
        returns its subjects as named in ``data``: the focus nodes."""
        names: dict[Node, Node] = {}

        def rename(node: Node) -> Node:
            if not isinstance(node, BNode) and node not in shared:
                return node
            found = names.get(node)
            if found is not None:
                return found
            if isinstance(node, BNode):
                # Labels Oxigraph accepts as they are (see _to_oxigraph).
                fresh: Node = BNode(f"v{index}x{re.sub(r'[^A-Za-z0-9]', '_', str(node))}")
            else:
                fresh = URIRef(f"{_RENAMED}{index}:{node}")
            names[node] = fresh
            original[str(fresh)] = str(node)
            return fresh

        subjects = {rename(subject) for subject in set(graph.subjects())}
        linked: set[URIRef] = set()
        for subject, predicate, obj in graph:
            if isinstance(obj, URIRef) and obj not in shared:
                linked.add(obj)
            data.add((rename(subject), predicate, rename(obj)))
        for iri in linked:
            for kind in self.types.get(iri, ()):
                data.add((iri, RDF.type, kind))
        for node, name in names.items():
            if isinstance(node, URIRef):
                for kind in self.types.get(node, ()):
                    data.add((name, RDF.type, kind))
        return subjects

    @staticmethod
    def _restore(result: ShapeResult, original: Mapping[str, str]) -> ShapeResult:
        return ShapeResult(
            focus_node=original.get(result.focus_node, result.focus_node),
            shape=result.shape,
            source_shape=result.source_shape,
            path=result.path,
            constraint=result.constraint,
            # SPARQL-based messages quote values: show the names the graph uses.
            message=re.sub(re.escape(_RENAMED) + r"\d+:", "", result.message),
            severity=result.severity,
            value=None if result.value is None else original.get(result.value, result.value),
        )

    # pySHACL for the core constraints ------------------------------------------------------
    def _core_results(self, data: Graph, focus: set[Node]) -> Iterator[tuple[Node, ShapeResult]]:
        data_graph = DataGraph.from_rdflib(data)
        validator = Validator(
            data_graph, shacl_graph=self.shapes.core, options={"inference": "none", "inplace": True}
        )
        # Reuse the shapes pySHACL has already harvested (the Validator wraps a fresh copy).
        validator.shacl_graph = self.shapes.pyshacl
        executor = validator.make_executor()
        for shape in self.shapes.pyshacl.shapes:
            nodes = [n for n in shape.focus_nodes(data_graph) if n in focus]
            if not nodes:
                continue
            _conforms, reports = shape.validate(executor, data_graph, focus=nodes)
            for _text, result_node, parts in reports:
                yield self._core_result(result_node, parts)

    def _core_result(self, result_node: Node, parts: Iterable[Any]) -> tuple[Node, ShapeResult]:
        values: dict[URIRef, list[Node]] = {}
        for subject, predicate, obj in parts:
            if subject == result_node:
                node = obj[1] if isinstance(obj, tuple) else obj
                values.setdefault(predicate, []).append(node)

        def one(predicate: URIRef) -> Node | None:
            found = values.get(predicate)
            return found[0] if found else None

        focus = one(SH.focusNode)
        source = one(SH.sourceShape)
        assert focus is not None and source is not None
        node_shape = self.shapes.node_shape(source)
        path = one(SH.resultPath)
        value = one(SH.value)
        severity = one(SH.resultSeverity)
        messages = [str(m) for m in values.get(SH.resultMessage, [])]
        return focus, ShapeResult(
            focus_node=str(focus),
            shape=str(node_shape) if isinstance(node_shape, URIRef) else None,
            source_shape=self.shapes.describe_shape(source),
            path=_path_text(self.shapes.original, path),
            constraint=str(one(SH.sourceConstraintComponent) or ""),
            message=" ".join(dict.fromkeys(messages)) or "does not conform",
            severity=_severity(severity),
            value=_term_text(value),
        )

    # Oxigraph for the SPARQL constraints ----------------------------------------------------
    def _sparql_results(self, data: Graph, focus: set[Node]) -> Iterator[tuple[Node, ShapeResult]]:
        if not self.shapes.sparql:
            return
        store = ox.Store()
        literals = ToOxigraph()
        store.extend(
            ox.Quad(_to_oxigraph(s, literals), _to_oxigraph(p, literals), _to_oxigraph(o, literals))  # type: ignore[arg-type]
            for s, p, o in data
        )
        for constraint in self.shapes.sparql:
            targets = self.shapes.targets.get(constraint.shape, ())
            if not targets:
                continue
            query = constraint.query.replace("{targets}", _target_pattern(targets))
            solutions = store.query(query)
            assert isinstance(solutions, ox.QuerySolutions)
            variables = [v.value for v in solutions.variables]
            node_shape = self.shapes.node_shape(constraint.shape)
            for solution in solutions:
                bound = {
                    name: to_rdflib(term)
                    for name, term in zip(variables, solution, strict=True)
                    if term is not None
                }
                this = bound.get("this")
                if this is None or this not in focus:
                    continue
                yield (
                    this,
                    ShapeResult(
                        focus_node=str(this),
                        shape=str(node_shape) if isinstance(node_shape, URIRef) else None,
                        source_shape=self.shapes.describe_shape(constraint.shape),
                        path=constraint.path or (str(bound["path"]) if "path" in bound else None),
                        constraint=str(SH.SPARQLConstraintComponent),
                        message=_fill(constraint.message, bound),
                        severity=constraint.severity,
                        value=_term_text(
                            bound.get("value", this if constraint.path is None else None)
                        ),
                    ),
                )


def _to_oxigraph(term: Node, literals: ToOxigraph) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return literals.term(term)


def _target_pattern(targets: Iterable[tuple[URIRef, Node]]) -> str:
    """The SPARQL pattern binding ``?this`` to a shape's targets.

    >>> _target_pattern([(SH.targetClass, URIRef("http://e/C"))])
    '{ ?this a <http://e/C> . }'
    """
    patterns = []
    for prop, target in targets:
        if prop == SH.targetClass:
            patterns.append(f"{{ ?this a <{target}> . }}")
        elif prop == SH.targetSubjectsOf:
            patterns.append(f"{{ ?this <{target}> [] . }}")
        elif prop == SH.targetObjectsOf:
            patterns.append(f"{{ [] <{target}> ?this . }}")
        elif isinstance(target, URIRef):
            patterns.append(f"{{ VALUES ?this {{ <{target}> }} }}")
    return " UNION ".join(patterns) if patterns else "VALUES ?this { }"


def _fill(message: str | None, bound: Mapping[str, Node]) -> str:
    """A SHACL-SPARQL message with ``{?var}``/``{$var}`` replaced by the bound values."""
    if message is None:
        return "does not conform"
    return re.sub(
        r"\{[?$](\w+)\}",
        lambda m: str(bound[m.group(1)]) if m.group(1) in bound else m.group(0),
        message,
    )


def _severity(node: Node | None) -> str:
    return _SEVERITIES.get(node, "Violation") if isinstance(node, URIRef) else "Violation"


def _term_text(term: Node | None) -> str | None:
    if term is None:
        return None
    return str(term)


def _path_text(graph: Graph, path: Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    try:
        return _sparql_path(graph, path)
    except ShapesError:
        return "(complex path)"


def _result_order(result: ShapeResult) -> tuple[str, ...]:
    return (
        result.focus_node,
        result.shape or "",
        result.path or "",
        result.constraint,
        result.value or "",
        result.message,
    )


# ---------------------------------------------------------------------------------------------
# Many graphs in worker processes
# ---------------------------------------------------------------------------------------------
_WORKER: GraphValidator | None = None


def _init_worker(types: TypeIndex) -> None:
    global _WORKER
    _WORKER = GraphValidator(types=types)


def _validate_serialized(batch: Sequence[tuple[str, bytes]]) -> list[Validation]:
    assert _WORKER is not None, "worker not initialised"
    graphs = [(name, Graph().parse(data=data, format="nt")) for name, data in batch]
    return _WORKER.validate_batch(graphs)


def validate_many(
    graphs: Iterable[tuple[str, bytes]],
    *,
    types: TypeIndex,
    workers: int | None = None,
    batch: int = DEFAULT_BATCH,
) -> Iterator[Validation]:
    """Validate named graphs given as N-Triples, ``batch`` per run, in ``workers`` processes
    (default: one per CPU; 0 runs in this process). Validations come out in input order."""
    count = default_workers() if workers is None else workers
    chunks = _chunks(graphs, batch)
    if count == 0:
        _init_worker(types)
        for part in chunks:
            yield from _validate_serialized(part)
        return
    # A fork server starts the workers (see ungraph.build.worker_context).
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_init_worker, initargs=(types,)
    ) as pool:
        pending: dict[int, Future[list[Validation]]] = {}
        done_results: dict[int, list[Validation]] = {}
        submitted = emitted = 0
        iterator = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < count * 2:
                chunk: list[Any] | None = next(iterator, None)
                if chunk is None:
                    exhausted = True
                    break
                pending[submitted] = pool.submit(_validate_serialized, chunk)
                submitted += 1
            if not pending and emitted >= submitted:
                break
            finished, _ = wait(pending.values(), return_when=FIRST_COMPLETED)
            for number, future in list(pending.items()):
                if future in finished:
                    done_results[number] = future.result()
                    del pending[number]
            while emitted in done_results:
                yield from done_results.pop(emitted)
                emitted += 1


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------------------------
# Stores and files (``ungraph validate``)
# ---------------------------------------------------------------------------------------------
@dataclass
class ValidationReport:
    """The validations of a store's or a file's graphs; only graphs that do not conform keep
    their results (a store has thousands of graphs)."""

    source: str
    graphs: int = 0
    triples: int = 0
    failed: list[Validation] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return not self.failed

    def add(self, validation: Validation) -> None:
        self.graphs += 1
        self.triples += validation.triples
        if not validation.conforms:
            self.failed.append(validation)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "conforms": self.conforms,
            "graphs": self.graphs,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "failed": [v.to_json() for v in self.failed],
        }


_TYPES_QUERY = """
SELECT ?node ?type WHERE { GRAPH ?g { ?node a ?type } FILTER (?g IN (%s) && isIRI(?node)) }
"""


def store_type_index(store: Any, shared: Sequence[str]) -> dict[URIRef, tuple[URIRef, ...]]:
    """The type index of the shared graphs a store holds (``shared``: their names)."""
    found: dict[URIRef, set[URIRef]] = {}
    names = ", ".join(f"<{name}>" for name in shared)
    for node, kind in store.query(_TYPES_QUERY % names):
        if isinstance(node, URIRef) and isinstance(kind, URIRef):
            found.setdefault(node, set()).add(kind)
    return {node: tuple(sorted(kinds, key=str)) for node, kinds in found.items()}


def validate_store(
    store: Any,
    base_iri: str,
    *,
    workers: int | None = None,
    batch: int = DEFAULT_BATCH,
) -> ValidationReport:
    """Validate every graph of a store: each document graph (``{base}graph/document/…``) with
    the types of the store's SDG, vocabulary and registry graphs; those shared graphs (with the
    matrix) together; any other graph on its own. The ontology and the SDG KOS are not
    instance data of ungraph's shapes and are left out."""
    from ungraph.formats import NTRIPLES

    started = time.perf_counter()
    report = ValidationReport(store.location)
    graphs = store.named_graphs()
    names = {name: f"{base_iri}graph/{name}" for name in ("sdg", "vocabulary", "registry")}
    types = store_type_index(store, [g for g in names.values() if g in graphs])
    documents = [g for g in graphs if g.startswith(f"{base_iri}graph/document/")]

    def serialized(names: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        for name in names:
            yield name, b"".join(store.dump(NTRIPLES, graph=name))

    for validation in validate_many(
        serialized(documents), types=types, workers=workers, batch=batch
    ):
        report.add(validation)
    checker = GraphValidator(types=types)
    shared = [f"{base_iri}graph/{n}" for n in ("vocabulary", "registry", "matrix")]
    present = [g for g in shared if g in graphs]
    if present:
        merged = Graph()
        for _name, data in serialized(present):
            merged.parse(data=data, format="nt")
        report.add(checker.validate(merged, " + ".join(present)))
    skip = {*documents, *present, f"{base_iri}graph/ontology", f"{base_iri}graph/sdg"}
    for name, data in serialized(g for g in graphs if g not in skip):
        report.add(checker.validate(Graph().parse(data=data, format="nt"), name))
    report.seconds = time.perf_counter() - started
    return report


def validate_files(
    paths: Sequence[str | Path],
    types: TypeIndex,
    *,
    workers: int | None = None,
    batch: int = DEFAULT_BATCH,
) -> ValidationReport:
    """Validate RDF files (any format the store loads): each named graph on its own and the
    default graph as one graph, with the types of the shared graphs. Raises
    :class:`~ungraph.rdfio.RdfInputError` naming the file for one that cannot be read."""
    from ungraph.rdfio import read_dataset

    started = time.perf_counter()
    report = ValidationReport(", ".join(str(p) for p in paths))
    items: list[tuple[str, bytes]] = []
    for path in paths:
        dataset = read_dataset(path)
        for graph in dataset.graphs():
            if len(graph) == 0:
                continue
            default = graph.identifier == dataset.default_graph.identifier
            name = str(path) if default else f"{path} <{graph.identifier}>"
            plain = Graph()
            for triple in graph:
                plain.add(triple)
            items.append((name, plain.serialize(format="nt", encoding="utf-8")))
    for validation in validate_many(items, types=types, workers=workers, batch=batch):
        report.add(validation)
    report.seconds = time.perf_counter() - started
    return report


def vocabulary_types(settings: Settings) -> dict[URIRef, tuple[URIRef, ...]]:
    """The type index of the shared graphs built from the settings' vocabularies (for files,
    which do not carry them)."""
    from ungraph.iris import Minter
    from ungraph.vocab import vocabulary_graphs

    graphs = vocabulary_graphs(settings, Minter(settings.base_iri))
    return type_index(graphs[name] for name in ("sdg", "vocabulary", "registry"))
