"""A quick screen of a document graph against the SHACL Core part of the shapes.

pySHACL is exact but slow per node (it rebuilds value nodes through rdflib's graph API and
writes a report for every nested verdict): about half of a General Debate statement's worker
time went to it, for graphs that almost always conform. The screen answers one question fast —
*could pySHACL report anything on this graph?* — from plain dictionaries of the graph's triples:

- **clean**: every targeted focus node conforms to every shape; pySHACL would report nothing,
  and is not run;
- otherwise (a constraint fails, or the screen is not sure): pySHACL runs as before and its
  report is the answer.

So the screen may only ever err towards "run pySHACL". Each check below mirrors pySHACL 0.40's
implementation of its constraint component (not only the SHACL text, where pySHACL differs, as
with ill-typed literals); where that is subtle — comparisons of dates, times, strings, range
constraints on anything but numbers — it raises :class:`Unsure` instead of guessing, and the
document goes to pySHACL. Shapes that use anything it does not implement (``sh:closed``,
SHACL-SPARQL left in the core graph, SHACL-AF targets, disjoint qualified shapes, ``sh:flags``
other than ``i``) make :meth:`Screen.compile` raise :class:`Unsupported`: the validator then runs
pySHACL on every graph, as it did before the screen existed.

Tested against pySHACL on the project's documents and on mutated copies of them, and against the
W3C SHACL Core test suite (the verdict and the failing focus nodes and shapes of every case the
screen supports).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from ungraph.namespaces import RDF_TYPE

__all__ = ["Index", "Screen", "Unsupported", "Unsure"]

Triple = tuple[Node, Node, Node]


class Unsupported(Exception):
    """The shapes use something the screen does not implement (the message says what)."""


class Unsure(Exception):
    """The screen cannot tell what pySHACL would say about a value (pySHACL must run)."""


# ---------------------------------------------------------------------------------------------
# The data graph as dictionaries
# ---------------------------------------------------------------------------------------------
class Index:
    """A graph's triples by subject and predicate, as sets; instances by class; and, on first
    use, by predicate (for inverse paths and ``sh:targetSubjectsOf``/``sh:targetObjectsOf``)."""

    __slots__ = ("_by_predicate", "_inverse", "by_subject", "subclasses", "typed")

    def __init__(self, triples: Iterable[Triple]) -> None:
        by_subject: dict[Node, dict[Node, set[Node]]] = {}
        typed: dict[Node, set[Node]] = {}
        subclasses: dict[Node, set[Node]] = {}  # class -> its direct subclasses
        # Looked up by hash (rdflib's == is Python code, and ran twice for every triple).
        by_object_of: dict[Node, dict[Node, set[Node]]] = {
            RDF_TYPE: typed,
            RDFS.subClassOf: subclasses,
        }
        kept_by_object = by_object_of.get
        for s, p, o in triples:
            predicates = by_subject.get(s)
            if predicates is None:
                predicates = by_subject[s] = {}
            objects = predicates.get(p)
            if objects is None:
                predicates[p] = {o}
            else:
                objects.add(o)
            by_object = kept_by_object(p)
            if by_object is not None:
                by_object.setdefault(o, set()).add(s)
        self.by_subject = by_subject
        self.typed = typed
        self.subclasses = subclasses
        self._by_predicate: dict[Node, list[tuple[Node, Node]]] | None = None
        self._inverse: dict[Node, dict[Node, set[Node]]] = {}

    def objects(self, subject: Node, predicate: Node) -> set[Node]:
        found = self.by_subject.get(subject)
        return found.get(predicate, _EMPTY) if found else _EMPTY

    def subjects(self, predicate: Node, obj: Node) -> set[Node]:
        inverse = self._inverse.get(predicate)
        if inverse is None:
            inverse = self._inverse[predicate] = {}
            for s, o in self.pairs(predicate):
                inverse.setdefault(o, set()).add(s)
        return inverse.get(obj, _EMPTY)

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        if self._by_predicate is None:
            by_predicate: dict[Node, list[tuple[Node, Node]]] = {}
            for s, predicates in self.by_subject.items():
                for p, objects in predicates.items():
                    found = by_predicate.setdefault(p, [])
                    found.extend((s, o) for o in objects)
            self._by_predicate = by_predicate
        return self._by_predicate.get(predicate, [])

    def instances(self, cls: Node) -> set[Node]:
        """Nodes typed ``cls`` or one of its subclasses (``rdfs:subClassOf`` in the data, as
        pySHACL reads targets and ``sh:class``)."""
        found = self.typed.get(cls, _EMPTY)
        if self.subclasses:
            found = set(found)
            for subclass in _closure(cls, lambda c: self.subclasses.get(c, ())):
                found.update(self.typed.get(subclass, ()))
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        kinds = self.objects(node, RDF_TYPE)
        if cls in kinds:
            return True
        if not self.subclasses:
            return False
        # pySHACL walks up from each type: some superclass of one of them is the class.
        return any(node in self.typed.get(c, ()) for c in _closure(cls, self._subclasses_of))

    def _subclasses_of(self, cls: Node) -> Iterable[Node]:
        return self.subclasses.get(cls, ())


_EMPTY: set[Node] = set()


def _closure(start: Node, step: Callable[[Node], Iterable[Node]]) -> set[Node]:
    """``start`` and every node reachable from it by ``step``."""
    seen = {start}
    todo = [start]
    while todo:
        for following in step(todo.pop()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


# ---------------------------------------------------------------------------------------------
# Compiled shapes
# ---------------------------------------------------------------------------------------------
Path = Callable[[Index, Node], set[Node]]
# A constraint: given the data, the focus node and its value nodes, whether they conform.
Check = Callable[[Index, Node, set[Node]], bool]

# Predicates of a shape that constrain nothing (or are handled where the shape is compiled).
_INERT = frozenset(
    {
        SH.name,
        SH.description,
        SH.message,
        SH.severity,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.path,
        SH.deactivated,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.declare,
        SH.prefixes,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
        SH.flags,
        SH.ignoredProperties,
    }
)

_NUMBERS = (int, Decimal, float)


@dataclass(frozen=True)
class _Shape:
    node: Node
    path: Path | None  # None for a node shape: the focus node is its only value node
    checks: tuple[Check, ...]
    properties: tuple[_Shape, ...]

    def conforms(self, data: Index, focus: Node) -> bool:
        values = {focus} if self.path is None else self.path(data, focus)
        for check in self.checks:
            if not check(data, focus, values):
                return False
        for prop in self.properties:
            for value in values:
                if not prop.conforms(data, value):
                    return False
        return True

    def failing(self, data: Index, focus: Node) -> Iterator[tuple[Node, Node]]:
        """The (focus node, shape) pairs with a result: this shape's on ``focus``, and those
        of its ``sh:property`` shapes on its value nodes, as SHACL reports them."""
        values = {focus} if self.path is None else self.path(data, focus)
        if not all(check(data, focus, values) for check in self.checks):
            yield focus, self.node
        for prop in self.properties:
            for value in values:
                yield from prop.failing(data, value)


@dataclass(frozen=True)
class _Targets:
    nodes: tuple[Node, ...]
    classes: tuple[Node, ...]
    subjects_of: tuple[Node, ...]
    objects_of: tuple[Node, ...]

    def focus_nodes(self, data: Index) -> set[Node]:
        if not (self.nodes or self.subjects_of or self.objects_of) and len(self.classes) == 1:
            return data.instances(self.classes[0])
        found = set(self.nodes)
        for cls in self.classes:
            found.update(data.instances(cls))
        for predicate in self.subjects_of:
            found.update(s for s, _o in data.pairs(predicate))
        for predicate in self.objects_of:
            found.update(o for _s, o in data.pairs(predicate))
        return found


class Screen:
    """The shapes compiled for screening (see the module)."""

    def __init__(self, targeted: Iterable[tuple[_Targets, _Shape]]) -> None:
        # Shapes with the same targets (the property shapes of one node shape, hoisted) share
        # their focus nodes: found once per graph.
        groups: dict[_Targets, list[_Shape]] = {}
        for targets, shape in targeted:
            groups.setdefault(targets, []).append(shape)
        self._groups = tuple((targets, tuple(shapes)) for targets, shapes in groups.items())

    @classmethod
    def compile(cls, shapes: Graph, shape_nodes: Iterable[Node] | None = None) -> Screen:
        """Compile the targeted shapes of ``shapes`` (or only ``shape_nodes``), raising
        :class:`Unsupported` for anything the screen does not implement."""
        compiler = _Compiler(shapes)
        if shape_nodes is None:
            shape_nodes = _shape_nodes(shapes)
        targeted = []
        for node in sorted(set(shape_nodes), key=lambda n: (isinstance(n, BNode), str(n))):
            if (node, SH.deactivated, Literal(True)) in shapes:
                continue
            targets = compiler.targets(node)
            if targets is not None:
                targeted.append((targets, compiler.shape(node)))
        return cls(targeted)

    def clean(self, triples: Iterable[Triple], focus: set[Node] | None = None) -> bool:
        """Whether pySHACL would report nothing on the graph of ``triples`` for focus nodes
        in ``focus`` (None: any); False also when the screen is not sure."""
        data = Index(triples)
        try:
            for targets, shapes in self._groups:
                nodes = targets.focus_nodes(data)
                if focus is not None:
                    nodes = nodes & focus
                for node in nodes:
                    for shape in shapes:
                        if not shape.conforms(data, node):
                            return False
        except Unsure:
            return False
        return True

    def failures(self, triples: Iterable[Triple]) -> set[tuple[Node, Node]]:
        """Every (focus node, source shape) pair with a result; raises :class:`Unsure`."""
        data = Index(triples)
        return {
            failing
            for targets, shapes in self._groups
            for node in targets.focus_nodes(data)
            for shape in shapes
            for failing in shape.failing(data, node)
        }


def _shape_nodes(shapes: Graph) -> set[Node]:
    found = set(shapes.subjects(RDF_TYPE, SH.NodeShape))
    found.update(shapes.subjects(RDF_TYPE, SH.PropertyShape))
    for prop in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(shapes.subjects(prop, None))
    return found


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._done: dict[Node, _Shape] = {}
        self._busy: set[Node] = set()

    def targets(self, node: Node) -> _Targets | None:
        g = self.graph
        if (node, SH.target, None) in g:
            raise Unsupported(f"SHACL-AF target on {node}")
        classes = list(g.objects(node, SH.targetClass))
        # An implicit class target: a shape that is also a class targets its instances.
        if (node, RDF_TYPE, RDFS.Class) in g or (node, RDF_TYPE, URIRef(_OWL_CLASS)) in g:
            classes.append(node)
        targets = _Targets(
            tuple(g.objects(node, SH.targetNode)),
            tuple(classes),
            tuple(g.objects(node, SH.targetSubjectsOf)),
            tuple(g.objects(node, SH.targetObjectsOf)),
        )
        if not (targets.nodes or targets.classes or targets.subjects_of or targets.objects_of):
            return None
        return targets

    def shape(self, node: Node) -> _Shape:
        done = self._done.get(node)
        if done is not None:
            return done
        if node in self._busy:
            raise Unsupported(f"recursive shape {node}")
        self._busy.add(node)
        g = self.graph
        path_node = g.value(node, SH.path)
        path = None if path_node is None else _compile_path(g, path_node)
        checks: list[Check] = []
        properties: list[_Shape] = []
        seen: set[Node] = set()
        for predicate in sorted(set(g.predicates(node, None)), key=str):
            if predicate == SH.property:
                properties.extend(self.shape(p) for p in g.objects(node, SH.property))
                continue
            if not str(predicate).startswith(str(SH)) or predicate in _INERT:
                continue
            if predicate in seen:
                continue
            seen.add(predicate)
            for value in g.objects(node, predicate):
                checks.append(self._check(node, predicate, value, path is not None))
        self._busy.discard(node)
        shape = _Shape(node, path, tuple(checks), tuple(properties))
        self._done[node] = shape
        return shape

    def _check(self, shape: Node, predicate: Node, value: Node, is_property: bool) -> Check:
        g = self.graph
        name = str(predicate)[len(str(SH)) :]
        if predicate == SH["class"]:
            return lambda data, _f, values: all(
                not isinstance(v, Literal) and data.is_instance(v, value) for v in values
            )
        if predicate == SH.datatype:
            return lambda _data, _f, values: all(_datatype_matches(v, value) for v in values)
        if predicate == SH.nodeKind:
            kinds = _NODE_KINDS.get(value)
            if kinds is None:
                raise Unsupported(f"sh:nodeKind {value} on {shape}")
            return lambda _data, _f, values: all(isinstance(v, kinds) for v in values)
        if predicate in (SH.minCount, SH.maxCount):
            if not is_property:
                raise Unsupported(f"{name} on node shape {shape}")
            bound = int(value)  # type: ignore[call-overload]
            if predicate == SH.minCount:
                return lambda _data, _f, values: len(values) >= bound
            return lambda _data, _f, values: len(values) <= bound
        if predicate in (SH.minLength, SH.maxLength):
            length = int(value)  # type: ignore[call-overload]
            if predicate == SH.minLength:
                return lambda _d, _f, values: all(
                    not isinstance(v, BNode) and len(str(v)) >= length for v in values
                )
            return lambda _d, _f, values: all(
                not isinstance(v, BNode) and len(str(v)) <= length for v in values
            )
        if predicate == SH.pattern:
            flags = {str(f) for f in g.objects(shape, SH.flags)}
            if flags - {"", "i"}:
                raise Unsupported(f"sh:flags {sorted(flags)} on {shape}")
            regex = re.compile(str(value), re.IGNORECASE if "i" in flags else 0)
            return lambda _d, _f, values: all(
                not isinstance(v, BNode) and regex.search(str(v)) is not None for v in values
            )
        if predicate == SH["in"]:
            allowed = list(Collection(g, value))
            return lambda _d, _f, values: all(v in allowed for v in values)
        if predicate == SH.hasValue:
            return lambda _d, _f, values: value in values
        if predicate in _RANGES:
            holds = _RANGES[predicate]
            return lambda _d, _f, values: all(holds(_number(v), _number(value)) for v in values)
        if predicate in (SH.lessThan, SH.lessThanOrEquals):
            if not is_property:
                raise Unsupported(f"{name} on node shape {shape}")
            strict = predicate == SH.lessThan

            def pair_check(data: Index, focus: Node, values: set[Node]) -> bool:
                others = data.objects(focus, value)
                return all(_less(v, w, strict) for v in values for w in others)

            return pair_check
        if predicate in (SH.equals, SH.disjoint):
            if not is_property:
                raise Unsupported(f"{name} on node shape {shape}")
            if predicate == SH.equals:
                return lambda data, focus, values: values == data.objects(focus, value)
            return lambda data, focus, values: not (values & data.objects(focus, value))
        if predicate == SH.uniqueLang:
            if value != Literal(True):
                return lambda _d, _f, _values: True
            return lambda _d, _f, values: _unique_languages(values)
        if predicate == SH.languageIn:
            ranges = {str(r).lower() for r in Collection(g, value)}
            return lambda _d, _f, values: all(_language_in(v, ranges) for v in values)
        if predicate == SH.node:
            inner = self.shape(value)
            return lambda data, _f, values: all(inner.conforms(data, v) for v in values)
        if predicate == SH["not"]:
            inner = self.shape(value)
            return lambda data, _f, values: not any(inner.conforms(data, v) for v in values)
        if predicate in (SH["or"], SH["and"], SH.xone):
            members = [self.shape(m) for m in Collection(g, value)]
            if predicate == SH["and"]:
                return lambda data, _f, values: all(
                    m.conforms(data, v) for v in values for m in members
                )
            if predicate == SH["or"]:
                return lambda data, _f, values: all(
                    any(m.conforms(data, v) for m in members) for v in values
                )
            return lambda data, _f, values: all(
                sum(m.conforms(data, v) for m in members) == 1 for v in values
            )
        if predicate == SH.qualifiedValueShape:
            if (shape, SH.qualifiedValueShapesDisjoint, Literal(True)) in g:
                raise Unsupported(f"sh:qualifiedValueShapesDisjoint on {shape}")
            inner = self.shape(value)
            low = g.value(shape, SH.qualifiedMinCount)
            high = g.value(shape, SH.qualifiedMaxCount)
            least = int(low) if low is not None else None  # type: ignore[call-overload]
            most = int(high) if high is not None else None  # type: ignore[call-overload]

            def qualified(data: Index, _focus: Node, values: set[Node]) -> bool:
                count = sum(1 for v in values if inner.conforms(data, v))
                return (least is None or count >= least) and (most is None or count <= most)

            return qualified
        raise Unsupported(f"sh:{name} on {shape}")


_OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"

_NODE_KINDS: Mapping[Node, tuple[type, ...]] = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


_PATH_FORMS = (
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
    RDF.first,
)


def _compile_path(graph: Graph, path: Node) -> Path:
    if isinstance(path, URIRef):
        return lambda data, node: data.objects(node, path)
    if isinstance(path, Literal):
        raise Unsupported(f"literal property path {path!r}")
    forms = [f for f in _PATH_FORMS if (path, f, None) in graph]
    if len(forms) > 1:  # processors read such a node differently
        raise Unsupported(f"property path {path!r} of several kinds at once")
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        if not isinstance(inverse, URIRef):
            raise Unsupported("sh:inversePath of a complex path")
        return lambda data, node: data.subjects(inverse, node)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        paths = [_compile_path(graph, p) for p in Collection(graph, alternatives)]
        return lambda data, node: set().union(*(p(data, node) for p in paths))
    for prop in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner_node = graph.value(path, prop)
        if inner_node is None:
            continue
        inner = _compile_path(graph, inner_node)
        if prop == SH.zeroOrOnePath:
            return lambda data, node: {node} | inner(data, node)

        def repeated(data: Index, node: Node, inner: Path = inner, prop: Node = prop) -> set[Node]:
            reached: set[Node] = set()
            todo = list(inner(data, node))
            while todo:
                current = todo.pop()
                if current not in reached:
                    reached.add(current)
                    todo.extend(inner(data, current))
            return reached | {node} if prop == SH.zeroOrMorePath else reached

        return repeated
    if (path, RDF.first, None) in graph:
        steps = [_compile_path(graph, p) for p in Collection(graph, path)]

        def sequence(data: Index, node: Node) -> set[Node]:
            current = {node}
            for step in steps:
                current = set().union(*(step(data, n) for n in current))
            return current

        return sequence
    raise Unsupported(f"property path {path!r}")


# ---------------------------------------------------------------------------------------------
# Value checks, as pySHACL 0.40 makes them
# ---------------------------------------------------------------------------------------------
_VALUE_TYPES: Mapping[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


# Read once: a namespace's attribute is looked up by Python code at every access, and this runs
# for every literal of every graph.
_RDFS_LITERAL, _RDFS_DATATYPE = RDFS.Literal, RDFS.Datatype
_XSD_STRING, _RDF_LANG_STRING = XSD.string, RDF.langString


def _datatype_matches(value: Node, datatype: Node) -> bool:
    """pySHACL's ``DatatypeConstraintComponent`` for one value node."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
        return _actual_type(value, datatype)
    if datatype == _RDFS_LITERAL:
        return True
    if datatype == _RDFS_DATATYPE and value.datatype:
        return True
    if value.datatype is None and value.language is None and datatype == _XSD_STRING:
        return _actual_type(value, datatype)
    if datatype == _RDF_LANG_STRING and value.language:
        return _actual_type(value, datatype)
    return False


def _actual_type(value: Literal, datatype: Node) -> bool:
    expected = _VALUE_TYPES.get(datatype)
    return True if expected is None else isinstance(value.value, expected)


def _number(node: Node) -> Any:
    """The number a literal stands for; anything else (dates, strings, ill-typed literals,
    booleans) is compared in ways this screen does not reproduce."""
    if isinstance(node, Literal):
        number = node.value
        is_nan = isinstance(number, float) and number != number
        if isinstance(number, _NUMBERS) and not isinstance(number, bool) and not is_nan:
            return number
    raise Unsure(f"cannot compare {node!r}")


_RANGES: Mapping[Node, Callable[[Any, Any], bool]] = {
    SH.minInclusive: lambda v, bound: v >= bound,
    SH.maxInclusive: lambda v, bound: v <= bound,
    SH.minExclusive: lambda v, bound: v > bound,
    SH.maxExclusive: lambda v, bound: v < bound,
}


def _less(value: Node, other: Node, strict: bool) -> bool:
    first, second = _number(value), _number(other)
    return bool(first < second) if strict else bool(first <= second)


def _unique_languages(values: set[Node]) -> bool:
    seen: set[str] = set()
    for v in values:
        if isinstance(v, Literal) and v.language:
            tag = v.language.lower()
            if tag in seen:
                return False
            seen.add(tag)
    return True


def _language_in(value: Node, ranges: set[str]) -> bool:
    if not isinstance(value, Literal) or not value.language:
        return False
    tag = value.language.lower()
    return "*" in ranges or tag in ranges or tag.split("-")[0] in ranges
