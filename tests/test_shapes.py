"""The SHACL shapes: they parse, pass SHACL-for-SHACL, and every node shape has a conforming and a
violating example graph, the violating one failing for exactly the reason its header states.

Examples live in ``tests/data/shapes/<ShapeLocalName>/``: ``conforming*.ttl`` (at least
``conforming.ttl``) and ``violating*.ttl`` (at least ``violating.ttl``). A violating example
states why it fails in header lines::

    # expect: ung:symbol sh:PatternConstraintComponent
    # expect: sh:OrConstraintComponent          (a node-level constraint: no path)

A path is a prefixed name, ``^name`` for an inverse path, or ``a|b`` for an alternative path,
with the example file's own prefixes. Every validation result must come from the shape under
test (or one of its property shapes) and match one of the expectations, and every expectation
must be met: the example fails for the stated reason and for no other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, Graph, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.query import ResultRow

from ungraph.config import Settings
from ungraph.resources import shapes_paths

EXAMPLES = Path(__file__).parent / "data" / "shapes"
SHARED_GRAPHS = EXAMPLES / "shared-graphs.ttl"
SHACL_SHACL = "w3c/data-shapes-test-suite/tests/core/complex/shacl-shacl-data-shapes.ttl"

# Parameters that make a node shape a constraint of its own (rather than a holder of property
# shapes and targets); such a node shape needs its own sh:message. (A SPARQL constraint carries
# its own message, checked separately.)
NODE_LEVEL_PARAMETERS = (
    SH["and"],
    SH["class"],
    SH.closed,
    SH.datatype,
    SH.hasValue,
    SH["in"],
    SH.languageIn,
    SH.maxExclusive,
    SH.maxInclusive,
    SH.maxLength,
    SH.minExclusive,
    SH.minInclusive,
    SH.minLength,
    SH.node,
    SH.nodeKind,
    SH["not"],
    SH["or"],
    SH.pattern,
    SH.xone,
)

TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}

# A path as a comparable value: an IRI, ("^", IRI) or ("|", (IRI, ...)).
PathKey = object


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in shapes_paths():
        graph.parse(path, format="turtle")
    return graph


@cache
def shared_graphs() -> Graph:
    return Graph().parse(SHARED_GRAPHS, format="turtle")


def node_shapes() -> list[URIRef]:
    shapes = set(shapes_graph().subjects(RDF.type, SH.NodeShape))
    named = sorted(s for s in shapes if isinstance(s, URIRef))
    assert len(named) == len(shapes), "every sh:NodeShape must be named (an IRI), not a blank node"
    return named


def local_name(shape: URIRef) -> str:
    return str(shape).rsplit("#", 1)[-1]


def property_shapes(shape: URIRef) -> set[Node]:
    return set(shapes_graph().objects(shape, SH.property))


def path_key(graph: Graph, node: Node) -> PathKey:
    """The comparable form of a SHACL path node in ``graph``."""
    if isinstance(node, URIRef):
        return node
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return ("^", path_key(graph, inverse))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return ("|", tuple(path_key(graph, n) for n in Collection(graph, alternatives)))
    raise AssertionError(f"path form not supported by the expect header: {node!r}")


def parse_path(text: str, graph: Graph) -> PathKey:
    """Parse an expect-header path (``ung:x``, ``^ung:x``, ``ung:a|ung:b``) with ``graph``'s prefixes.

    >>> g = Graph(); g.bind("ung", "https://w3id.org/ungraph/ontology#")
    >>> parse_path("^ung:recordsSpeechAct", g)
    ('^', rdflib.term.URIRef('https://w3id.org/ungraph/ontology#recordsSpeechAct'))
    """
    if "|" in text:
        return ("|", tuple(parse_path(part, graph) for part in text.split("|")))
    if text.startswith("^"):
        return ("^", parse_path(text[1:], graph))
    return graph.namespace_manager.expand_curie(text)


@dataclass(frozen=True)
class Expectation:
    path: PathKey | None  # None for a node-level constraint
    component: Node

    def __str__(self) -> str:
        return f"{self.path or '(node)'} {self.component}"


def expectations(example: Path) -> list[Expectation]:
    """The ``# expect:`` lines of a violating example."""
    # Only the file's own prefixes: rdflib's defaults would read schema: as https://schema.org/.
    graph = Graph(bind_namespaces="none").parse(example, format="turtle")
    graph.bind("sh", SH, override=False)  # constraint components need no @prefix in the file
    found = []
    for number, line in enumerate(example.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("# expect:"):
            continue
        words = line.removeprefix("# expect:").split()
        if len(words) not in (1, 2):
            raise AssertionError(f"{example}:{number}: expected '[path] component', got {line!r}")
        path = parse_path(words[0], graph) if len(words) == 2 else None
        found.append(Expectation(path, graph.namespace_manager.expand_curie(words[-1])))
    assert found, f"{example} states no '# expect: [path] component' line"
    return found


@dataclass(frozen=True)
class Result:
    focus: Node
    source_shape: Node
    path: PathKey | None
    component: Node
    message: str

    def __str__(self) -> str:
        return f"{self.component} at {self.path or '(node)'} on {self.focus}: {self.message}"


def run(example: Path) -> tuple[bool, list[Result]]:
    """Validate ``example`` with the shared graphs, as the build validates a document graph."""
    data = Graph().parse(example, format="turtle") + shared_graphs()
    conforms, report, _ = validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=False
    )
    results = []
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(report_node, SH.result):
            path = report.value(r, SH.resultPath)
            results.append(
                Result(
                    focus=report.value(r, SH.focusNode),
                    source_shape=report.value(r, SH.sourceShape),
                    path=None if path is None else path_key(report, path),
                    component=report.value(r, SH.sourceConstraintComponent),
                    message="; ".join(str(m) for m in report.objects(r, SH.resultMessage)),
                )
            )
    return bool(conforms), results


def examples(pattern: str) -> Iterator[tuple[str, Path]]:
    for shape in node_shapes():
        for path in sorted((EXAMPLES / local_name(shape)).glob(pattern)):
            yield local_name(shape), path


def shape_named(name: str) -> URIRef:
    return next(s for s in node_shapes() if local_name(s) == name)


# --- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", shapes_paths(), ids=lambda p: p.name)
def test_shapes_file_parses(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0


def test_there_are_shapes_for_every_class_the_graph_contains() -> None:
    ung = "https://w3id.org/ungraph/ontology#"
    targeted = {str(c) for c in shapes_graph().objects(None, SH.targetClass)}
    for name in (
        "Document",
        "SpeechAct",
        "Person",
        "Organization",
        "Delegation",
        "Post",
        "PostHolding",
        "Event",
        "EventSeries",
        "Place",
        "Country",
        "CallToAction",
        "EvidenceAnnotation",
        "ExtractionRun",
        "SoftwareAgent",
        "ActionLine",
        "PopulationGroup",
        "IctTheme",
        "ExtractionMethod",
        "MatrixLink",
    ):
        assert ung + name in targeted, f"no shape targets ung:{name}"


def test_shapes_conform_to_shacl_for_shacl_of_the_w3c_test_suite(settings: Settings) -> None:
    shsh = Graph().parse(settings.require_file("shared", SHACL_SHACL), format="turtle")
    conforms, _, text = validate(shapes_graph(), shacl_graph=shsh, inference="none")
    assert conforms, text


def test_shapes_pass_pyshacl_meta_shacl() -> None:
    # meta_shacl validates the shapes graph first and raises when it does not conform.
    conforms, _, text = validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True)
    assert conforms, text


def test_every_shape_is_commented_and_every_constraint_has_a_message() -> None:
    graph = shapes_graph()
    missing = []
    for shape in node_shapes():
        if graph.value(shape, RDFS.comment) is None:
            missing.append(f"{local_name(shape)}: rdfs:comment")
        node_level = any(graph.value(shape, p) is not None for p in NODE_LEVEL_PARAMETERS)
        if node_level and graph.value(shape, SH.message) is None:
            missing.append(f"{local_name(shape)}: sh:message for its node-level constraint")
        for prop in property_shapes(shape):
            if graph.value(prop, SH.message) is None:
                missing.append(f"{local_name(shape)} {graph.value(prop, SH.path)}: sh:message")
    for constraint in graph.objects(None, SH.sparql):
        if graph.value(constraint, SH.message) is None:
            missing.append(f"SPARQL constraint {constraint}: sh:message")
    assert not missing, "\n".join(missing)


# --- the examples ---------------------------------------------------------------------------


def test_every_node_shape_has_a_conforming_and_a_violating_example() -> None:
    names = {local_name(s) for s in node_shapes()}
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    assert folders <= names, f"examples for shapes that do not exist: {sorted(folders - names)}"
    for name in sorted(names):
        for required in ("conforming.ttl", "violating.ttl"):
            assert (EXAMPLES / name / required).is_file(), f"missing {name}/{required}"


def test_the_shared_graphs_fixture_conforms() -> None:
    conforms, _, text = validate(shared_graphs(), shacl_graph=shapes_graph(), inference="none")
    assert conforms, text


def sparql_shapes() -> list[URIRef]:
    """The node shapes whose constraint is SHACL-SPARQL."""
    graph = shapes_graph()
    return [s for s in node_shapes() if graph.value(s, SH.sparql) is not None]


def sparql_focus_nodes(data: Graph, shape: URIRef) -> set[Node]:
    """The focus nodes that violate a SPARQL-based node shape, from one query over ``data``.

    pySHACL parses the query anew for every focus node (~50 ms each); binding ``$this`` by the
    shape's class targets instead runs it once, as ``ungraph.validate`` does in Oxigraph.
    """
    graph = shapes_graph()
    classes = list(graph.objects(shape, SH.targetClass))
    assert classes and len(set(graph.predicates(shape, None)) & TARGETS) == 1, shape
    targets = " UNION ".join(f"{{ ?this a <{c}> }}" for c in classes)
    failing: set[Node] = set()
    for constraint in graph.objects(shape, SH.sparql):
        prologue = "".join(
            f"PREFIX {graph.value(d, SH.prefix)}: <{graph.value(d, SH.namespace)}>\n"
            for declared in graph.objects(constraint, SH.prefixes)
            for d in graph.objects(declared, SH.declare)
        )
        select = str(graph.value(constraint, SH.select)).replace("$this", "?this")
        assert "$PATH" not in select
        where = select.index("{", select.upper().index("WHERE"))
        query = prologue + select[: where + 1] + targets + " " + select[where + 1 :]
        for row in data.query(query):
            assert isinstance(row, ResultRow), row  # a SELECT query answers rows
            failing.add(row[0])
    return failing


def test_sparql_focus_nodes_agrees_with_pyshacl() -> None:
    # The shortcut the next test takes must find what pySHACL finds, on every example.
    for shape in sparql_shapes():
        for example in sorted((EXAMPLES / local_name(shape)).glob("*.ttl")):
            data = Graph().parse(example, format="turtle") + shared_graphs()
            _, results = run(example)
            expected = {r.focus for r in results if r.source_shape == shape}
            assert sparql_focus_nodes(data, shape) == expected, example


def test_the_shared_graphs_built_from_the_vocabularies_conform(settings: Settings) -> None:
    # The real thing the small fixture stands in for: SDG KOS, schemes, registry and matrix as
    # ungraph.vocab builds them from vocab/*.toml and the reference data.
    from ungraph.iris import Minter
    from ungraph.vocab import vocabulary_graphs

    data = Graph()
    for graph in vocabulary_graphs(settings, Minter(settings.base_iri)).values():
        data += graph
    core = [str(s) for s in node_shapes() if s not in sparql_shapes()]
    conforms, _, text = validate(
        data, shacl_graph=shapes_graph(), inference="none", use_shapes=core
    )
    assert conforms, text
    for shape in sparql_shapes():
        failing = sparql_focus_nodes(data, shape)
        assert not failing, f"{local_name(shape)}: {sorted(failing, key=str)}"


@pytest.mark.parametrize(
    ("shape", "example"), list(examples("conforming*.ttl")), ids=lambda v: getattr(v, "name", v)
)
def test_conforming_example_conforms(shape: str, example: Path) -> None:
    conforms, results = run(example)
    assert conforms, "\n".join(str(r) for r in results)
    # The example must exercise its shape: something in it is a focus node of the shape.
    focus = focus_nodes(shape_named(shape), Graph().parse(example, format="turtle"))
    assert focus, f"{example.name} has no focus node of {shape}"


@pytest.mark.parametrize(
    ("shape", "example"), list(examples("violating*.ttl")), ids=lambda v: getattr(v, "name", v)
)
def test_violating_example_fails_for_the_stated_reason(shape: str, example: Path) -> None:
    expected = expectations(example)
    conforms, results = run(example)
    assert not conforms, f"{example} conforms"
    node_shape = shape_named(shape)
    own = {node_shape, *property_shapes(node_shape)}
    unexpected = [
        r
        for r in results
        if r.source_shape not in own or Expectation(r.path, r.component) not in expected
    ]
    assert not unexpected, "results not stated in the header:\n" + "\n".join(map(str, unexpected))
    met = {Expectation(r.path, r.component) for r in results}
    unmet = [str(e) for e in expected if e not in met]
    assert not unmet, f"expected results that did not occur: {unmet}"


def focus_nodes(shape: URIRef, data: Graph) -> set[Node]:
    """The nodes of ``data`` that ``shape``'s targets select (no inference, like validation)."""
    graph = shapes_graph()
    nodes: set[Node] = set()
    for cls in graph.objects(shape, SH.targetClass):
        nodes.update(data.subjects(RDF.type, cls))
    for prop in graph.objects(shape, SH.targetSubjectsOf):
        nodes.update(data.subjects(prop, None))
    for prop in graph.objects(shape, SH.targetObjectsOf):
        nodes.update(data.objects(None, prop))
    nodes.update(graph.objects(shape, SH.targetNode))
    return nodes


# --- the test's own helpers -----------------------------------------------------------------


def test_expect_header_without_lines_is_an_error(tmp_path: Path) -> None:
    example = tmp_path / "violating.ttl"
    example.write_text("@prefix ung: <https://w3id.org/ungraph/ontology#> .\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="states no"):
        expectations(example)


def test_expect_header_reads_paths_and_components(tmp_path: Path) -> None:
    example = tmp_path / "violating.ttl"
    example.write_text(
        "# expect: ung:a|^ung:b sh:MinCountConstraintComponent\n"
        "# expect: sh:OrConstraintComponent\n"
        "@prefix ung: <https://w3id.org/ungraph/ontology#> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n",
        encoding="utf-8",
    )
    ung = "https://w3id.org/ungraph/ontology#"
    assert expectations(example) == [
        Expectation(
            ("|", (URIRef(ung + "a"), ("^", URIRef(ung + "b")))), SH.MinCountConstraintComponent
        ),
        Expectation(None, SH.OrConstraintComponent),
    ]
