"""The SHACL gate: validate document graphs (with the vocabulary types they link to) against
``shapes/``, each on its own, in worker processes.

Five things make it fast enough for ten thousand documents without changing what is checked:

- **Clean graphs skip pySHACL.** :mod:`ungraph.screen` checks the core shapes on plain
  dictionaries of the graph's triples and says whether pySHACL could report anything; only
  graphs it is not sure are clean (a constraint fails, or it cannot reproduce pySHACL's answer)
  go to pySHACL, whose report is then the result. On General Debate statements this took the
  stage from ~49 to ~23 ms of CPU per document.

- **Property shapes are hoisted.** pySHACL re-evaluates every ``sh:property`` of a targeted node
  shape once per focus node, re-building its constraints each time; giving each such property
  shape its parent's targets instead evaluates it once for all focus nodes. The set of results
  is the same (SHACL validates each property shape against each focus node either way).
- **Documents are validated in place, one at a time.** The types of the shared nodes a
  document links to are added to its own graph for the run and taken out after it, and pySHACL
  reads that graph through its wrapper whatever its store: no copy of the graph into another
  (copying into rdflib's context-aware store cost more than the checks), and each document gets
  exactly the results it has alone. pySHACL's cost per run is ~4 ms.
- **SHACL-SPARQL constraints run in Oxigraph.** pySHACL re-parses and runs a constraint's query
  with rdflib once per focus node (seconds per document for the evidence-passage check); here
  each query of ``shapes/`` runs once per document, its ``$this`` bound by the shape's
  targets and its ``$PATH`` replaced by the property path.
- **Nested shapes are checked for conformance only.** The shapes inside ``sh:or``,
  ``sh:qualifiedValueShape`` (and ``sh:and``, ``sh:xone``, ``sh:not``, ``sh:node``) only tell
  their parent whether a value conforms; pySHACL still writes a full report for every value that
  does not (the other selector of every evidence passage, every type of a document that is not
  its kind), and re-evaluates the same class for every document. During a run of this
  validator such a shape's verdict on a value is computed once and without report text
  (:func:`_nested_validate`); the parent's own results are pySHACL's, unchanged.

Linked vocabulary nodes (SDG targets, action lines, methods, registry people...) enter a data
graph as their ``rdf:type`` triples only (:func:`type_index`), which is what ``sh:class``
needs; only the document's own subjects are focus nodes. pySHACL's ``focus_nodes`` option is
not used because it also filters the value nodes of nested shapes, so that ``sh:or``,
``sh:node`` and ``sh:qualifiedValueShape`` silently pass (pySHACL 0.40).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl import Validator
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.graph_abstraction import RdfLibDataGraph
from pyshacl.shape import Shape as PyshaclShape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from ungraph.config import Settings
from ungraph.namespaces import PREFIXES, RDF_TYPE
from ungraph.processes import clean_context
from ungraph.resources import shapes_paths
from ungraph.screen import Screen, Unsupported
from ungraph.store.terms import NTriplesWriter, ToOxigraph, to_rdflib

__all__ = [
    "DEFAULT_BATCH",
    "GraphSyntaxError",
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
"""Documents sent to a worker at a time (each is validated on its own)."""

TypeIndex = Mapping[URIRef, tuple[URIRef, ...]]
"""The ``rdf:type`` values of every node of the shared graphs, by node."""

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ShapesError(RuntimeError):
    """The shapes cannot be used (a file that does not parse, a SPARQL constraint this
    validator cannot run); names the file or shape."""


class GraphSyntaxError(ValueError):
    """A graph holds a term RDF syntax does not allow (an IRI with a space, a bad language
    tag); the message quotes the statement."""


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
    # The graph as N-Triples (Oxigraph's serialiser), when asked for (``serialize=True``).
    ntriples: str | None = field(default=None, repr=False, compare=False)

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
    nested: frozenset[Node] = frozenset()  # shapes whose results only their parent sees
    _pyshacl: ShapesGraph | None = field(default=None, repr=False)
    # Per pySHACL shape of ``_pyshacl`` (which keeps them alive, so their ids stay theirs):
    # built constraint components of nested leaf shapes, and what focus nodes depend on.
    leaves: dict[int, list[Any] | None] = field(default_factory=dict, repr=False)
    target_keys: dict[int, Any] = field(default_factory=dict, repr=False)
    # The core shapes compiled for the screen (None: they use something it does not implement).
    _screen: Screen | None = field(default=None, repr=False)
    unscreened: str | None = field(default=None, repr=False)  # why there is no screen

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
        targeted = {k: tuple(v) for k, v in found.items()}
        return cls(original, core, sparql, parents, targeted, _nested_shapes(core, targeted))

    @property
    def pyshacl(self) -> ShapesGraph:
        """pySHACL's shapes graph, built once: its shapes and constraints are reused."""
        if self._pyshacl is None:
            self._pyshacl = ShapesGraph(self.core)
        return self._pyshacl

    @property
    def screen(self) -> Screen | None:
        """The screen of the core shapes (see :mod:`ungraph.screen`), compiled once; None
        when the shapes use something it does not implement (then pySHACL checks every
        graph; :attr:`unscreened` says why)."""
        if self._screen is None and self.unscreened is None:
            try:
                self._screen = Screen.compile(self.core)
            except Unsupported as error:
                self.unscreened = str(error)
        return self._screen

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


# Constraints that ask a shape about a value and keep only its verdict (sh:node also counts
# the results, never reads them into its own).
_VERDICT_ONLY = (SH.qualifiedValueShape, SH.node, SH["not"])
_VERDICT_ONLY_LISTS = (SH["or"], SH["and"], SH.xone)


def _nested_shapes(core: Graph, targets: Mapping[Node, object]) -> frozenset[Node]:
    """The shapes used only by constraints that keep their verdict and drop their results:
    never a value of ``sh:property`` (whose results are the parent's), never targeted."""
    used: set[Node] = set()
    for prop in _VERDICT_ONLY:
        used.update(core.objects(None, prop))
    for prop in _VERDICT_ONLY_LISTS:
        for members in core.objects(None, prop):
            used.update(Collection(core, members))
    return frozenset(used - set(core.objects(None, SH.property)) - set(targets))


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

    def __init__(
        self,
        shapes: Shapes | None = None,
        types: TypeIndex | None = None,
        *,
        screening: bool = True,
    ) -> None:
        self.shapes = shapes or default_shapes()
        self.types: TypeIndex = types or {}
        # Whether graphs the screen finds clean skip pySHACL (off: pySHACL checks every graph,
        # for comparison).
        self.screening = screening

    def validate(self, graph: Graph, name: str = "graph") -> Validation:
        """Validate one graph on its own (its subjects are the focus nodes)."""
        return self.validate_batch([(name, graph)])[0]

    def validate_batch(
        self, graphs: Sequence[tuple[str, Graph]], *, serialize: bool = False
    ) -> list[Validation]:
        """Validate several graphs, each on its own (see the module); with ``serialize``, each
        validation also carries its graph as N-Triples, written from the Oxigraph terms the
        SPARQL constraints need anyway."""
        return [self._validate_alone(name, graph, serialize) for name, graph in graphs]

    def _validate_alone(self, name: str, graph: Graph, serialize: bool = False) -> Validation:
        """Validate ``graph`` in place: the types of the shared nodes it links to are added to
        it for the run and taken out again, so that it comes back as it was."""
        triples = list(graph)
        focus: set[Node] = {s for s, _p, _o in triples}
        present = set(triples)
        added = [
            triple
            for iri in {o for _s, _p, o in triples if isinstance(o, URIRef)}
            for kind in self.types.get(iri, ())
            if (triple := (iri, RDF_TYPE, kind)) not in present
        ]
        store: ox.Store | None = None
        blank_nodes: dict[str, BNode] = {}
        # Written from the graph, not from the store: a store writes literals in their
        # canonical form ("1.0"^^xsd:decimal as "1"), and the graph must go out as it was made.
        ntriples = NTriplesWriter().write(triples) if serialize or self.shapes.sparql else None
        if ntriples is not None and not self.shapes.sparql:
            # Nothing else parses the text before the build bulk-loads it leniently: check its
            # IRIs and language tags here.
            with _refused_statement(ntriples):
                for _quad in ox.parse(ntriples.encode("utf-8"), ox.RdfFormat.N_TRIPLES):
                    pass
        if self.shapes.sparql:
            store = ox.Store()
            convert = _Converter(blank_nodes)
            if ntriples is not None and not any(
                isinstance(s, BNode) or isinstance(o, BNode) for s, _p, o in triples
            ):
                # Parsed from the text in one call (which also checks its IRIs and language
                # tags): a Python object per term and per triple cost 1.6 times as much.
                with _refused_statement(ntriples):
                    store.load(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
            else:
                # Oxigraph's parser renames blank nodes, and results must name them back.
                store.extend(
                    ox.Quad(t.subject, t.predicate, t.object) for t in convert.triples(triples)
                )
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in convert.triples(added))
        screen = self.shapes.screen if self.screening else None
        if screen is not None and screen.clean([*triples, *added], focus):
            results = []  # pySHACL would report nothing (ungraph.screen)
        else:
            for triple in added:
                graph.add(triple)
            try:
                results = [r for _node, r in self._core_results(graph, focus)]
            finally:
                for triple in added:
                    graph.remove(triple)
        if store is not None and self.shapes.sparql:
            results.extend(r for _node, r in self._sparql_results(store, blank_nodes, focus))
        ordered = tuple(sorted(set(results), key=_result_order))
        conforms = not any(r.severity == "Violation" for r in ordered)
        return Validation(name, conforms, ordered, len(triples), ntriples if serialize else None)

    # pySHACL for the core constraints ------------------------------------------------------
    def _core_results(self, data: Graph, focus: set[Node]) -> list[tuple[Node, ShapeResult]]:
        # pySHACL reads through the wrapper from ``data`` itself, whatever its store (the
        # mapping's graphs are SimpleMemory: no copy into a context-aware store).
        data_graph = RdfLibDataGraph(Memory(), impl=_Truthy(data.store, data.identifier))
        validator = Validator(
            data_graph, shacl_graph=self.shapes.core, options={"inference": "none", "inplace": True}
        )
        # Reuse the shapes pySHACL has already harvested (the Validator wraps a fresh copy).
        validator.shacl_graph = self.shapes.pyshacl
        executor = validator.make_executor()
        found = []
        token = _RUN.set(_RunState(self.shapes.nested, self.shapes.leaves))
        try:
            # Hoisted property shapes share their node shape's targets: their focus nodes are
            # looked up once per run, not once per shape.
            targeted: dict[Any, list[Node]] = {}
            for shape in self.shapes.pyshacl.shapes:
                key = _target_key(shape, self.shapes.target_keys)
                nodes = targeted.get(key) if key is not None else None
                if nodes is None:
                    nodes = [n for n in shape.focus_nodes(data_graph) if n in focus]
                    if key is not None:
                        targeted[key] = nodes
                if not nodes:
                    continue
                _conforms, reports = shape.validate(executor, data_graph, focus=nodes)
                for _text, result_node, parts in reports:
                    found.append(self._core_result(result_node, parts))
        finally:
            _RUN.reset(token)
        return found

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
    def _sparql_results(
        self, store: ox.Store, blank_nodes: Mapping[str, BNode], focus: set[Node]
    ) -> Iterator[tuple[Node, ShapeResult]]:
        def back(term: Any) -> Node:
            if isinstance(term, ox.BlankNode):
                return blank_nodes[term.value]
            return to_rdflib(term)

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
                    name: back(term)
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


@contextmanager
def _refused_statement(ntriples: str) -> Iterator[None]:
    """Name the statement Oxigraph's parser refuses (a bad IRI or language tag that rdflib let
    through), not a line number in text nobody sees."""
    try:
        yield
    except SyntaxError as error:
        lines = ntriples.split("\n")
        line = lines[error.lineno - 1] if error.lineno and error.lineno <= len(lines) else ""
        statement = line if len(line) <= 300 else f"{line[:300]}..."
        reason = str(error.msg).split(": ", 1)[-1]  # "Parser error at line N ...: reason"
        raise GraphSyntaxError(f"{reason} in {statement}") from error


class _Truthy(Graph):
    """A view of a graph (same store, same name) that is true without counting its triples:
    pySHACL tests its data graph's truth, which a SimpleMemory store answers by counting."""

    def __bool__(self) -> bool:
        return True


# ---------------------------------------------------------------------------------------------
# Nested shapes: verdicts only, once per value (active only inside GraphValidator's runs)
# ---------------------------------------------------------------------------------------------
@dataclass
class _RunState:
    nested: frozenset[Node]
    leaves: dict[int, list[Any] | None]
    verdicts: dict[tuple[Node, Any], tuple[bool, int]] = field(default_factory=dict)


# Constraints that look at the value nodes alone (no nested shape, no other property).
_LEAF_COMPONENTS = frozenset(
    {
        "ClassConstraintComponent",
        "DatatypeConstraintComponent",
        "NodeKindConstraintComponent",
        "InConstraintComponent",
        "HasValueConstraintComponent",
        "PatternConstraintComponent",
        "LanguageInConstraintComponent",
        "MinLengthConstraintComponent",
        "MaxLengthConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "MinExclusiveConstraintComponent",
        "MaxExclusiveConstraintComponent",
    }
)


def _target_key(shape: PyshaclShape, known: dict[int, Any]) -> Any:
    """What a shape's focus nodes depend on (its target nodes, classes, implicit classes,
    subjects-of and objects-of), or None for a shape whose targets this cannot tell (SHACL-AF
    targets)."""
    if id(shape) not in known:
        advanced = getattr(shape, "_advanced", False)
        known[id(shape)] = None if advanced else tuple(map(frozenset, shape.target()))
    return known[id(shape)]


def _leaf_components(shape: PyshaclShape, known: dict[int, list[Any] | None]) -> list[Any] | None:
    """The constraint components of a nested shape made only of value-node constraints, built
    once (pySHACL builds them anew on every call), in pySHACL's order; None for any other
    shape, which pySHACL evaluates itself."""
    if id(shape) in known:
        return known[id(shape)]
    from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP

    components: list[Any] | None = []
    classes: list[Any] = []
    for predicate, _value in shape.sg.predicate_objects(shape.node):
        found = CONSTRAINT_PARAMETERS_MAP.get(predicate)
        if found is not None and found not in classes:
            classes.append(found)
    if (
        shape.deactivated
        or shape.sg.js_enabled
        or getattr(shape, "_advanced", False)
        or shape.find_custom_constraints()
        or not classes
        or any(c.constraint_name() not in _LEAF_COMPONENTS for c in classes)
    ):
        components = None
    else:
        components = [c(shape) for c in classes]
    known[id(shape)] = components
    return components


_RUN: ContextVar[_RunState | None] = ContextVar("ungraph_validate_run", default=None)
_QUIET: ContextVar[bool] = ContextVar("ungraph_validate_quiet", default=False)
_PLACEHOLDER: tuple[str, Node, list[Any]] = ("", BNode("ungraph-validate-dropped"), [])
_pyshacl_validate = PyshaclShape.validate
_pyshacl_make_v_result = ConstraintComponent.make_v_result
_pyshacl_description = ConstraintComponent.make_v_result_description


def _nested_validate(
    self: PyshaclShape,
    executor: Any,
    target_graph: Any,
    focus: Any = None,
    _evaluation_path: list[Any] | None = None,
) -> tuple[bool, list[Any]]:
    """pySHACL's ``Shape.validate``; inside a run of :class:`GraphValidator`, a nested shape
    (:func:`_nested_shapes`) asked about a value answers from the verdicts of the run (the
    data graph does not change during a run) and its results are placeholders, as many as
    pySHACL would give: the parent reads only their number."""
    run = _RUN.get()
    if run is None or not _evaluation_path or focus is None or self.node not in run.nested:
        return _pyshacl_validate(self, executor, target_graph, focus, _evaluation_path)  # type: ignore[no-any-return]
    key = (self.node, focus if isinstance(focus, Node) else tuple(focus))
    verdict = run.verdicts.get(key)
    if verdict is None:
        quiet = _QUIET.set(True)
        try:
            leaves = (
                None
                if executor.allow_infos or executor.allow_warnings
                else _leaf_components(self, run.leaves)
            )
            if leaves is None:
                conforms, reports = _pyshacl_validate(
                    self, executor, target_graph, focus, _evaluation_path
                )
                verdict = (bool(conforms), len(reports))
            else:
                # pySHACL's loop for such a shape, with its constraints built once.
                nodes = [focus] if isinstance(focus, Node) else list(focus)
                values = self.value_nodes(target_graph, nodes, sparql_mode=executor.sparql_mode)
                conforms, count = True, 0
                path = [*_evaluation_path, self]
                for component in leaves:
                    ok, reports = component.evaluate(
                        executor, target_graph, values, [*path, component]
                    )
                    conforms, count = conforms and bool(ok), count + len(reports)
                verdict = (conforms, count)
        finally:
            _QUIET.reset(quiet)
        run.verdicts[key] = verdict
    return verdict[0], [_PLACEHOLDER] * verdict[1]


def _make_v_result(self: ConstraintComponent, *args: Any, **kwargs: Any) -> Any:
    """pySHACL's result, or a placeholder for a result a verdict-only parent drops."""
    if _QUIET.get():
        return _PLACEHOLDER
    return _pyshacl_make_v_result(self, *args, **kwargs)


def _make_v_result_description(self: ConstraintComponent, *args: Any, **kwargs: Any) -> str:
    """pySHACL's text of a result; not written in a run of :class:`GraphValidator`, which
    reads results from their triples (:meth:`GraphValidator._core_result`)."""
    if _RUN.get() is not None:
        return ""
    return _pyshacl_description(self, *args, **kwargs)  # type: ignore[no-any-return]


# Installed once for the process; outside GraphValidator's runs they defer to pySHACL as is.
PyshaclShape.validate = _nested_validate  # type: ignore[method-assign]
ConstraintComponent.make_v_result = _make_v_result  # type: ignore[method-assign]
ConstraintComponent.make_v_result_description = _make_v_result_description  # type: ignore[method-assign]


class _Converter:
    """rdflib terms to Oxigraph's, each converted once per graph (a graph names the same
    predicates, classes and nodes again and again); blank nodes get fresh labels, kept in
    ``blank_nodes`` to name them back in results."""

    def __init__(self, blank_nodes: dict[str, BNode]) -> None:
        self._literals = ToOxigraph()
        self._terms: dict[Node, Any] = {}
        self._blank_nodes = blank_nodes

    def term(self, node: Node) -> Any:
        found = self._terms.get(node)
        if found is None:
            if isinstance(node, BNode):
                # A fresh label: graphs loaded together must not share blank nodes.
                found = ox.BlankNode()
                self._blank_nodes[found.value] = node
            else:
                found = self._literals.term(node)
            self._terms[node] = found
        return found

    def triples(self, triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[ox.Triple]:
        term = self.term
        for s, p, o in triples:
            yield ox.Triple(term(s), term(p), term(o))


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
    context = clean_context()  # a fork server, or spawned under a deep temporary folder
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
