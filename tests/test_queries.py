"""The query catalogue (``queries/*.rq``): every real file has its headers, parses, runs on the
graph ``ungraph build`` makes of the corpus, and returns the rows its question must find; the
parameters are bound as typed terms and nothing else; the federated query parses but is never
run here.

Expected rows are facts of the corpus as its gold annotations record them (who delivered which
message, which editions of the IGF the texts address...); values from the reference data
(Wikidata identifiers, the WSIS–SDG matrix, UNBIS) are read from ../shared/reference, never
written here.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from ungraph.resources import query_paths
from ungraph.store import GraphStore, SelectResult, open_store
from ungraph.web.catalogue import (
    PARAMETER_TYPES,
    CatalogueQuery,
    HeaderError,
    ParameterValueError,
    bind_parameters,
    catalogue,
    read_query,
)
from ungraph.web.lexer import ScreeningError, screen, tokens

BASE = "https://w3id.org/ungraph/"
ID = BASE + "id/"
SDG = "http://metadata.un.org/sdg/"
UNG = "https://w3id.org/ungraph/ontology#"
CALL_KINDS = {UNG + "Call", UNG + "Commitment", UNG + "Exhortation"}

Row = dict[str, str]


# Reading the answers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(corpus_store: str) -> Iterator[GraphStore]:
    with open_store(corpus_store, read_only=True) as opened:
        yield opened


def run(store: GraphStore, text: str) -> list[Row]:
    """The rows of a SELECT answer, every bound value as its string form."""
    result = store.query(text)
    assert isinstance(result, SelectResult)
    return [
        {
            name: str(value)
            for name, value in zip(result.variables, row, strict=True)
            if value is not None
        }
        for row in result
    ]


def answer(store: GraphStore, name: str, **values: str) -> list[Row]:
    return run(store, bind_parameters(_query(name), values, BASE))


def _query(name: str) -> CatalogueQuery:
    for query in catalogue():
        if query.name == name:
            return query
    raise AssertionError(f"no catalogue query {name}")


def has(rows: list[Row], **expected: str) -> bool:
    return any(all(row.get(k) == v for k, v in expected.items()) for row in rows)


def document_text(store: GraphStore, document: str) -> str:
    rows = run(store, f"SELECT ?t WHERE {{ <{document}> <{UNG}text> ?t }} LIMIT 1")
    return rows[0]["t"]


def reference_rows(reference_dir: Path, name: str) -> list[dict[str, str]]:
    with (reference_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# What each query must answer -------------------------------------------------------------------------


@dataclass
class Case:
    """A query, the parameters to give it, and checks on its rows (``check(rows, store, ref)``)."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    check: Callable[[list[Row], GraphStore, Path], None] = lambda rows, store, ref: None


def _targets_2015(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert rows and {r["year"] for r in rows} == {"2015"}
    # SG/SM/17419 names ICT targets: 9.c found by explicit mention, its passage verbatim.
    seed = [r for r in rows if r.get("symbol") == "SG/SM/17419" and r["code"] == "9.c"]
    assert any(r["method"] == ID + "method/explicit-mention" for r in seed)
    assert has(rows, symbol="SG/SM/17419", speakerName="Ban Ki-moon")
    for row in rows:
        assert row["passage"] in document_text(store, row["document"])
        assert row["target"] == SDG + row["code"]


def _delivered(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(
        rows,
        symbol="SG/SM/17419",
        delivererName="Wu Hongbo",
        speakerName="Ban Ki-moon",
        delivererPost=ID + "post/usg-economic-and-social-affairs",
        event=ID + "event/world-internet-conference-2015",
    )
    assert has(
        rows,
        symbol="SG/SM/11272",
        date="2007-11-12",
        delivererName="Sha Zukang",
        event=ID + "event/internet-governance-forum-2007",
    )
    assert all(r["deliverer"] != r["speaker"] for r in rows)


def _women_and_girls(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert len(rows) >= 3
    assert {r["kind"] for r in rows} <= CALL_KINDS
    for row in rows:
        assert set(row["groups"].split("; ")) & {"women and girls", "girls", "women", "young women"}
        assert row["sentence"] in document_text(store, row["document"])
    # A narrower group counts: the International Day of the Girl Child 2023 calls for girls.
    assert has(rows, symbol="UNIS/SGSM/1355", groups="girls")


def _action_lines(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(rows, year="2015", code="C5")
    by_year: dict[str, list[int]] = {}
    for row in rows:
        by_year.setdefault(row["year"], []).append(int(row["documents"]))
    for counts in by_year.values():
        assert counts == sorted(counts, reverse=True), "busiest first within a year"


def _matrix_c5(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert {r["lineCode"] for r in rows} == {"C5"}
    matrix = {
        r["sdg_target"]
        for r in reference_rows(ref, "wsis_sdg_matrix.tsv")
        if r["action_line"] == "C5" and r["sdg_target"]
    }
    assert {r["code"] for r in rows if r["inMatrix"] == "true"} == matrix
    # SG/SM/17419 addresses C5 and 9.c: the texts pair them, as the matrix does.
    assert int(next(r for r in rows if r["code"] == "9.c")["documents"]) >= 1
    for row in rows:
        if row["inMatrix"] == "false":
            assert int(row["documents"]) >= 1, "a pairing outside the matrix comes from a text"


def _igf(rows: list[Row], store: GraphStore, ref: Path) -> None:
    years = {r["year"] for r in rows}
    assert {"2006", "2007", "2017", "2023"} <= years
    assert {r["seriesLabel"] for r in rows} == {"Internet Governance Forum"}
    assert has(rows, year="2006", speakerName="Kofi Annan", placeLabel="Athens")
    assert has(rows, year="2007", symbol="SG/SM/11272", speakerName="Ban Ki-moon")
    assert has(rows, year="2023", symbol="SG/SM/21983", speakerName="António Guterres")


def _wtisd(rows: list[Row], store: GraphStore, ref: Path) -> None:
    years = {r["year"] for r in rows}
    assert {"2005", "2013", "2018", "2021"} <= years
    assert has(rows, year="2005", symbol="SG/SM/9852", speakerName="Kofi Annan")


def _cybersecurity(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(rows, symbol="SG/SM/17419", year="2015")
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)


def _posts_held(rows: list[Row], store: GraphStore, ref: Path) -> None:
    sg = "Secretary-General of the United Nations"
    assert has(rows, speakerName="Ban Ki-moon", date="2015-12-16", postLabel=sg)
    assert has(rows, speakerName="Kofi Annan", date="2005-05-03", postLabel=sg)
    assert has(rows, speakerName="António Guterres", date="2017-12-18", postLabel=sg)
    for row in rows:
        if "termStart" in row:
            day = row["date"]
            assert row["termStart"][: len(day)] <= day
            assert "termEnd" not in row or day <= row["termEnd"][: len(day)]


def _implicit_only(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert rows
    named = {
        r["target"]
        for r in run(
            store,
            f"""PREFIX ung: <{UNG}> PREFIX oa: <http://www.w3.org/ns/oa#>
            SELECT DISTINCT ?target WHERE {{ ?a ung:linkProperty ung:addressesTarget ;
              oa:hasBody ?target ; ung:method <{ID}method/explicit-mention> }}""",
        )
    }
    assert SDG + "9.c" in named, "SG/SM/17419 names target 9.c"
    assert not named & {r["target"] for r in rows}


def _documents_per_year(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(rows, year="2015", kind=UNG + "Message")
    assert has(rows, year="2015", kind=UNG + "MeetingCoverage")
    assert sum(int(r["documents"]) for r in rows if r["kind"] != UNG + "PressRelease") >= 30


def _who_spoke(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(
        rows,
        seriesLabel="Internet Governance Forum",
        year="2007",
        speakerName="Ban Ki-moon",
        delivererName="Sha Zukang",
    )
    assert has(
        rows, seriesLabel="World Internet Conference", year="2015", delivererName="Wu Hongbo"
    )


def _calls_by_kind(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert {r["kind"] for r in rows} == CALL_KINDS
    assert has(rows, kind=UNG + "Call", actor=ID + "person/ban-ki-moon")


def _commitments(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert rows and {r["kind"] for r in rows} == {UNG + "Commitment"}


def _evidence_9c(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert {r["target"] for r in rows} == {SDG + "9.c"}
    assert has(rows, symbol="SG/SM/17419", methodLabel="explicit mention")
    for row in rows:
        text = document_text(store, row["document"])
        assert text[int(row["start"]) : int(row["end"])] == row["passage"]


def _ai_and_cyber(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(rows, symbol="SG/SM/17419")  # cybersecurity, 2015
    assert has(rows, symbol="SG/SM/22741")  # the World AI Conference, 2025
    for row in rows:
        assert {"artificial intelligence", "AI governance", "cybersecurity"} & set(
            row["themes"].split("; ")
        ) or "critical information infrastructure" in row["themes"]


def _groups_per_year(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(rows, year="2015", group=ID + "group/women-and-girls")


def _places(rows: list[Row], store: GraphStore, ref: Path) -> None:
    qids = {(r["kind"], r["key"]): r["qid"] for r in reference_rows(ref, "wikidata_ids.tsv")}
    china = next(r for r in rows if r["place"] == ID + "country/chn")
    assert china["iso3"] == "CHN"
    assert china["wikidata"] == "http://www.wikidata.org/entity/" + qids[("country", "CHN")]
    assert has(rows, place=ID + "place/wuzhen", country=ID + "country/chn")
    for row in rows:
        if "wikidata" in row:
            assert row["wikidata"].rsplit("/", 1)[1] in set(qids.values())


def _deliverers(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert has(
        rows,
        post=ID + "post/usg-economic-and-social-affairs",
        delivererName="Wu Hongbo",
        onBehalfOf="Ban Ki-moon",
    )
    assert has(rows, delivererName="Stéphane Dujarric", onBehalfOf="António Guterres")


def _goal_9(rows: list[Row], store: GraphStore, ref: Path) -> None:
    assert {r["goal"] for r in rows} == {SDG + "9"}
    seed = next(r for r in rows if r.get("symbol") == "SG/SM/17419")
    assert "9.c" in seed["targets"].split() and seed["ictRelated"] == "true"


def _ict_targets(rows: list[Row], store: GraphStore, ref: Path) -> None:
    # The seven targets whose text names ICT or whose indicator ITU or UIS keeps (not the
    # "related" ones).
    ict = {
        SDG + r["target"]
        for r in reference_rows(ref, "sdg_ict_targets.tsv")
        if r["basis"] != "related"
    }
    assert {r["target"] for r in rows} == ict and len(ict) == 7
    years = {r["year"] for r in rows}
    assert len(rows) == 7 * len(years), "every target in every year, zeros included"
    seed_year = next(r for r in rows if r["year"] == "2015" and r["target"] == SDG + "9.c")
    assert int(seed_year["documents"]) >= 1
    assert any(r["documents"] == "0" for r in rows)


def _fact_sheet(rows: list[Row], store: GraphStore, ref: Path) -> None:
    seed = ID + "document/sg-sm-17419"
    assert {r["document"] for r in rows} == {seed}
    assert has(rows, about=seed, property=UNG + "primarySymbol", value="SG/SM/17419")
    assert has(rows, about=seed + "/speech/1", property=UNG + "deliveredBy", valueLabel="Wu Hongbo")
    assert has(rows, about=seed + "/call/3", property=UNG + "actor", valueLabel="Ban Ki-moon")
    assert not has(rows, about=seed, property=UNG + "text")


def _people(rows: list[Row], store: GraphStore, ref: Path) -> None:
    people = {r["key"]: r for r in reference_rows(ref, "wikidata_ids.tsv") if r["kind"] == "person"}
    assert {r["person"] for r in rows} == {ID + "person/" + key for key in people}
    for row in rows:
        source = people[row["person"].rsplit("/", 1)[1]]
        assert row["wikidata"] == "http://www.wikidata.org/entity/" + source["qid"]
        assert source["source1"] in row["sources"]
    assert int(next(r for r in rows if r["name"] == "Ban Ki-moon")["documentsSpokenIn"]) >= 5


def _editions_without(rows: list[Row], store: GraphStore, ref: Path) -> None:
    years = {r["year"] for r in rows}
    assert "2008" in years and "2016" in years
    assert not years & {"2006", "2007", "2017", "2023"}, "editions the texts address"


def _authorities(rows: list[Row], store: GraphStore, ref: Path) -> None:
    wikidata = reference_rows(ref, "wikidata_ids.tsv")
    same_as = "http://www.w3.org/2002/07/owl#sameAs"
    count = {(r["authority"], r["property"], r.get("kind")): int(r["links"]) for r in rows}
    for kind, ung_class in (
        ("person", "Person"),
        ("country", "Country"),
        ("organization", "Organization"),
    ):
        expected = sum(1 for r in wikidata if r["kind"] == kind)
        assert count[("Wikidata", same_as, UNG + ung_class)] == expected
    assert (
        count[
            (
                "SDGIO",
                "http://www.w3.org/2004/02/skos/core#exactMatch",
                "http://metadata.un.org/sdg/ontology#Target",
            )
        ]
        == 169
    )


def _themes(rows: list[Row], store: GraphStore, ref: Path) -> None:
    unbis = {r["uri"] for r in reference_rows(ref, "unbis_ict_subset.tsv")}
    cyber = next(r for r in rows if r["theme"] == ID + "theme/cybersecurity")
    assert cyber["unbisConcepts"] and set(cyber["unbisConcepts"].split()) <= unbis
    assert int(cyber["documents"]) >= 1
    for row in rows:
        assert set(row.get("unbisConcepts", "").split()) <= unbis


CASES: list[Case] = [
    Case("01-sdg-targets-linked-to-ict-by-year", {"year": "2015"}, _targets_2015),
    Case("02-messages-delivered-on-behalf", {}, _delivered),
    Case("03-calls-to-action-concerning-a-group", {}, _women_and_girls),
    Case("04-wsis-action-lines-most-addressed-per-year", {}, _action_lines),
    Case("05-action-line-targets-matrix-versus-texts", {}, _matrix_c5),
    Case("06-event-series-editions-and-what-was-said", {}, _igf),
    Case(
        "06-event-series-editions-and-what-was-said",
        {"series": ID + "event-series/world-telecommunication-and-information-society-day"},
        _wtisd,
    ),
    Case("07-documents-mentioning-a-theme-over-time", {}, _cybersecurity),
    Case(
        "07-documents-mentioning-a-theme-over-time",
        {"theme": ID + "theme/multilingualism"},
        lambda rows, store, ref: _cybersecurity(rows, store, ref),
    ),
    Case("08-speakers-and-the-posts-they-held", {}, _posts_held),
    Case("09-targets-addressed-only-implicitly", {}, _implicit_only),
    Case("11-documents-per-year-and-kind", {}, _documents_per_year),
    Case("12-who-spoke-at-which-event-edition", {}, _who_spoke),
    Case("13-calls-to-action-by-kind-and-actor", {}, _calls_by_kind),
    Case("13-calls-to-action-by-kind-and-actor", {"kind": UNG + "Commitment"}, _commitments),
    Case("14-evidence-passages-for-a-target", {}, _evidence_9c),
    Case("15-documents-about-ai-and-cybersecurity", {}, _ai_and_cyber),
    Case("16-groups-most-addressed-per-year", {}, _groups_per_year),
    Case("17-countries-and-places-mentioned", {}, _places),
    Case("18-deliverers-by-post", {}, _deliverers),
    Case("19-documents-linked-to-a-goal-with-ict-relevance", {}, _goal_9),
    Case("20-ict-targets-coverage-over-time", {}, _ict_targets),
    Case("21-document-fact-sheet-by-symbol", {}, _fact_sheet),
    Case("22-people-with-wikidata-links", {}, _people),
    Case("23-event-editions-without-documents", {}, _editions_without),
    Case("24-outbound-links-by-authority", {}, _authorities),
    Case("25-ict-themes-and-unbis-concepts", {}, _themes),
]


# The files themselves ---------------------------------------------------------------------------


def test_the_catalogue_is_the_files() -> None:
    queries = catalogue()
    assert [q.name for q in queries] == [p.stem for p in query_paths()]
    assert len(queries) >= 20
    # Every runnable query has its assertions in CASES, so a broken one fails.
    runnable = {q.name for q in queries if not q.federated}
    assert runnable == {case.name for case in CASES}
    assert [q.name for q in queries if q.federated] == ["10-federated-people-on-wikidata"]


@pytest.mark.parametrize("path", query_paths(), ids=lambda p: p.stem)
def test_headers(path: Path) -> None:
    assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)+", path.stem), "NN-intent-name.rq"
    query = read_query(path)
    assert query.header.get("summary"), "#+ summary:"
    assert query.header.get("description"), "#+ description:"
    assert query.tags, "#+ tags:"
    assert query.header.get("method") == "GET"
    for parameter in query.parameters:
        assert parameter.type in PARAMETER_TYPES
        assert f"?{parameter.variable}" in query.text
    # Comments say what a query answers and why it is written so.
    assert "#+ summary:" in path.read_text("utf-8").splitlines()[0]


@pytest.mark.parametrize("path", query_paths(), ids=lambda p: p.stem)
def test_parses_with_oxigraph(path: Path) -> None:
    query = read_query(path)
    text = query.text
    if query.federated:
        # Oxigraph would send the SERVICE request if it ran the query: parse the full text with
        # rdflib's parser (which never runs it), and the rest with Oxigraph with the SERVICE
        # clause's keyword and endpoint removed, so that its group is parsed as a plain group.
        prepareQuery(text)
        found = [t for t in tokens(text) if t.kind == "word" and t.text.upper() == "SERVICE"]
        assert len(found) == 1
        text = re.sub(r"SERVICE\s*<[^>]*>", "", text)
    ox.Store().query(text)


@pytest.mark.parametrize("query", [q for q in catalogue() if not q.federated], ids=lambda q: q.name)
def test_runs_as_written_with_free_parameters(store: GraphStore, query: CatalogueQuery) -> None:
    # The file alone (the editor's tab) runs and finds something: a free parameter means any.
    assert run(store, query.text), f"{query.name} finds nothing as written"


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.name}{'-' + '-'.join(c.values) if c.values else ''}"
)
def test_answers(store: GraphStore, reference_dir: Path, case: Case) -> None:
    rows = answer(store, case.name, **case.values)
    assert rows, f"{case.name} with {case.values or 'its defaults'} found nothing"
    case.check(rows, store, reference_dir)


# Parameters --------------------------------------------------------------------------------------


def test_defaults_are_bound_and_can_be_overridden_or_emptied(store: GraphStore) -> None:
    name = "03-calls-to-action-concerning-a-group"
    default = answer(store, name)
    developing = answer(store, name, group=ID + "group/developing-countries")
    anyone = answer(store, name, group="")
    assert developing and {r["call"] for r in default} != {r["call"] for r in developing}
    assert {r["call"] for r in default} | {r["call"] for r in developing} <= {
        r["call"] for r in anyone
    }


def test_a_parameter_in_a_comment_string_or_iri_is_left_alone() -> None:
    query = CatalogueQuery(
        "x",
        "x",
        '# ?_year_integer in a comment\nSELECT * WHERE { ?s <http://e/?_year_integer> "?_year_integer" '
        "FILTER(?y = ?_year_integer) }",
        parameters=(read_query(query_paths()[0]).parameters),
    )
    bound = bind_parameters(query, {"year": "2015"})
    assert bound.count("?_year_integer") == 3
    assert 'FILTER(?y = "2015"^^<http://www.w3.org/2001/XMLSchema#integer>)' in bound


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        (
            "01-sdg-targets-linked-to-ict-by-year",
            {"year": "2015 } UNION { ?s ?p ?o"},
            "not an integer",
        ),
        ("14-evidence-passages-for-a-target", {"target": "http://e.org/> ?p ?o . <x:y"}, "IRI"),
        ("14-evidence-passages-for-a-target", {"target": "id/group/youth"}, "absolute IRI"),
        (
            "02-messages-delivered-on-behalf",
            {"speaker": ID + "person/ban-ki-moon"},
            "no such parameter",
        ),
    ],
)
def test_bad_values_are_refused(name: str, values: dict[str, str], message: str) -> None:
    with pytest.raises(ParameterValueError, match=message):
        bind_parameters(_query(name), values, BASE)


def test_a_string_parameter_cannot_escape_its_literal(store: GraphStore) -> None:
    rows = answer(store, "21-document-fact-sheet-by-symbol", symbol='SG/SM/17419" } ?s ?p ?o {')
    assert rows == []
    assert {
        r["document"]
        for r in answer(store, "21-document-fact-sheet-by-symbol", symbol="SG/SM/9852")
    } == {ID + "document/sg-sm-9852"}


def test_header_and_variables_must_agree(tmp_path: Path) -> None:
    path = tmp_path / "01-example-query.rq"
    path.write_text("#+ summary: x\nSELECT * WHERE { ?s ?p ?_thing_iri }\n", "utf-8")
    with pytest.raises(HeaderError, match="not declared"):
        read_query(path)
    path.write_text(
        "#+ summary: x\n#+ params:\n#+   - year_integer: 20x5\nSELECT * WHERE { ?s ?p ?_year_integer }\n",
        "utf-8",
    )
    with pytest.raises(HeaderError, match="default"):
        read_query(path)
    path.write_text(
        "#+ summary: x\n#+ params:\n#+   - year_integer:\nSELECT * WHERE { ?s ?p ?o }\n", "utf-8"
    )
    with pytest.raises(HeaderError, match="does not use it"):
        read_query(path)


def test_the_federated_query_is_refused_by_the_endpoint_screening() -> None:
    federated = _query("10-federated-people-on-wikidata")
    assert "federated" in federated.tags
    assert "https://query.wikidata.org/sparql" in federated.text
    with pytest.raises(ScreeningError, match="SERVICE"):
        screen(federated.text, BASE + "sparql")


def test_queries_are_shipped_in_the_package() -> None:
    # The wheel carries queries/ under ungraph/_data (pyproject force-include).
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8")
    assert '"queries" = "ungraph/_data/queries"' in text
