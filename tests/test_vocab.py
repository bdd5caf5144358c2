"""Vocabularies: the SDG KOS read by path, the hand-written schemes checked against the reference
tables, the WSIS–SDG matrix resolved, and the RDF each builder emits."""

from __future__ import annotations

import csv
import shutil
import textwrap
import tomllib
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, SKOS

from ungraph.config import SettingError, Settings, load_settings
from ungraph.iris import Minter
from ungraph.namespaces import SDGO, UNG, WD, bind_prefixes
from ungraph.registry import QID, Registry, VocabularyError, load_wikidata, normalize_phrase
from ungraph.resources import data_dir, ontology_path
from ungraph.vocab import (
    MatrixRow,
    SdgKos,
    load_action_lines,
    load_groups,
    load_matrix,
    load_methods,
    load_sdg,
    load_themes,
    load_unbis,
    matrix_graph,
    registry_graph,
    vocabulary_graphs,
)

BASE = "https://example.org/"


@cache
def graphs() -> dict[str, Graph]:
    settings = load_settings()
    return vocabulary_graphs(settings, Minter(settings.base_iri))


@pytest.fixture(scope="module")
def kos(settings: Settings) -> SdgKos:
    return load_sdg(settings)


@pytest.fixture(scope="module")
def registry(settings: Settings) -> Registry:
    return Registry.load(settings)


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Compare as graphs; on failure show the triples only one side has."""
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    missing = "\n".join(sorted(f"  - {t}" for t in only_expected))
    extra = "\n".join(sorted(f"  + {t}" for t in only_actual))
    pytest.fail(f"graphs differ\nmissing:\n{missing}\nunexpected:\n{extra}")


# --- The SDG KOS ---------------------------------------------------------------------------------
def test_kos_has_17_goals_and_169_targets_under_un_iris(kos: SdgKos) -> None:
    assert len(kos.goals) == 17 and len(kos.targets) == 169
    assert sorted(kos.goals, key=int) == [str(n) for n in range(1, 18)]
    for code, goal in kos.goals.items():
        assert goal.iri == URIRef(f"http://metadata.un.org/sdg/{code}")
        assert goal.label and goal.short_label
    for code, target in kos.targets.items():
        assert target.iri == URIRef(f"http://metadata.un.org/sdg/{code}")
        assert code.split(".")[0] == target.goal
    assert kos.targets["9.c"].goal == "9"


def test_kos_exact_matches_are_those_of_the_dump(kos: SdgKos, reference_dir: Path) -> None:
    for goal in kos.goals.values():
        assert any(str(m).startswith("http://purl.unep.org/sdg/SDGIO_") for m in goal.exact_matches)
        assert any(str(m).startswith(str(WD)) for m in goal.exact_matches)
    with (reference_dir / "sdg_targets.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 169
    for row in rows:
        target = kos.targets[row["target"]]
        assert str(target.iri) == row["uri"] and target.goal == row["goal"]
        for sdgio in row["sdgio_uri"].split():  # some targets match two SDGIO terms
            assert URIRef(sdgio) in target.exact_matches, row["target"]


def test_kos_keeps_one_english_label_per_concept(kos: SdgKos) -> None:
    # The dump gives target 12.3 a truncated second English label; the longest one is kept.
    assert kos.targets["12.3"].label.startswith("By 2030,") and len(kos.targets["12.3"].label) > 40
    for concept in set(kos.graph.subjects(SKOS.prefLabel, None)):
        english = []
        for label in kos.graph.objects(concept, SKOS.prefLabel):
            assert isinstance(label, Literal), (concept, label)
            if label.language == "en":
                english.append(label)
        assert len(english) <= 1, concept


def test_kos_titles_agree_with_the_reference_tables(kos: SdgKos, reference_dir: Path) -> None:
    with (reference_dir / "sdg_goals.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            goal = kos.goals[row["code"]]
            assert str(goal.iri) == row["uri"]
            assert URIRef(row["sdgio_uri"]) in goal.exact_matches
            assert URIRef(row["wikidata_uri"]) in goal.exact_matches


def test_a_missing_kos_dump_is_an_error_naming_the_reference_setting(tmp_path: Path) -> None:
    settings = Settings(shared=tmp_path, reference=tmp_path)
    with pytest.raises(SettingError, match=r"setting 'reference'.*sdg-kos"):
        load_sdg(settings)


def test_a_kos_without_goals_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sdg-kos").mkdir()
    (tmp_path / "sdg-kos" / "sdg-kos-goals-targets-indicators.ttl").write_text(
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    )
    with pytest.raises(VocabularyError, match="no sdgo:Goal"):
        load_sdg(Settings(shared=tmp_path, reference=tmp_path))


# --- WSIS action lines -----------------------------------------------------------------------------
def test_11_action_lines_and_8_sub_lines_with_their_parents(registry: Registry) -> None:
    lines = load_action_lines(registry)
    tops = [line.code for line in lines if line.parent is None]
    subs = {line.code: line.parent for line in lines if line.parent is not None}
    assert tops == [f"C{n}" for n in range(1, 12)]
    assert subs == {f"C7.{n}": "C7" for n in range(1, 9)}


def test_action_line_titles_and_lead_facilitators_agree_with_the_reference_table(
    registry: Registry, reference_dir: Path
) -> None:
    lines = {line.code: line for line in load_action_lines(registry)}
    with (reference_dir / "wsis_action_lines.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert {row["code"] for row in rows} == set(lines)
    for row in rows:
        line = lines[row["code"]]
        assert line.title == row["title_geneva_plan_2003"], line.code
        assert (line.itu_title or line.title) == row["title_itu_current"], line.code
        assert (line.parent or "") == row["parent"]
        written = row["lead_facilitator"]
        leads = [] if written.startswith("(") else [w.strip() for w in written.split(";")]
        resolved = [registry.match_organization(lead) for lead in leads]
        assert [org.key for org in resolved if org] == list(line.lead), line.code


def test_a_facilitator_must_be_a_registry_organization(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "wsis.toml"
    text = (data_dir("vocab") / "wsis.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('lead = ["fao"]', 'lead = ["fao-rome"]'), encoding="utf-8")
    with pytest.raises(
        VocabularyError, match=r"wsis\.toml: action_line 'C7\.7': facilitator 'fao-rome'"
    ):
        load_action_lines(registry, path)


# --- Groups, themes, methods ------------------------------------------------------------------
def test_every_vocabulary_file_loads() -> None:
    for path in sorted(data_dir("vocab").rglob("*.toml")):
        with path.open("rb") as handle:
            assert tomllib.load(handle), path
    settings = load_settings()
    assert len(load_groups()) >= 20 and len(load_themes(settings)) >= 40
    assert {m.key for m in load_methods()} >= {
        "header-rule", "page-structure", "sidecar", "address-derivation", "attribution-pattern",
        "registry-resolution", "gazetteer", "event-pattern", "explicit-mention", "topic-tagger",
        "group-lexicon", "theme-lexicon", "call-pattern", "relevance-classifier", "wsis-sdg-matrix",
    }  # fmt: skip


def test_phrases_belong_to_one_concept_only() -> None:
    # No overlaps are allowed across concepts of a scheme (the loader refuses them too); within
    # a concept a phrase is listed once.
    for concepts in (load_groups(), load_themes(load_settings())):
        owner: dict[str, str] = {}
        for concept in concepts:
            keys = [normalize_phrase(p) for p in concept.phrases]
            assert len(keys) == len(set(keys)), concept.key
            for key in keys:
                assert owner.setdefault(key, concept.key) == concept.key, key


def test_the_group_scheme_has_the_required_groups() -> None:
    groups = {g.key: g for g in load_groups()}
    assert {groups[k].broader for k in ("women", "girls")} == {"women-and-girls"}
    assert groups["young-women"].broader == "women"
    for phrase in ("people with disabilities", "older people", "the elderly", "young people",
                   "the poorest", "the most vulnerable", "SIDS", "LDCs"):  # fmt: skip
        assert any(normalize_phrase(phrase) in map(normalize_phrase, g.phrases)
                   for g in groups.values()), phrase  # fmt: skip


def test_theme_unbis_labels_resolve_to_unbis_iris(settings: Settings) -> None:
    unbis = set(load_unbis(settings).values())
    themes = {t.key: t for t in load_themes(settings)}
    assert all(m in unbis for t in themes.values() for m in t.close_matches)
    assert (
        URIRef("http://metadata.un.org/thesaurus/1001197") in themes["cybersecurity"].close_matches
    )


def test_an_unknown_unbis_label_is_an_error_naming_file_and_theme(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "themes.toml"
    text = (data_dir("vocab") / "themes.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('unbis = ["COMPUTER SECURITY"]', 'unbis = ["CYBER THINGS"]'))
    with pytest.raises(VocabularyError, match=r"themes\.toml: theme 'cybersecurity': unbis 'CYBER"):
        load_themes(settings, path)


def test_a_phrase_in_two_groups_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "groups.toml"
    text = (data_dir("vocab") / "groups.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('"older people",', '"older people", "young people",'))
    with pytest.raises(VocabularyError, match=r"'young people' is a phrase of both"):
        load_groups(path)


# --- The WSIS–SDG matrix ----------------------------------------------------------------------
def test_every_matrix_row_resolves(settings: Settings, kos: SdgKos, registry: Registry) -> None:
    lines = load_action_lines(registry)
    rows = load_matrix(settings, kos, lines)
    with (settings.reference_dir / "wsis_sdg_matrix.tsv").open(encoding="utf-8") as handle:
        assert len(rows) == sum(1 for _ in handle) - 1
    codes = {line.code for line in lines}
    for row in rows:
        assert row.action_line in codes and row.goal in kos.goals
        assert row.target is None or kos.targets[row.target].goal == row.goal
        assert row.repository == "https://github.com/uwidcit/WSIS-SDG-Matrix"


def test_matrix_graph_links_known_concepts_with_third_party_provenance() -> None:
    built = graphs()
    matrix, sdg, vocabulary = built["matrix"], built["sdg"], built["vocabulary"]
    links = set(matrix.subjects(RDF.type, UNG.MatrixLink))
    assert len(links) >= 200
    for link in links:
        line = matrix.value(link, UNG.matrixActionLine)
        assert (line, RDF.type, UNG.ActionLine) in vocabulary
        assert (matrix.value(link, UNG.matrixGoal), RDF.type, SDGO.Goal) in sdg
        target = matrix.value(link, UNG.matrixTarget)
        assert target is None or (target, RDF.type, SDGO.Target) in sdg
        assert (link, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
                URIRef("https://github.com/uwidcit/WSIS-SDG-Matrix")) in matrix  # fmt: skip
    assert "not ITU's own file" in str(matrix.value(Minter(load_settings().base_iri).graph("matrix"),
                                                   URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))  # fmt: skip


def test_matrix_graph_golden() -> None:
    source = "github.com/example/Matrix@abc1234 data/actions.json"
    rows = [MatrixRow("C2", "9", "9.c", "Reason one.", source, 2),
            MatrixRow("C2", "9", None, "", source, 3)]  # fmt: skip
    expected = Graph().parse(data=textwrap.dedent(f"""
        @prefix ung: <https://w3id.org/ungraph/ontology#> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix sdg: <http://metadata.un.org/sdg/> .
        @prefix : <{BASE}> .
        <{BASE}graph/matrix> rdfs:comment "A third-party, machine-readable transcription (uwidcit/WSIS-SDG-Matrix) of ITU's WSIS–SDG Matrix; not ITU's own file."@en ;
            prov:wasDerivedFrom <https://github.com/example/Matrix> ;
            dct:source <https://github.com/example/Matrix> .
        <{BASE}id/wsis/C2> ung:relatedGoal sdg:9 ; ung:relatedTarget <http://metadata.un.org/sdg/9.c> .
        <{BASE}id/wsis/C2/matrix/9.c> a ung:MatrixLink, prov:Entity ;
            rdfs:label "C2 → SDG 9.c"@en ;
            ung:matrixActionLine <{BASE}id/wsis/C2> ;
            ung:matrixGoal sdg:9 ;
            ung:matrixTarget <http://metadata.un.org/sdg/9.c> ;
            ung:rationale "Reason one." ;
            prov:wasDerivedFrom <https://github.com/example/Matrix> ;
            dct:source "{source}" ;
            rdfs:comment "A third-party, machine-readable transcription (uwidcit/WSIS-SDG-Matrix) of ITU's WSIS–SDG Matrix; not ITU's own file."@en .
        <{BASE}id/wsis/C2/matrix/9> a ung:MatrixLink, prov:Entity ;
            rdfs:label "C2 → SDG 9"@en ;
            ung:matrixActionLine <{BASE}id/wsis/C2> ;
            ung:matrixGoal sdg:9 ;
            prov:wasDerivedFrom <https://github.com/example/Matrix> ;
            dct:source "{source}" ;
            rdfs:comment "A third-party, machine-readable transcription (uwidcit/WSIS-SDG-Matrix) of ITU's WSIS–SDG Matrix; not ITU's own file."@en .
    """), format="turtle")  # fmt: skip
    assert_isomorphic(expected, matrix_graph(rows, Minter(BASE)))


# --- The registry as RDF --------------------------------------------------------------------
TINY_TSV = (
    "kind\tkey\tlabel\tqid\tsource1\tsource2\tconfidence\n"
    "country\tCHE\tSwitzerland\tQ39\tsrc-a\tsrc-b\thigh\n"
    "place\tgeneva\tGeneva\tQ71\tsrc-c\t\tmedium\n"
    "organization\titu\tInternational Telecommunication Union\tQ376150\tsrc-d\t\thigh\n"
)
TINY_FILES = {
    "countries.toml": '[CHE]\nname = "Switzerland"\n',
    "places.toml": '[[place]]\nkey = "geneva"\nname = "Geneva"\ncountry = "CHE"\n'
    'wikidata = "place:geneva"\n',
    "organizations.toml": '[[organization]]\nkey = "itu"\n'
    'name = "International Telecommunication Union"\naliases = ["ITU"]\n'
    'wikidata = "organization:itu"\n',
    "posts.toml": '[[post]]\nkey = "itu-secretary-general"\n'
    'label = "Secretary-General of the International Telecommunication Union"\n'
    'organization = "itu"\n',
    "people.toml": '[[person]]\nkey = "houlin-zhao"\nname = "Houlin Zhao"\n'
    'terms = [{ post = "itu-secretary-general", start = "2015-01-01", end = "2022-12" }]\n',
    "events.toml": 'editions_until = 2018\n[[series]]\nkey = "wsis-forum"\nname = "WSIS Forum"\n'
    'first_year = 2017\nannual = true\nnumbered = true\nplace = "geneva"\norganizer = "itu"\n',
}


def test_registry_graph_golden(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    for name, text in TINY_FILES.items():
        (tmp_path / "registry" / name).write_text(text, encoding="utf-8")
    (tmp_path / "wikidata_ids.tsv").write_text(TINY_TSV, encoding="utf-8")
    registry = Registry.from_files(tmp_path, tmp_path / "wikidata_ids.tsv")
    b = BASE + "id/"
    itu_sg = "Secretary-General of the International Telecommunication Union"

    def events(year: int) -> str:
        return f"""
        <{b}event/wsis-forum-{year}> a ung:Event, schema:Event ;
            rdfs:label "WSIS Forum {year}"@en ; schema:name "WSIS Forum {year}"@en ;
            ung:inSeries <{b}event-series/wsis-forum> ; schema:superEvent <{b}event-series/wsis-forum> ;
            ung:year "{year}"^^xsd:gYear ; ung:edition "{year - 2016}"^^xsd:positiveInteger ;
            ung:location <{b}place/geneva> ; ung:country <{b}country/che> ;
            ung:organizer <{b}organization/itu> ."""

    expected = Graph().parse(data=textwrap.dedent(f"""
        @prefix ung: <https://w3id.org/ungraph/ontology#> .
        @prefix schema: <http://schema.org/> .
        @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix org: <http://www.w3.org/ns/org#> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix wd: <http://www.wikidata.org/entity/> .
        <{b}country/che> a ung:Country, ung:Place, schema:Country, schema:Place ;
            rdfs:label "Switzerland"@en ; schema:name "Switzerland"@en ;
            ung:iso3166Alpha3 "CHE" ; owl:sameAs wd:Q39 .
        <{b}country/che#wikidata> a rdf:Statement ; rdf:subject <{b}country/che> ;
            rdf:predicate owl:sameAs ; rdf:object wd:Q39 ;
            rdfs:comment "verified identifier: reference/wikidata_ids.tsv row country:CHE (line 2), confidence high" ;
            dct:source "src-a", "src-b" .
        <{b}place/geneva> a ung:Place, schema:Place ; rdfs:label "Geneva"@en ;
            schema:name "Geneva"@en ; ung:country <{b}country/che> ; owl:sameAs wd:Q71 .
        <{b}place/geneva#wikidata> a rdf:Statement ; rdf:subject <{b}place/geneva> ;
            rdf:predicate owl:sameAs ; rdf:object wd:Q71 ;
            rdfs:comment "verified identifier: reference/wikidata_ids.tsv row place:geneva (line 3), confidence medium" ;
            dct:source "src-c" .
        <{b}organization/itu> a ung:Organization, org:Organization, foaf:Organization,
                schema:Organization, prov:Agent ;
            rdfs:label "International Telecommunication Union"@en ;
            schema:name "International Telecommunication Union"@en ;
            schema:alternateName "ITU"@en ; owl:sameAs wd:Q376150 .
        <{b}organization/itu#wikidata> a rdf:Statement ; rdf:subject <{b}organization/itu> ;
            rdf:predicate owl:sameAs ; rdf:object wd:Q376150 ;
            rdfs:comment "verified identifier: reference/wikidata_ids.tsv row organization:itu (line 4), confidence high" ;
            dct:source "src-d" .
        <{b}post/itu-secretary-general> a ung:Post, org:Post ;
            rdfs:label "{itu_sg}"@en ; schema:name "{itu_sg}"@en ;
            ung:postIn <{b}organization/itu> ; org:postIn <{b}organization/itu> .
        <{b}person/houlin-zhao> a ung:Person, foaf:Person, schema:Person, prov:Agent ;
            rdfs:label "Houlin Zhao"@en ; schema:name "Houlin Zhao"@en ; foaf:name "Houlin Zhao" ;
            ung:holds <{b}post/itu-secretary-general> ; org:holds <{b}post/itu-secretary-general> .
        <{b}post-holding/itu-secretary-general-houlin-zhao-2015-01-01>
            a ung:PostHolding, schema:Role, prov:Entity ;
            rdfs:label "Houlin Zhao, {itu_sg}"@en ;
            ung:holder <{b}person/houlin-zhao> ; ung:post <{b}post/itu-secretary-general> ;
            ung:startDate "2015-01-01"^^xsd:date ; ung:endDate "2022-12"^^xsd:gYearMonth .
        <{b}event-series/wsis-forum> a ung:EventSeries, schema:EventSeries ;
            rdfs:label "WSIS Forum"@en ; schema:name "WSIS Forum"@en ;
            ung:organizer <{b}organization/itu> .
        {events(2017)}
        {events(2018)}
    """), format="turtle")  # fmt: skip
    assert_isomorphic(expected, registry_graph(registry, Minter(BASE)))


# --- The four graphs ---------------------------------------------------------------------------
def test_vocabulary_graphs_have_the_four_named_parts() -> None:
    built = graphs()
    assert set(built) == {"sdg", "vocabulary", "registry", "matrix"}
    sdg = built["sdg"]
    assert len(set(sdg.subjects(RDF.type, SDGO.Goal))) == 17
    assert len(set(sdg.subjects(RDF.type, SDGO.Target))) == 169
    assert all(
        str(g).startswith("http://metadata.un.org/sdg/")
        for g in sdg.subjects(RDF.type, SDGO.Target)
    )


def test_concepts_have_one_english_pref_label_and_a_scheme() -> None:
    vocabulary = graphs()["vocabulary"]
    counts = {kind: 0 for kind in (UNG.ActionLine, UNG.PopulationGroup, UNG.IctTheme,
                                   UNG.ExtractionMethod)}  # fmt: skip
    for kind in counts:
        for concept in vocabulary.subjects(RDF.type, kind):
            counts[kind] += 1
            assert (concept, RDF.type, SKOS.Concept) in vocabulary
            labels = [o for o in vocabulary.objects(concept, SKOS.prefLabel)
                      if isinstance(o, Literal) and o.language == "en"]  # fmt: skip
            assert len(labels) == 1, concept
            assert vocabulary.value(concept, SKOS.inScheme) is not None, concept
    assert counts[UNG.ActionLine] == 19
    notations = {str(o) for o in vocabulary.objects(None, SKOS.notation)}
    assert {"C1", "C7.8", "C11"} <= notations
    assert (URIRef(f"{load_settings().base_iri}id/wsis/C7.6"), UNG.leadFacilitator,
            URIRef(f"{load_settings().base_iri}id/organization/wmo")) in vocabulary  # fmt: skip


def test_same_as_links_only_from_the_verified_table(reference_dir: Path) -> None:
    registry = graphs()["registry"]
    qids = {row.qid for row in load_wikidata(reference_dir / "wikidata_ids.tsv").values()}
    linked = list(registry.subject_objects(OWL.sameAs))
    assert len(linked) >= 195
    for subject, target in linked:
        qid = str(target).removeprefix(str(WD))
        assert QID.match(qid) and qid in qids
        statement = URIRef(f"{subject}#wikidata")
        assert (statement, RDF.object, target) in registry
        assert registry.value(statement, URIRef("http://purl.org/dc/terms/source")) is not None


def test_every_ung_term_the_graphs_use_is_defined_in_the_ontology() -> None:
    path = ontology_path()
    if not path.is_file():
        pytest.skip("ontology/ungraph.ttl is not there yet")
    ontology = Graph().parse(path, format="turtle")
    defined = set(ontology.subjects())
    used = set()
    for graph in graphs().values():
        for s, p, o in graph:
            used |= {t for t in (s, p, o) if isinstance(t, URIRef) and str(t).startswith(str(UNG))}
    assert used, "the graphs use no ung: term"
    assert used <= defined, sorted(used - defined)


def test_graphs_serialise_and_parse_back() -> None:
    for name, graph in graphs().items():
        if name == "sdg":
            continue  # large; parsed from Turtle already
        again = bind_prefixes(Graph()).parse(data=graph.serialize(format="turtle"), format="turtle")
        assert len(again) == len(graph), name


def test_a_copy_of_the_vocabulary_folder_loads_the_same(
    tmp_path: Path, reference_dir: Path
) -> None:
    shutil.copytree(data_dir("vocab"), tmp_path / "vocab")
    copy = Registry.from_files(tmp_path / "vocab", reference_dir / "wikidata_ids.tsv")
    assert set(copy.people) == set(Registry.load(load_settings()).people)


# --- The command ------------------------------------------------------------------------------
def test_vocab_command_lists_and_writes_the_graphs(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ungraph.cli import main

    result = CliRunner().invoke(main, ["vocab", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "sdg", "vocabulary", "registry", "matrix",
    ]  # fmt: skip
    written = Graph().parse(tmp_path / "out" / "vocabulary.ttl", format="turtle")
    assert_isomorphic(graphs()["vocabulary"], written)


def test_vocab_command_fails_with_exit_code_2_on_a_missing_reference_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ungraph.cli import main

    result = CliRunner().invoke(main, ["--reference", str(tmp_path / "none"), "vocab"])
    assert result.exit_code == 2
    assert "reference" in result.output
