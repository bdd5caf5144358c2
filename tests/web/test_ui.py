"""The landing page (live counts, charts from SPARQL answers), search, the query editor and the
queries the pages run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from rdflib import URIRef
from tests.web.soup import fetch_html, one_attr, only_element

from ungraph.stats import collect_stats
from ungraph.store import AskResult, GraphResult, SelectResult, begin_build, open_store
from ungraph.web import prepared
from ungraph.web.catalogue import catalogue, read_query
from ungraph.web.search import SearchIndex, SearchIndexes

if TYPE_CHECKING:
    from tests.web.conftest import Fixture


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _table(figure: Tag) -> dict[str, list[str]]:
    rows = {}
    for tr in figure.select("details table tbody tr"):
        cells = [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        rows[cells[0]] = cells[1:]
    return rows


def test_landing_page_counts_are_the_stores(client: FlaskClient, web_store: str) -> None:
    soup = fetch_html(client, "/")
    counts = {
        li.get_text(" ", strip=True).split(" ", 1)[1]: int(
            only_element(li.find(class_="n")).get_text().replace(",", "")
        )
        for li in soup.select("ul.stats li")
    }
    with open_store(web_store, read_only=True) as store:
        stats = collect_stats(store)
    for kind, number in stats.entities.items():
        assert counts[kind.capitalize()] == number
    assert counts["Documents"] == 3
    assert counts["Triples"] == stats.triples


def test_charts_are_inline_svg_with_text_alternatives(client: FlaskClient) -> None:
    soup = fetch_html(client, "/")
    figures = soup.select("figure.chart")
    assert {f["id"] for f in figures} == {
        "chart-per-year",
        "chart-targets",
        "chart-action-lines",
        "chart-speakers",
        "chart-events",
    }
    for figure in figures:
        svg = figure.find("svg")
        assert isinstance(svg, Tag)
        assert svg["role"] == "img"
        title_id, desc_id = one_attr(svg, "aria-labelledby").split()
        assert only_element(svg.find("title", id=title_id)).get_text()
        assert only_element(svg.find("desc", id=desc_id)).get_text()
        assert only_element(figure.find("details")).find("table") is not None
    # No script is needed for any of it.
    assert not soup.find_all("script")


def test_documents_per_year_chart_has_every_year_from_the_first(client: FlaskClient) -> None:
    figure = fetch_html(client, "/").find(id="chart-per-year")
    assert isinstance(figure, Tag)
    assert _table(figure) == {
        "2015": ["1"],
        "2016": ["0"],
        "2017": ["1"],
        "2018": ["0"],
        "2019": ["0"],
        "2020": ["0"],
        "2021": ["1"],
    }
    assert len(figure.find_all("rect")) == 7


def test_heat_maps_count_documents_and_calls_per_year(client: FlaskClient) -> None:
    soup = fetch_html(client, "/")
    targets = soup.find(id="chart-targets")
    assert isinstance(targets, Tag)
    header = [th.get_text(strip=True) for th in targets.select("details thead th")]
    assert header == ["", "2015", "2016", "2017", "2018", "2019", "2020", "2021"]
    # 9.c: the 2015 document (and its call), the 2021 call; 5.b: 2017 and 2021 documents
    assert _table(targets) == {
        "5.b": ["0", "0", "1", "0", "0", "0", "1"],
        "9.c": ["1", "0", "0", "0", "0", "0", "1"],
    }
    link = targets.find("a", href=re.compile("9.c"))
    assert isinstance(link, Tag)
    lines = soup.find(id="chart-action-lines")
    assert isinstance(lines, Tag)
    assert _table(lines) == {
        "C2": ["1", "0", "0", "0", "0", "0", "0"],
        "C7.3": ["0", "0", "0", "0", "0", "0", "1"],
    }


def test_top_speakers_and_events_link_to_their_pages(client: FlaskClient) -> None:
    soup = fetch_html(client, "/")
    speakers = soup.find(id="chart-speakers")
    assert isinstance(speakers, Tag)
    assert _table(speakers) == {"António Guterres": ["2"], "Ban Ki-moon": ["1"]}
    assert speakers.find("a", href="/page/person/antonio-guterres") is not None
    events = soup.find(id="chart-events")
    assert isinstance(events, Tag)
    assert set(_table(events)) == {
        "Internet Governance Forum 2017",
        "Internet Governance Forum 2021",
        "World Internet Conference 2015",
    }


def test_landing_page_of_an_empty_store(client_on: Callable[..., FlaskClient]) -> None:
    soup = fetch_html(client_on({}), "/")
    assert "No documents yet." in soup.get_text()


def test_landing_page_without_a_store_is_503_json(tmp_path: Path) -> None:
    from ungraph.web import create_app

    app = create_app({"UNGRAPH_STORE": str(tmp_path / "none"), "UNGRAPH_RATE_LIMIT": 0})
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "no store" in response.get_json()["error"]["detail"]


# Search ---------------------------------------------------------------------------------------


def _hits(client: FlaskClient, q: str) -> tuple[BeautifulSoup, list[str]]:
    soup = fetch_html(client, f"/search?q={q}")
    return soup, [one_attr(a, "href") for a in soup.select("ol.results li > a")]


def test_search_finds_words_in_texts_and_highlights_them(client: FlaskClient) -> None:
    soup, hits = _hits(client, "broadband")
    assert hits == ["/page/document/sg-sm-1001"]
    marks = [m.get_text().lower() for m in soup.select("ol.results mark")]
    assert "broadband" in marks
    assert "1 document match" in soup.get_text()


def test_search_all_words_phrases_prefixes_and_accents(client: FlaskClient) -> None:
    assert _hits(client, "digital divide")[1] == ["/page/document/sg-sm-2002"]
    assert _hits(client, '"connect the unconnected"')[1] == ["/page/document/sg-sm-3003"]
    assert _hits(client, '"unconnected the connect"')[1] == []
    assert set(_hits(client, "Internet Governance")[1]) == {
        "/page/document/sg-sm-2002",
        "/page/document/sg-sm-3003",
    }
    assert _hits(client, "broad*")[1] == ["/page/document/sg-sm-1001"]
    # "Antonio" finds "António"
    assert set(_hits(client, "antonio")[1]) == {
        "/page/document/sg-sm-2002",
        "/page/document/sg-sm-3003",
    }


def test_title_matches_rank_first(client: FlaskClient) -> None:
    # Both texts name the Forum; only the 2017 message has it in its title.
    hits = _hits(client, '"Internet Governance Forum"')[1]
    assert hits == ["/page/document/sg-sm-3003", "/page/document/sg-sm-2002"]


@pytest.mark.parametrize("q", ['"', "AND", "OR (", "NEAR(a b)", "*", "a:b", "\\", "%00"])
def test_search_never_fails_on_odd_input(client: FlaskClient, q: str) -> None:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200


def test_empty_search_shows_the_form_only(client: FlaskClient) -> None:
    soup = fetch_html(client, "/search")
    assert soup.find("input", id="q") is not None
    assert soup.find("ol", class_="results") is None
    assert client.get("/search?q=x&page=zero").status_code == 400


def test_search_index_per_store_version_on_disk(tmp_path: Path, fresh_fixture: Fixture) -> None:
    location = str(tmp_path / "store")
    with begin_build(location, seed=False) as build:
        for graph, data in fresh_fixture.graphs.items():
            build.store.replace_graph(graph, data)
    folder = tmp_path / "search"
    indexes = SearchIndexes(folder)
    first = open_store(location, read_only=True)
    index = indexes.get(first)
    assert len(index) == 3
    files = list(folder.glob("search-*.sqlite"))
    assert [f.name for f in files] == [f"search-{first.version}.sqlite"]
    # the same version again: the same index object, no rebuild
    assert indexes.get(open_store(location, read_only=True)) is index
    # a new build: a new index that sees the change
    document = fresh_fixture.id("document/sg-sm-3003")
    with begin_build(location) as build:
        build.store.drop_graph(str(fresh_fixture.minter.document_graph(document)))
    second = open_store(location, read_only=True)
    assert second.version != first.version
    assert len(indexes.get(second)) == 2
    assert (folder / f"search-{second.version}.sqlite").is_file()
    # a second process (another worker) opens the file instead of building again
    reopened = SearchIndex.open(folder / f"search-{second.version}.sqlite")
    assert reopened.search("unconnected").total == 0
    assert reopened.search("broadband").total == 1


# Query editor ---------------------------------------------------------------------------------


def test_editor_page_preloads_the_catalogue(client: FlaskClient) -> None:
    import json

    soup = fetch_html(client, "/query")
    data = json.loads(only_element(soup.find("script", id="catalogue")).get_text())
    assert data == [q.to_json() for q in catalogue()]
    root = soup.find(id="yasgui")
    assert isinstance(root, Tag) and one_attr(root, "data-endpoint").endswith("/sparql")
    # the plain form works without JavaScript
    form = soup.select_one(".editor-fallback form")
    assert form is not None and form["action"] == root["data-endpoint"]
    assert soup.find("label", attrs={"for": "plain-query"}) is not None


def test_editor_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    soup = fetch_html(client, "/query")
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
        for element in soup.find_all(tag):
            value = element.get(attribute)
            if value:
                assert isinstance(value, str), value
                assert value.startswith("/"), value
    script = Path(__file__).resolve().parents[2] / "src/ungraph/web/static/js/editor.js"
    text = script.read_text("utf-8")
    assert "prefixCcApi = null" in text
    assert re.search(r"https?://", text) is None


def test_editor_serves_yasgui_when_installed(client: FlaskClient) -> None:
    vendor = Path(__file__).resolve().parents[2] / "src/ungraph/web/static/vendor/yasgui"
    soup = fetch_html(client, "/query")
    scripts = [s.get("src") for s in soup.find_all("script") if s.get("src")]
    if (vendor / "yasgui.min.js").is_file():
        assert "/static/vendor/yasgui/yasgui.min.js" in scripts
        with client.get("/static/vendor/yasgui/yasgui.min.js") as script:
            assert script.status_code == 200
    else:
        assert scripts == []
        assert "make ui-assets" in soup.get_text()


def test_catalogue_headers_of_the_real_files() -> None:
    # Every catalogue query has a summary in its header (the editor titles its tab with it).
    for query in catalogue():
        assert query.header.get("summary"), f"{query.name}.rq has no '#+ summary:' header"


def test_catalogue_reads_a_query_file(tmp_path: Path) -> None:
    path = tmp_path / "07-documents-by-year.rq"
    path.write_text(
        "#+ summary: Documents per year\n#+ tags:\n#+   - documents\nSELECT * WHERE { ?s ?p ?o }\n",
        "utf-8",
    )
    query = read_query(path)
    assert query.name == "07-documents-by-year"
    assert query.summary == "Documents per year"
    assert query.header["tags"] == ["documents"]
    assert query.text.endswith("SELECT * WHERE { ?s ?p ?o }\n")


# The pages' own queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", prepared.query_paths(), ids=lambda p: p.stem)
def test_every_page_query_runs_on_the_fixture(
    path: Path, web_store: str, fixture_graph: Fixture
) -> None:
    text = path.read_text("utf-8")
    assert text.startswith("# "), f"{path.name} starts with a comment saying what it answers"
    values = {"this": URIRef(fixture_graph.id("document/sg-sm-1001")), "needle": "digital"}
    with open_store(web_store, read_only=True) as store:
        result = store.query(prepared.bind(text, values))
        rows: list[object]
        if isinstance(result, AskResult):
            rows = [True] if result.value else []
        else:
            assert isinstance(result, SelectResult | GraphResult)
            rows = list(result)
    if path.stem.startswith(("chart-", "search-", "document-", "resource-")):
        assert rows, f"{path.name} found nothing in the fixture"


def test_page_queries_are_shipped_in_the_package() -> None:
    import ungraph.web

    folder = Path(ungraph.web.__file__).parent / "queries"
    assert {p.name for p in prepared.query_paths()} == {p.name for p in folder.glob("*.rq")}
    assert len(prepared.query_paths()) >= 20
