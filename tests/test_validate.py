"""The SHACL gate: the fast validator gives pySHACL's verdict and results on every example of
``tests/data/shapes/``, keeps batched graphs apart, sees vocabulary types without validating the
vocabulary, and ``ungraph validate`` reports and exits as documented."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyshacl import validate as pyshacl_validate
from rdflib import RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SH

from ungraph.cli import main
from ungraph.namespaces import UNG
from ungraph.resources import shapes_paths
from ungraph.validate import (
    GraphSyntaxError,
    GraphValidator,
    Shapes,
    ShapesError,
    TypeIndex,
    compact,
    type_index,
    validate_many,
)

EXAMPLES = Path(__file__).parent / "data" / "shapes"
SHAPES = "https://w3id.org/ungraph/shapes#"
E = "https://w3id.org/ungraph/id/"
PREFIXES = """
@prefix ung: <https://w3id.org/ungraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <http://schema.org/> .
@prefix sdg: <http://metadata.un.org/sdg/> .
@prefix sdgo: <http://metadata.un.org/sdg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix doc: <https://w3id.org/ungraph/id/document/> .
@prefix person: <https://w3id.org/ungraph/id/person/> .
@prefix event: <https://w3id.org/ungraph/id/event/> .
@prefix wsis: <https://w3id.org/ungraph/id/wsis/> .
"""


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in shapes_paths():
        graph.parse(path, format="turtle")
    return graph


@cache
def validator() -> GraphValidator:
    return GraphValidator()


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.ttl"))


def result_keys_of_pyshacl(report: Graph) -> set[tuple[str, str, str | None, str | None]]:
    keys = set()
    # Top-level results only: nested ones (sh:detail of sh:node) are typed results too.
    for result in report.objects(None, SH.result):
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        keys.add(
            (
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.sourceConstraintComponent)),
                str(path) if isinstance(path, URIRef) else None,
                None if value is None else str(value),
            )
        )
    return keys


@pytest.mark.parametrize("example", example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_fast_validator_agrees_with_pyshacl_on_every_shape_example(example: Path) -> None:
    # The examples of the shapes' own tests, loop over the real files: hoisted property shapes,
    # batching and SPARQL in Oxigraph must change neither the verdict nor the results.
    data = Graph().parse(example, format="turtle") + Graph().parse(
        EXAMPLES / "shared-graphs.ttl", format="turtle"
    )
    expected, report, _ = pyshacl_validate(data, shacl_graph=shapes_graph(), inference="none")
    ours = validator().validate(data, example.name)
    assert ours.conforms == expected
    keys = {
        (
            r.focus_node,
            r.constraint,
            r.path if r.path and r.path.startswith("http") else None,
            r.value,
        )
        for r in ours.results
    }
    assert keys == result_keys_of_pyshacl(report)


def test_examples_are_there_to_compare() -> None:
    assert len(example_files()) >= 50


def test_results_name_the_node_shape_focus_node_path_and_message() -> None:
    graph = turtle(
        """
        doc:x a ung:Document, ung:Message ;
            ung:symbol "not a symbol" ; ung:text "t" ; ung:isIctRelated true .
        """
    )
    validation = validator().validate(graph, "doc")
    assert not validation.conforms
    (result,) = [r for r in validation.results if r.path == str(UNG.symbol)]
    assert result.shape == f"{SHAPES}DocumentShape"
    assert result.focus_node == f"{E}document/x"
    assert result.constraint == str(SH.PatternConstraintComponent)
    assert result.value == "not a symbol"
    assert "UN document symbol" in result.message
    assert result.severity == "Violation"
    assert "DocumentShape" in result.describe() and "ung:symbol" in result.describe()
    assert result.to_json()["focus_node"] == f"{E}document/x"


CALL = """
    doc:d a ung:Document, ung:Message ; ung:symbol "SG/SM/1" ; ung:text "We will."
        ; ung:isIctRelated true .
    <https://w3id.org/ungraph/id/document/d/call/1> a ung:CallToAction, ung:Commitment, %s ;
        ung:text "We will." ; ung:inDocument doc:d .
"""


def test_focus_restriction_does_not_weaken_nested_shapes() -> None:
    # Regression: pySHACL's focus_nodes option also filters the value nodes of nested shapes,
    # so "exactly one kind" (a qualified value shape on rdf:type) passed with two kinds. The
    # validator restricts focus nodes itself; the vocabulary nodes it mixes in stay unchecked.
    types: TypeIndex = {URIRef(f"{E}wsis/C5"): (UNG.ActionLine,)}
    checker = GraphValidator(types=types)
    two_kinds = turtle(CALL % "ung:Call")
    assert not checker.validate(two_kinds).conforms
    extra_type = turtle(CALL % "<http://www.w3.org/ns/prov#Entity>")
    assert checker.validate(extra_type).conforms


def test_linked_vocabulary_nodes_bring_their_types_but_are_not_validated() -> None:
    doc = turtle(
        """
        doc:d a ung:Document, ung:Message ; ung:symbol "SG/SM/1" ; ung:text "t" ;
            ung:isIctRelated true ; ung:addressesTarget sdg:9.c ;
            ung:addressesActionLine wsis:C5 .
        """
    )
    without = GraphValidator(types={}).validate(doc)
    assert {r.path for r in without.violations} == {
        str(UNG.addressesTarget),
        str(UNG.addressesActionLine),
    }
    types = {
        URIRef("http://metadata.un.org/sdg/9.c"): (
            URIRef("http://metadata.un.org/sdg/ontology#Target"),
        ),
        # An action line with no label or scheme: a focus node it would fail, as a linked node
        # it only lends its type.
        URIRef(f"{E}wsis/C5"): (UNG.ActionLine,),
    }
    assert GraphValidator(types=types).validate(doc).conforms


EVENT = """
    event:forum-2016 a ung:Event ; rdfs:label "Forum 2016" ;
        schema:startDate "2016-05-0%s"^^xsd:date .
"""


def test_graphs_of_a_batch_do_not_see_each_other() -> None:
    one, two = turtle(EVENT % "1"), turtle(EVENT % "2")
    # Merged, the event would have two start dates (sh:maxCount 1).
    assert not validator().validate(one + two).conforms
    assert [v.conforms for v in validator().validate_batch([("one", one), ("two", two)])] == [
        True,
        True,
    ]
    # A graph that links to a node another graph describes sees only its types, as alone.
    linking = turtle(
        """
        doc:d a ung:Document, ung:Message ; ung:symbol "SG/SM/1" ; ung:text "t" ;
            ung:isIctRelated true ; ung:mentionsEvent event:forum-2016 .
        """
    )
    alone = validator().validate(linking)
    batched = validator().validate_batch([("linking", linking), ("one", one)])[0]
    assert alone.conforms is batched.conforms is False
    assert alone.results == batched.results


def test_results_keep_the_names_the_graphs_use() -> None:
    bad = turtle('person:p a ung:Person ; rdfs:label "" .')
    other = turtle('person:p a ung:Person ; rdfs:label "P" .')
    first, second = validator().validate_batch([("bad", bad), ("other", other)])
    assert not first.conforms and second.conforms
    assert {r.focus_node for r in first.results} == {f"{E}person/p"}


def test_sparql_constraints_run_and_report_their_bindings() -> None:
    graph = turtle(
        """
        @prefix oa: <http://www.w3.org/ns/oa#> .
        doc:d a ung:Document, ung:Message ; ung:symbol "SG/SM/1" ;
            ung:text "Let us act now." ; ung:isIctRelated true .
        <https://w3id.org/ungraph/id/document/d/target/0-6> a oa:SpecificResource ; oa:hasSource doc:d ;
            oa:hasSelector <https://w3id.org/ungraph/id/document/d/selector/q>, <https://w3id.org/ungraph/id/document/d/selector/p> .
        <https://w3id.org/ungraph/id/document/d/selector/q> a oa:TextQuoteSelector ; oa:exact "Let me" .
        <https://w3id.org/ungraph/id/document/d/selector/p> a oa:TextPositionSelector ;
            oa:start "0"^^xsd:nonNegativeInteger ; oa:end "6"^^xsd:nonNegativeInteger .
        <https://w3id.org/ungraph/id/document/d/annotation/a>
            oa:hasTarget <https://w3id.org/ungraph/id/document/d/target/0-6> .
        """
    )
    validation = validator().validate(graph)
    (result,) = [r for r in validation.results if r.constraint == str(SH.SPARQLConstraintComponent)]
    assert result.shape == f"{SHAPES}EvidencePassageShape"
    assert "Let me" in result.message and "{?" not in result.message


def test_sparql_results_name_the_graphs_own_blank_nodes() -> None:
    # Graphs without blank nodes reach Oxigraph as text, whose parser renames blank nodes; a
    # graph with them must still be reported with its own labels.
    graph = turtle(
        """
        @prefix oa: <http://www.w3.org/ns/oa#> .
        doc:d a ung:Document, ung:Message ; ung:symbol "SG/SM/1" ;
            ung:text "Let us act now." ; ung:isIctRelated true .
        _:target a oa:SpecificResource ; oa:hasSource doc:d ;
            oa:hasSelector _:quote, _:position .
        _:quote a oa:TextQuoteSelector ; oa:exact "Let me" .
        _:position a oa:TextPositionSelector ;
            oa:start "0"^^xsd:nonNegativeInteger ; oa:end "6"^^xsd:nonNegativeInteger .
        _:annotation oa:hasTarget _:target .
        """
    )
    (annotation,) = graph.subjects(URIRef("http://www.w3.org/ns/oa#hasTarget"), None)
    validation = validator().validate(graph)
    (result,) = [r for r in validation.results if r.constraint == str(SH.SPARQLConstraintComponent)]
    assert f"quoted by {annotation}," in result.message


def test_validate_many_keeps_input_order_in_and_out_of_process() -> None:
    graphs = [
        (f"g{n}", turtle(f'person:p{n} a ung:Person ; rdfs:label "{"" if n % 3 else "P"}" .'))
        for n in range(7)
    ]
    serialized = [(name, g.serialize(format="nt", encoding="utf-8")) for name, g in graphs]
    inline = list(validate_many(serialized, types={}, workers=0, batch=2))
    pooled = list(validate_many(serialized, types={}, workers=2, batch=2))
    assert [v.name for v in inline] == [v.name for v in pooled] == [n for n, _ in graphs]
    assert (
        [v.conforms for v in inline]
        == [v.conforms for v in pooled]
        == [n % 3 == 0 for n in range(7)]
    )
    assert inline == pooled


@pytest.mark.parametrize("sparql", [True, False], ids=["with SPARQL shapes", "core shapes only"])
def test_a_term_rdf_syntax_refuses_is_named_with_its_statement(sparql: bool) -> None:
    # rdflib lets an IRI with a space through; the N-Triples the build loads would not parse,
    # whether or not SPARQL constraints parse it on the way.
    shapes = (
        Shapes.load()
        if sparql
        else Shapes.from_graph(
            Graph().parse(
                data=PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> . "
                "<urn:s> a sh:NodeShape ; sh:targetClass ung:Person .",
                format="turtle",
            )
        )
    )
    assert bool(shapes.sparql) is sparql
    graph = turtle('person:p a ung:Person ; rdfs:label "P" .')
    graph.add((URIRef(f"{E}person/p"), RDFS.seeAlso, URIRef("https://example.org/a b")))
    with pytest.raises(
        GraphSyntaxError, match=r"Invalid IRI code point .* <https://example.org/a b> \.$"
    ):
        GraphValidator(shapes).validate_batch([("g", graph)], serialize=True)


def test_type_index_collects_every_type_of_every_iri() -> None:
    graph = turtle("person:x a ung:Person, ung:Organization . _:b a ung:Place .")
    assert type_index([graph]) == {URIRef(f"{E}person/x"): (UNG.Organization, UNG.Person)}


def test_shapes_that_do_not_parse_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ;;;", "utf-8"
    )
    with pytest.raises(ShapesError, match=r"broken\.ttl"):
        Shapes.load([broken])


def test_a_sparql_constraint_that_does_not_parse_is_named() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://e/S> a sh:NodeShape ; sh:targetClass <http://e/C> ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ?p " ] .
        """,
        format="turtle",
    )
    with pytest.raises(ShapesError, match="http://e/S"):
        Shapes.from_graph(shapes)


def test_compact_names() -> None:
    assert compact(f"{SHAPES}DocumentShape") == "DocumentShape"
    assert compact(str(RDFS.label)) == "rdfs:label"
    assert compact(str(XSD.date)) == "xsd:date"


# ungraph validate FILE... ----------------------------------------------------------------------
GOOD = """
person:p a ung:Person ; rdfs:label "A person" .
"""
BAD = """
event:x a ung:Event ; rdfs:label "X" ; ung:edition "0"^^xsd:integer .
"""


def test_cli_validate_files(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(PREFIXES + GOOD, "utf-8")
    bad.write_text(PREFIXES + BAD, "utf-8")
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "conforms" in ok.output
    failed = runner.invoke(main, ["validate", str(good), str(bad)])
    assert failed.exit_code == 1, failed.output
    assert "EventShape" in failed.output and "ung:edition" in failed.output
    as_json = runner.invoke(main, ["validate", "--json", str(bad)])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["conforms"] is False and report["graphs"] == 1
    (graph,) = report["failed"]
    assert any(r["path"] == str(UNG.edition) for r in graph["results"])


def test_cli_validate_a_file_that_does_not_parse_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(PREFIXES + "person:x a ung:Person ;\n  rdfs:label 'unterminated .\n", "utf-8")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 2
    assert "broken.ttl:" in result.output


def test_cli_validate_needs_a_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no store" in result.output


def test_cli_validate_files_or_store_not_both(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(tmp_path), "x.ttl"])
    assert result.exit_code == 2
    assert "not both" in result.output


def test_literals_of_the_report_are_plain_text() -> None:
    graph = turtle('person:p a ung:Person ; rdfs:label "" .')
    (result,) = validator().validate(graph).results
    assert result.value == ""
    assert isinstance(Literal(result.message), Literal)
