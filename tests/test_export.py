"""The dumps: each parses back to the store's content; checksums, VoID/DCAT and context hold."""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD
from rdflib.term import Node

from ungraph.export import (
    CC_BY_4,
    DUMPS,
    SPDX,
    ExportOptions,
    context_file_name,
    export,
    jsonld_context,
)
from ungraph.formats import Format
from ungraph.store import GraphStore, begin_build, open_store

DATA = Path(__file__).parent / "data" / "store"
BASE = "https://w3id.org/ungraph/"
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _parse(data: bytes, fmt: Format) -> Dataset:
    dataset = Dataset()
    with warnings.catch_warnings():
        # rdflib 7's parsers call its own deprecated ConjunctiveGraph / default_context.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(data=data, format=fmt.rdflib)
    return dataset


def _merge(dataset: Dataset) -> Graph:
    merged = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged


@pytest.fixture(scope="module")
def expected() -> Dataset:
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(DATA / "dataset.trig", format="trig")
    return dataset


@pytest.fixture(scope="module", params=["memory", "disk"])
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, GraphStore]:
    """The fixture dataset exported from each backend."""
    tmp = tmp_path_factory.mktemp("export")
    if request.param == "memory":
        store: GraphStore = open_store("memory:")
        store.load_file(DATA / "dataset.trig")
    else:
        with begin_build(str(tmp / "store")) as build:
            build.store.load_file(DATA / "dataset.trig")
        store = open_store(str(tmp / "store"), read_only=True)
    options = ExportOptions(
        base_iri=BASE, downloads_base="https://example.org/dl/", version="9.9.9", modified=WHEN
    )
    out = tmp / "out"
    export(store, out, options)
    return out, store


@pytest.mark.parametrize(("fmt", "merged"), DUMPS, ids=lambda x: getattr(x, "name", str(x)))
def test_every_dump_parses_back_isomorphic(
    exported: tuple[Path, GraphStore], expected: Dataset, fmt: Format, merged: bool
) -> None:
    out, _ = exported
    data = gzip.decompress((out / fmt.file_name("ungraph", gzip=True)).read_bytes())
    dumped = _parse(data, fmt)
    if merged:
        assert isomorphic(_merge(dumped), _merge(expected))
        return
    names = sorted(str(g.identifier) for g in expected.graphs() if len(g))
    assert sorted(str(g.identifier) for g in dumped.graphs() if len(g)) == names
    for name in names:
        mine, theirs = Graph(), Graph()
        for t in dumped.graph(URIRef(name)):
            mine.add(t)
        for t in expected.graph(URIRef(name)):
            theirs.add(t)
        assert isomorphic(mine, theirs), name


def test_sha256sums_match_the_files(exported: tuple[Path, GraphStore]) -> None:
    out, _ = exported
    lines = (out / "SHA256SUMS").read_text("ascii").splitlines()
    names = []
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
        names.append(name)
    assert {f.file_name("ungraph", gzip=True) for f, _ in DUMPS} <= set(names)
    assert {"void.ttl", context_file_name()} <= set(names)


def test_exports_are_reproducible(exported: tuple[Path, GraphStore], tmp_path: Path) -> None:
    out, store = exported
    options = ExportOptions(
        base_iri=BASE, downloads_base="https://example.org/dl/", version="9.9.9", modified=WHEN
    )
    export(store, tmp_path, options)
    for name in ("ungraph.nq.gz", "SHA256SUMS", "export-manifest.json"):
        if name == "SHA256SUMS" or name.endswith(".gz"):
            # gzip headers carry no time or name, so equal data gives equal bytes.
            assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def _integer(graph: Graph, subject: Node, predicate: URIRef) -> int:
    """The number ``graph`` states for ``subject`` and ``predicate``, which must be a literal."""
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), (subject, predicate, value)
    return int(value)


def _void(out: Path) -> Graph:
    return Graph().parse(out / "void.ttl", format="turtle")


def test_void_states_the_counts(exported: tuple[Path, GraphStore], expected: Dataset) -> None:
    out, _ = exported
    void = _void(out)
    dataset = URIRef(f"{BASE}dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, RDF.type, DCAT.Dataset) in void
    merged = _merge(expected)
    assert void.value(dataset, VOID.triples) == Literal(len(merged), datatype=XSD.integer)
    assert _integer(void, dataset, VOID.distinctSubjects) == len(set(merged.subjects()))
    assert _integer(void, dataset, VOID.properties) == len(set(merged.predicates()))
    assert str(void.value(dataset, VOID.sparqlEndpoint)) == f"{BASE}sparql"
    assert str(void.value(dataset, URIRef("http://www.w3.org/ns/dcat#version"))) == "9.9.9"
    assert void.value(dataset, DCTERMS.modified) == Literal(
        "2024-05-01T12:00:00+00:00", datatype=XSD.dateTime
    )


def test_void_licence_statement_is_explicit(exported: tuple[Path, GraphStore]) -> None:
    void = _void(exported[0])
    dataset = URIRef(f"{BASE}dataset")
    assert void.value(dataset, DCTERMS.license) == CC_BY_4
    rights = str(void.value(dataset, DCTERMS.rights))
    for words in (
        "CC BY 4.0",
        "© United Nations",
        "quoted as evidence",
        "SDG Knowledge",
        "third-party transcription",
    ):
        assert words in rights
    assert void.value(dataset, DCTERMS.publisher) is not None
    assert void.value(dataset, DCTERMS.title) is not None
    assert void.value(dataset, DCTERMS.description) is not None


def test_distributions_have_size_media_type_and_checksum(exported: tuple[Path, GraphStore]) -> None:
    out, _ = exported
    void = _void(out)
    dataset = URIRef(f"{BASE}dataset")
    distributions = list(void.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(DUMPS)
    for distribution in distributions:
        url = str(void.value(distribution, DCAT.downloadURL))
        assert url.startswith("https://example.org/dl/")
        path = out / url.rsplit("/", 1)[1]
        assert _integer(void, distribution, DCAT.byteSize) == path.stat().st_size
        media = str(void.value(distribution, DCAT.mediaType))
        assert media.startswith("https://www.iana.org/assignments/media-types/")
        checksum = void.value(distribution, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert (
            str(void.value(checksum, SPDX.checksumValue))
            == hashlib.sha256(path.read_bytes()).hexdigest()
        )
        assert URIRef(url) in set(void.objects(dataset, VOID.dataDump))


def test_void_vocabularies(exported: tuple[Path, GraphStore]) -> None:
    void = _void(exported[0])
    vocabularies = {str(v) for v in void.objects(URIRef(f"{BASE}dataset"), VOID.vocabulary)}
    for namespace in (
        "https://w3id.org/ungraph/ontology#",
        "http://www.w3.org/ns/oa#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://metadata.un.org/sdg/ontology#",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/2002/07/owl#",
    ):
        assert namespace in vocabularies
    # Data IRIs are not vocabularies.
    assert not any(v.startswith(f"{BASE}id/") for v in vocabularies)


def test_void_linksets(exported: tuple[Path, GraphStore]) -> None:
    void = _void(exported[0])
    dataset = URIRef(f"{BASE}dataset")
    found = {}
    for linkset in void.objects(dataset, VOID.subset):
        assert (linkset, RDF.type, VOID.Linkset) in void
        assert void.value(linkset, VOID.subjectsTarget) == dataset
        key = (
            str(void.value(linkset, VOID.objectsTarget)),
            str(void.value(linkset, VOID.linkPredicate)),
        )
        found[key] = _integer(void, linkset, VOID.triples)
    ung = Namespace("https://w3id.org/ungraph/ontology#")
    sdg = "http://metadata.un.org/sdg"
    assert found == {
        ("https://www.wikidata.org/", "http://www.w3.org/2002/07/owl#sameAs"): 3,
        (sdg, str(ung.addressesTarget)): 3,
        (sdg, str(ung.addressesGoal)): 1,
        (sdg, str(ung.refersTo2030Agenda)): 1,
        (sdg, "http://www.w3.org/ns/oa#hasBody"): 1,
        ("http://metadata.un.org/thesaurus", "http://www.w3.org/2004/02/skos/core#exactMatch"): 1,
    }


def test_manifest_lists_every_file(exported: tuple[Path, GraphStore], expected: Dataset) -> None:
    out, _ = exported
    manifest = json.loads((out / "export-manifest.json").read_text("utf-8"))
    assert manifest["version"] == "9.9.9"
    assert manifest["triples"] == len(_merge(expected))
    assert manifest["quads"] == len(list(expected.quads((None, None, None, None))))
    assert manifest["graphs"] == 5
    for entry in manifest["files"]:
        path = out / entry["name"]
        assert path.stat().st_size == entry["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


def test_context_file(exported: tuple[Path, GraphStore]) -> None:
    out, _ = exported
    context = json.loads((out / context_file_name()).read_text("utf-8"))["@context"]
    assert context["ung"] == "https://w3id.org/ungraph/ontology#"
    assert context["@version"] == 1.1
    # Terms of the ontology, with @id coercion for object properties.
    assert context["speaker"] == {"@id": "ung:speaker", "@type": "@id"}
    assert context["Document"] == "ung:Document"


def test_context_compacts_data_back_to_the_same_graph(exported: tuple[Path, GraphStore]) -> None:
    # The context is usable: a document written with its terms means the ontology's IRIs.
    out, _ = exported
    document = {
        "@context": json.loads((out / context_file_name()).read_text("utf-8"))["@context"],
        "@id": f"{BASE}id/document/x",
        "@type": "Document",
        "speaker": f"{BASE}id/person/y",
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        graph = Graph().parse(data=json.dumps(document), format="json-ld")
    ung = Namespace("https://w3id.org/ungraph/ontology#")
    doc = URIRef(f"{BASE}id/document/x")
    assert (doc, RDF.type, ung.Document) in graph
    assert (doc, ung.speaker, URIRef(f"{BASE}id/person/y")) in graph


def test_context_without_ontology_terms_still_has_prefixes() -> None:
    context = jsonld_context(["https://w3id.org/ungraph/ontology#notInTheOntology"])["@context"]
    assert context["notInTheOntology"] == "ung:notInTheOntology"
    assert context["oa"] == "http://www.w3.org/ns/oa#"
