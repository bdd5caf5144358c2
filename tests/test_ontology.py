"""The ontology: it parses, describes itself, labels and comments every term, defines every term the
architecture doc, the shapes and the query catalogue use, and aligns to the vocabularies users query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH
from rdflib.paths import Path as RdflibPath
from rdflib.plugins.sparql import prepareQuery

import ungraph
from ungraph.namespaces import ONTOLOGY_IRI, PREFIXES, UNG
from ungraph.resources import ontology_path, query_paths, shapes_paths

ARCHITECTURE = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
VANN = "http://purl.org/vocab/vann/"
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}
# Namespaces the issue asks the ontology to align to; UNDO is the UN Document Ontology.
ALIGNED_VOCABULARIES = {
    "schema": PREFIXES["schema"],
    "dct": PREFIXES["dct"],
    "foaf": PREFIXES["foaf"],
    "prov": PREFIXES["prov"],
    "skos": PREFIXES["skos"],
    "org": PREFIXES["org"],
    "oa": PREFIXES["oa"],
    "undo": PREFIXES["undo"],
}
ALIGNMENT_PROPERTIES = (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf)


@cache
def ontology() -> Graph:
    return Graph().parse(ontology_path(), format="turtle")


def ung_terms() -> set[URIRef]:
    """Every ``ung:`` IRI the ontology declares as a class or property."""
    graph = ontology()
    return {
        s
        for t in TERM_TYPES
        for s in graph.subjects(RDF.type, t)
        if isinstance(s, URIRef) and s.startswith(str(UNG))
    }


def types_of(term: URIRef) -> set[Node]:
    return set(ontology().objects(term, RDF.type)) & TERM_TYPES


def local(term: URIRef) -> str:
    return str(term).removeprefix(str(UNG))


# --- the ontology as a document ------------------------------------------------------------


def test_ontology_describes_itself() -> None:
    graph = ontology()
    iri = URIRef(ONTOLOGY_IRI)
    assert (iri, RDF.type, OWL.Ontology) in graph
    version_iri = graph.value(iri, OWL.versionIRI)
    version = graph.value(iri, OWL.versionInfo)
    assert isinstance(version_iri, URIRef) and version is not None
    assert str(version_iri) == f"{ONTOLOGY_IRI}/{version}", "versionIRI must name versionInfo"
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        assert graph.value(iri, prop) is not None, f"ontology lacks {prop}"
    assert str(graph.value(iri, URIRef(VANN + "preferredNamespacePrefix"))) == "ung"
    assert str(graph.value(iri, URIRef(VANN + "preferredNamespaceUri"))) == str(UNG)


def test_every_term_is_one_kind_labelled_commented_and_defined_here() -> None:
    problems = []
    for term in sorted(ung_terms()):
        kinds = types_of(term)
        if len(kinds) != 1:
            problems.append(f"{local(term)}: declared as {sorted(kinds, key=str)}")
        for prop in (RDFS.label, RDFS.comment):
            english = [
                o
                for o in ontology().objects(term, prop)
                if isinstance(o, Literal) and o.language == "en"
            ]
            if len(english) != 1 or not str(english[0]).strip():
                problems.append(f"{local(term)}: needs one non-empty {prop}@en")
        if ontology().value(term, RDFS.isDefinedBy) != URIRef(ONTOLOGY_IRI):
            problems.append(f"{local(term)}: rdfs:isDefinedBy the ontology")
    assert not problems, "\n".join(problems)


def test_ung_names_follow_the_naming_rule() -> None:
    for term in ung_terms():
        name = local(term)
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name), name
        is_class = OWL.Class in types_of(term)
        assert name[0].isupper() == is_class, (
            f"{name}: classes are UpperCamel, properties lowerCamel"
        )


def test_every_ung_iri_the_ontology_mentions_is_defined() -> None:
    # A typo in a domain, range or super-property would otherwise name an undefined term.
    mentioned = {
        n for n in ontology().all_nodes() if isinstance(n, URIRef) and n.startswith(str(UNG))
    }
    assert mentioned <= ung_terms(), sorted(mentioned - ung_terms())


def test_external_terms_are_declared_not_redefined() -> None:
    graph = ontology()
    for subject in set(graph.subjects()):
        if (
            isinstance(subject, BNode)
            or str(subject).startswith(str(UNG))
            or subject == URIRef(ONTOLOGY_IRI)
        ):
            continue
        predicates = set(graph.predicates(subject, None))
        assert predicates == {RDF.type}, (
            f"{subject} is redefined here: {sorted(predicates, key=str)}"
        )


def class_expression_members(node: Node) -> list[Node]:
    """The classes a domain or range names: itself, or the members of an ``owl:unionOf``."""
    union = ontology().value(node, OWL.unionOf)
    return list(Collection(ontology(), union)) if union is not None else [node]


def test_domains_and_ranges_fit_the_kind_of_property() -> None:
    graph = ontology()
    classes = set(graph.subjects(RDF.type, OWL.Class))
    for term in ung_terms() & set(graph.subjects(RDF.type, OWL.ObjectProperty)):
        for domain in graph.objects(term, RDFS.domain):
            assert set(class_expression_members(domain)) <= classes, f"{local(term)} domain"
        for range_ in graph.objects(term, RDFS.range):
            members = set(class_expression_members(range_))
            assert members <= classes | {RDF.Property}, f"{local(term)} range {members}"
    for term in ung_terms() & set(graph.subjects(RDF.type, OWL.DatatypeProperty)):
        for range_ in graph.objects(term, RDFS.range):
            datatypes = class_expression_members(range_)
            assert all(str(d).startswith(str(XSD)) for d in datatypes), f"{local(term)} range"


def test_properties_used_on_two_kinds_of_subject_say_so() -> None:
    # A union domain must be explained in the comment, so readers do not expect one class.
    graph = ontology()
    for term in ung_terms():
        for domain in graph.objects(term, RDFS.domain):
            if graph.value(domain, OWL.unionOf) is not None:
                comment = str(graph.value(term, RDFS.comment))
                assert "Used on" in comment, f"{local(term)}: say which subjects it is used on"


def test_inverse_properties_are_paired() -> None:
    assert (UNG.recordsSpeechAct, OWL.inverseOf, UNG.recordedIn) in ontology()


def test_aligns_to_the_vocabularies_linked_data_users_query() -> None:
    graph = ontology()
    targets = {
        o
        for p in ALIGNMENT_PROPERTIES
        for s, o in graph.subject_objects(p)
        if isinstance(s, URIRef) and s.startswith(str(UNG)) and isinstance(o, URIRef)
    }
    for prefix, namespace in ALIGNED_VOCABULARIES.items():
        assert any(t.startswith(namespace) for t in targets), f"no alignment to {prefix}:"


def test_document_kinds_align_to_the_un_document_ontology() -> None:
    undo = PREFIXES["undo"]
    graph = ontology()
    assert (UNG.PressRelease, RDFS.subClassOf, URIRef(undo + "PressRelease")) in graph
    assert (UNG.OfficialStatement, RDFS.subClassOf, URIRef(undo + "OfficialStatement")) in graph
    assert (UNG.Remarks, RDFS.subClassOf, URIRef(undo + "Address")) in graph


def test_sdg_goals_and_targets_are_reused_not_reminted() -> None:
    sdgo = PREFIXES["sdgo"]
    graph = ontology()
    assert graph.value(UNG.addressesGoal, RDFS.range) == URIRef(sdgo + "Goal")
    assert graph.value(UNG.addressesTarget, RDFS.range) == URIRef(sdgo + "Target")
    assert not [t for t in ung_terms() if local(t) in {"Goal", "Target", "SdgGoal", "SdgTarget"}]


# --- terms other files use ------------------------------------------------------------------


def architecture_terms(text: str) -> tuple[set[str], dict[str, str]]:
    """The ``ung:`` names the "Ontology terms" section of the architecture doc lists.

    Returns the bare backticked names (``Document``, ``speaker``) and the JSON ``kind`` values
    mapped to classes (```message``→``Message```). Prefixed names, paths, IRIs and codes are not
    ``ung:`` names; the JSON field name after "JSON" is not either.

    >>> names, kinds = architecture_terms(
    ...     "## Ontology terms\\n`Document`; JSON `kind`: `news-story`→`NewsStory`, `dct:date`\\n## Next")
    >>> sorted(names), kinds
    (['Document', 'NewsStory'], {'news-story': 'NewsStory'})
    """
    match = re.search(r"^## Ontology terms.*?$(.*?)^## ", text, flags=re.M | re.S)
    assert match, "the architecture doc has no '## Ontology terms' section"
    section = match.group(1)
    names: set[str] = set()
    kinds: dict[str, str] = {}
    for token in re.finditer(r"`([^`]+)`", section):
        name = token.group(1)
        after = section[token.end() :]
        if after.startswith("→`"):
            kinds[name] = after[2:].split("`", 1)[0]
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name) and not section[: token.start()].endswith(
            "JSON "
        ):
            names.add(name)
    return names, kinds


def test_every_term_the_architecture_doc_names_is_defined() -> None:
    names, kinds = architecture_terms(ARCHITECTURE.read_text(encoding="utf-8"))
    # The section lists the whole model; a parser that found a handful would be broken.
    assert len(names) > 60 and len(kinds) >= 6
    defined = {local(t) for t in ung_terms()}
    assert names <= defined, (
        f"named in docs/architecture.md, not defined: {sorted(names - defined)}"
    )
    assert set(kinds.values()) <= defined
    # And the other way round: every term of the ontology is listed for the other engineers.
    assert defined <= names, (
        f"defined, not listed in docs/architecture.md: {sorted(defined - names)}"
    )


def iris_in(node: object) -> Iterator[URIRef]:
    """Every IRI in a SPARQL algebra tree (``CompValue`` dicts, lists, property paths)."""
    if isinstance(node, URIRef):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from iris_in(value)
    elif isinstance(node, list | tuple | set):
        for value in node:
            yield from iris_in(value)
    elif isinstance(node, RdflibPath):
        yield from iris_in(vars(node))


def ung_terms_in_query(query: str) -> set[URIRef]:
    """The ``ung:`` IRIs a SPARQL query uses (parsed, so comments and strings do not count).

    >>> sorted(local(t) for t in ung_terms_in_query(
    ...     "PREFIX u: <https://w3id.org/ungraph/ontology#> "
    ...     "# u:InAComment\\nSELECT ?d WHERE { ?d a u:Document ; u:speaker/^u:holder ?p }"))
    ['Document', 'holder', 'speaker']
    """
    algebra = prepareQuery(query).algebra
    return {iri for iri in iris_in(algebra) if iri.startswith(str(UNG)) and iri != UNG}


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in shapes_paths():
        graph.parse(path, format="turtle")
    return graph


def shape_queries() -> Iterator[str]:
    """The SPARQL of the shapes' constraints, with the prefixes the shapes declare."""
    graph = shapes_graph()
    prologue = "".join(
        f"PREFIX {graph.value(d, SH.prefix)}: <{graph.value(d, SH.namespace)}>\n"
        for d in graph.objects(None, SH.declare)
    )
    for select in graph.objects(None, SH.select):
        # $PATH is substituted by the validator; any IRI stands in for it here.
        yield prologue + str(select).replace("$PATH", "<urn:x-path>")


def test_every_ung_term_the_shapes_use_is_defined() -> None:
    graph = shapes_graph()
    used = {n for n in graph.all_nodes() if isinstance(n, URIRef) and n.startswith(str(UNG))}
    for query in shape_queries():
        used |= ung_terms_in_query(query)
    assert len(used) > 50, "the shapes should use most of the ontology"
    assert used <= ung_terms(), f"used in shapes/, not defined: {sorted(used - ung_terms())}"


def test_shapes_use_classes_as_classes_and_properties_as_properties() -> None:
    graph = shapes_graph()
    classes = set(ontology().subjects(RDF.type, OWL.Class))
    properties = {t for t in ung_terms() if types_of(t) & PROPERTY_TYPES}
    for predicate, expected in (
        (SH.targetClass, classes),
        (SH["class"], classes),
        (SH.targetSubjectsOf, properties),
        (SH.path, properties),
    ):
        for term in graph.objects(None, predicate):
            if isinstance(term, URIRef) and term.startswith(str(UNG)):
                assert term in expected, f"{predicate} {term}"


# The catalogue (queries/) and the queries ungraph runs itself (stats, VoID) alike: a misspelt
# term there is not an error, just an empty answer.
INTERNAL_QUERIES = sorted((Path(ungraph.__file__).parent / "sparql").glob("*.rq"))


@pytest.mark.parametrize("path", query_paths() + INTERNAL_QUERIES, ids=lambda p: p.name)
def test_every_ung_term_a_query_uses_is_defined(path: Path) -> None:
    used = ung_terms_in_query(path.read_text(encoding="utf-8"))
    assert used <= ung_terms(), f"{path.name} uses undefined terms: {sorted(used - ung_terms())}"


def test_the_service_description_limits_are_defined() -> None:
    from ungraph.web.description import LIMITS

    graph = ontology()
    for limit in LIMITS:
        term = UNG[limit.local]
        assert (term, RDF.type, OWL.DatatypeProperty) in graph, limit.local
