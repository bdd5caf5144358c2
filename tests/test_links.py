"""Links out of the graph built from the corpus: Wikidata only through verified identifiers with
their provenance, ISO 3166 codes for countries, the SDG KOS's own exact matches, UNBIS for themes;
and the link dump ``links.nt.gz`` with its VoID link sets, equal to the store's links."""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, VOID

from ungraph.export import ExportOptions, export
from ungraph.formats import NTRIPLES
from ungraph.links import EXTERNAL_DATASETS, LINKS_FILE, OWN, source_of
from ungraph.namespaces import UNG
from ungraph.store import GraphStore, open_store

BASE = "https://w3id.org/ungraph/"
WIKIDATA = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")
SDGIO = re.compile(r"^http://purl\.unep\.org/sdg/SDGIO_[0-9]{8}$")
# UNBIS concept ids are digits, or c_ and a hex hash for newer concepts.
UNBIS = re.compile(r"^http://metadata\.un\.org/thesaurus/(?:[0-9]+|c_[0-9a-f]+)$")
SDG_CONCEPT = re.compile(r"^http://metadata\.un\.org/sdg/[0-9]+(\.[0-9a-z]+)?$")
STRUCTURAL = {RDF.type, RDF.subject, RDF.predicate, RDF.object, RDF.first, RDF.rest}


def _tsv(reference_dir: Path, name: str) -> list[dict[str, str]]:
    with (reference_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def store(corpus_store: str) -> Iterator[GraphStore]:
    with open_store(corpus_store, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def merged(store: GraphStore) -> Graph:
    """Every distinct triple of the store."""
    return Graph().parse(data=b"".join(store.dump(NTRIPLES, merged=True)), format="nt")


@pytest.fixture(scope="module")
def exported(store: GraphStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("links-export")
    export(store, out, ExportOptions(base_iri=BASE, downloads_base="https://example.org/dl/"))
    return out


def test_same_as_only_to_verified_wikidata_items_with_their_sources(
    merged: Graph, reference_dir: Path
) -> None:
    rows = _tsv(reference_dir, "wikidata_ids.tsv")
    by_qid = {row["qid"]: row for row in rows}
    links = list(merged.subject_objects(OWL.sameAs))
    assert len(links) == len(rows), "every verified identifier is used, and only those"
    for subject, target in links:
        assert WIKIDATA.match(str(target)), target
        row = by_qid[str(target).rsplit("/", 1)[1]]
        # The provenance statement beside the link names the tsv row and carries its sources.
        statement = URIRef(f"{subject}#wikidata")
        assert (statement, RDF.type, RDF.Statement) in merged
        assert (statement, RDF.subject, subject) in merged
        assert (statement, RDF.object, target) in merged
        sources = {
            str(s) for s in merged.objects(statement, URIRef("http://purl.org/dc/terms/source"))
        }
        assert row["source1"] in sources
        comment = str(merged.value(statement, RDFS.comment))
        assert f"row {row['kind']}:{row['key']}" in comment


def test_countries_have_iso_codes_and_their_wikidata_item(
    merged: Graph, reference_dir: Path
) -> None:
    countries = {
        row["key"]: row["qid"]
        for row in _tsv(reference_dir, "wikidata_ids.tsv")
        if row["kind"] == "country"
    }
    found = 0
    for country in merged.subjects(RDF.type, UNG.Country):
        code = str(merged.value(country, UNG.iso3166Alpha3))
        assert re.fullmatch(r"[A-Z]{3}", code)
        assert str(country) == f"{BASE}id/country/{code.lower()}"
        assert merged.value(country, OWL.sameAs) == URIRef(
            f"http://www.wikidata.org/entity/{countries[code]}"
        )
        found += 1
    assert found == len(countries)


def test_sdg_exact_matches_are_the_kos_s_own(merged: Graph, reference_dir: Path) -> None:
    matches = list(merged.subject_objects(SKOS.exactMatch))
    assert matches
    for subject, target in matches:
        assert SDG_CONCEPT.match(str(subject)) or str(subject).startswith(
            "http://metadata.un.org/sdg/C"
        )
        assert SDGIO.match(str(target)) or WIKIDATA.match(str(target)), target
    # Goals carry the Wikidata items the reference table (derived from the KOS) gives.
    for row in _tsv(reference_dir, "sdg_goals.tsv"):
        goal = URIRef(row["uri"])
        assert (goal, SKOS.exactMatch, URIRef(row["wikidata_uri"])) in merged
        assert (goal, SKOS.exactMatch, URIRef(row["sdgio_uri"])) in merged


def test_themes_close_match_unbis_concepts_of_the_subset(
    merged: Graph, reference_dir: Path
) -> None:
    unbis = {row["uri"] for row in _tsv(reference_dir, "unbis_ict_subset.tsv")}
    matches = list(merged.subject_objects(SKOS.closeMatch))
    assert matches
    for theme, concept in matches:
        assert (theme, RDF.type, UNG.IctTheme) in merged
        assert UNBIS.match(str(concept)) and str(concept) in unbis


def _expected_links(merged: Graph) -> Graph:
    """The links, found in Python from the triples (the dump's SPARQL does it in the engine)."""
    links = Graph()
    for s, p, o in merged:
        if not isinstance(s, URIRef) or not isinstance(o, URIRef) or p in STRUCTURAL:
            continue
        for dataset in EXTERNAL_DATASETS:
            if dataset.holds(str(o)) and not dataset.holds(str(s)):
                links.add((s, p, o))
    return links


def test_the_link_dump_is_the_store_s_links(exported: Path, merged: Graph) -> None:
    dumped = Graph().parse(data=gzip.decompress((exported / LINKS_FILE).read_bytes()), format="nt")
    expected = _expected_links(merged)
    if not isomorphic(dumped, expected):
        _, only_dump, only_store = graph_diff(to_isomorphic(dumped), to_isomorphic(expected))
        raise AssertionError(
            f"only in the dump: {sorted(only_dump)[:5]}; only in the store: {sorted(only_store)[:5]}"
        )
    # Every identity and mapping link is there.
    for predicate in (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch):
        assert set(merged.subject_objects(predicate)) == set(dumped.subject_objects(predicate))
    lines = gzip.decompress((exported / LINKS_FILE).read_bytes()).decode().splitlines()
    assert len(lines) == len(set(lines)) == len(dumped), "each link once"


def test_void_link_sets_count_the_dump(exported: Path) -> None:
    void = Graph().parse(exported / "void.ttl", format="turtle")
    dataset = URIRef(f"{BASE}dataset")
    dumped = Graph().parse(data=gzip.decompress((exported / LINKS_FILE).read_bytes()), format="nt")
    counted: Counter[tuple[str, str, str]] = Counter()
    for s, p, o in dumped:
        external = next(d for d in EXTERNAL_DATASETS if d.holds(str(o)))
        counted[(source_of(str(s)), external.key, str(p))] += 1
    iris = {d.key: d.iri for d in EXTERNAL_DATASETS}
    stated: Counter[tuple[str, str, str]] = Counter()
    for linkset in void.objects(dataset, VOID.subset):
        assert (linkset, RDF.type, VOID.Linkset) in void
        assert void.value(linkset, VOID.dataDump) == URIRef("https://example.org/dl/" + LINKS_FILE)
        subjects = void.value(linkset, VOID.subjectsTarget)
        source = OWN if subjects == dataset else next(k for k, v in iris.items() if v == subjects)
        target = next(k for k, v in iris.items() if v == void.value(linkset, VOID.objectsTarget))
        triples = void.value(linkset, VOID.triples)
        assert isinstance(triples, Literal)
        stated[(source, target, str(void.value(linkset, VOID.linkPredicate)))] += int(triples)
    assert stated == counted
    assert stated[(OWN, "wikidata", str(OWL.sameAs))] > 0
    assert stated[("sdg-kos", "sdgio", str(SKOS.exactMatch))] > 0
    assert stated[(OWN, "unbis", str(SKOS.closeMatch))] > 0
    for linkset_predicate in (RDF.first, RDF.object, SKOS.hasTopConcept):
        assert not any(key[2] == str(linkset_predicate) for key in stated)


def test_the_link_dump_is_listed_with_its_checksum(exported: Path) -> None:
    import hashlib
    import json

    manifest = json.loads((exported / "export-manifest.json").read_text("utf-8"))
    entry = next(f for f in manifest["files"] if f["name"] == LINKS_FILE)
    assert entry["content"] == "links" and entry["media_type"] == "application/n-triples"
    assert hashlib.sha256((exported / LINKS_FILE).read_bytes()).hexdigest() == entry["sha256"]
    assert f"{entry['sha256']}  {LINKS_FILE}" in (exported / "SHA256SUMS").read_text("ascii")
