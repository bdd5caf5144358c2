"""The catalogue on the web (``/queries``, ``/queries/NAME`` in every format with parameters),
the JSON-LD context, framed JSON-LD per document and the "Link to ungraph" page, served from the
graph ``ungraph build`` makes of the corpus."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from tests.web.soup import fetch_html, one_attr, only_element

from ungraph.export import ExportOptions, export
from ungraph.formats import NTRIPLES
from ungraph.store import open_store
from ungraph.web import create_app
from ungraph.web.catalogue import catalogue
from ungraph.web.linking import context_version

BASE = "https://w3id.org/ungraph/"
ID = BASE + "id/"
SEED = ID + "document/sg-sm-17419"
DELIVERED = "/queries/02-messages-delivered-on-behalf"
GROUP = "/queries/03-calls-to-action-concerning-a-group"


@pytest.fixture(scope="module")
def downloads(corpus_store: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalogue-dumps")
    with open_store(corpus_store, read_only=True) as store:
        export(store, out, ExportOptions(base_iri=BASE))
    return out


@pytest.fixture(scope="module")
def client(
    corpus_store: str, downloads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    app = create_app(
        {
            "UNGRAPH_STORE": corpus_store,
            "UNGRAPH_QUERY_WORKERS": 0,
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_DOWNLOADS": str(downloads),
            "UNGRAPH_SEARCH_DIR": str(tmp_path_factory.mktemp("search")),
            "TESTING": True,
        }
    )
    with app.test_client() as test_client:
        yield test_client
    app.extensions["ungraph"].close()


def _csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


# /queries ------------------------------------------------------------------------------------------


def test_listing_shows_every_query_with_summary_tags_and_parameters(client: FlaskClient) -> None:
    soup = fetch_html(client, "/queries")
    rows = soup.select("table.catalogue-list tbody tr")
    queries = catalogue()
    assert [row["id"] for row in rows] == [q.name for q in queries]
    for row, query in zip(rows, queries, strict=True):
        link = row.find("a")
        assert link is not None and link.get_text(strip=True) == query.summary
        assert link["href"] == f"/queries/{query.name}"
        badges = [b.get_text() for b in row.select("td .badge")]
        assert badges == list(query.tags)
        for parameter in query.parameters:
            assert parameter.name in row.get_text()
    federated = soup.find("tr", id="10-federated-people-on-wikidata")
    assert federated is not None and "not run here" in federated.get_text()
    # Navigation reaches the catalogue and the linking page from every page.
    nav = [a["href"] for a in soup.select("header nav a")]
    assert "/queries" in nav and "/link" in nav


def test_listing_as_json(client: FlaskClient) -> None:
    for response in (
        client.get("/queries.json"),
        client.get("/queries", headers={"Accept": "application/json"}),
    ):
        assert response.status_code == 200 and response.mimetype == "application/json"
        entries = response.get_json()
        assert [e["name"] for e in entries] == [q.name for q in catalogue()]
        group = next(e for e in entries if e["name"] == GROUP.rsplit("/", 1)[1])
        assert group["parameters"] == [
            {"name": "group", "type": "iri", "default": "id/group/women-and-girls"}
        ]
        assert group["query"].startswith("#+ summary:")


# /queries/NAME -------------------------------------------------------------------------------------


def test_page_shows_form_answer_and_query(client: FlaskClient) -> None:
    soup = fetch_html(client, DELIVERED)
    assert only_element(soup.find("h1")).get_text(strip=True).startswith("Messages delivered")
    field = soup.find("input", id="param-post")
    assert field is not None and field["value"] == "id/post/un-secretary-general"
    assert soup.find("label", attrs={"for": "param-post"}) is not None
    table = soup.select_one("table.results")
    assert table is not None
    headers = [th.get_text() for th in table.select("thead th")]
    assert "delivererName" in headers
    # Resource cells link to their pages on this server.
    assert table.find("a", href="/page/person/wu-hongbo") is not None
    assert "Sha Zukang" in table.get_text()
    assert "ung:speakerRole" in only_element(soup.select_one("pre.sparql")).get_text()
    downloads = {a.get_text(): a["href"] for a in soup.select("p.formats a")}
    assert downloads["CSV"] == f"{DELIVERED}.csv"


@pytest.mark.parametrize(
    ("how", "media_type"),
    [
        ({"path": ".json"}, "application/sparql-results+json"),
        ({"path": ".xml"}, "application/sparql-results+xml"),
        ({"path": ".csv"}, "text/csv"),
        ({"path": ".tsv"}, "text/tab-separated-values"),
        ({"query": "?format=csv"}, "text/csv"),
        ({"accept": "text/csv"}, "text/csv"),
        ({"accept": "application/sparql-results+json"}, "application/sparql-results+json"),
    ],
)
def test_answers_in_each_format(client: FlaskClient, how: dict[str, str], media_type: str) -> None:
    url = DELIVERED + how.get("path", "") + how.get("query", "")
    headers = {"Accept": how["accept"]} if "accept" in how else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    data = response.get_data()
    if media_type == "text/csv":
        rows = _csv(data)
    elif media_type == "text/tab-separated-values":
        rows = [{k.lstrip("?"): v.strip('"') for k, v in r.items()} for r in _csv(data, "\t")]
    elif media_type.endswith("json"):
        rows = [
            {k: v["value"] for k, v in b.items()} for b in json.loads(data)["results"]["bindings"]
        ]
    else:
        assert b"Wu Hongbo" in data and b"Sha Zukang" in data
        return
    assert any(r.get("delivererName", "").startswith("Wu Hongbo") for r in rows)
    assert any(r.get("delivererName", "").startswith("Sha Zukang") for r in rows)
    if "accept" in how:
        assert "Accept" in response.headers["Vary"]


def test_parameters_come_from_the_url(client: FlaskClient) -> None:
    default = _csv(client.get(f"{GROUP}.csv").get_data())
    developing = _csv(client.get(f"{GROUP}.csv?group={ID}group/developing-countries").get_data())
    anyone = _csv(client.get(f"{GROUP}.csv?group=").get_data())
    assert default and developing
    assert {r["call"] for r in default} != {r["call"] for r in developing}
    assert {r["call"] for r in default} | {r["call"] for r in developing} <= {
        r["call"] for r in anyone
    }
    # The page's form keeps the value given and its download links carry it.
    soup = fetch_html(client, f"{GROUP}?group={ID}group/developing-countries")
    assert (
        only_element(soup.find("input", id="param-group"))["value"]
        == f"{ID}group/developing-countries"
    )
    csv_link = next(
        one_attr(a, "href") for a in soup.select("p.formats a") if a.get_text() == "CSV"
    )
    assert csv_link.startswith(f"{GROUP}.csv?group=")


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/queries/01-sdg-targets-linked-to-ict-by-year.json?year=2015%20UNION", 400),
        (f"{GROUP}.json?group=http://e.org/%3E%20?s%20?p%20?o", 400),
        (f"{DELIVERED}.json?speaker=x", 400),
        ("/queries/no-such-query", 404),
        (f"{DELIVERED}.xyz", 404),
        (f"{DELIVERED}.ttl", 406),
        ("/queries/10-federated-people-on-wikidata.csv", 400),
    ],
)
def test_errors_have_the_json_shape(client: FlaskClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and error["detail"] and error["request_id"]


def test_a_bad_value_on_the_page_says_why(client: FlaskClient) -> None:
    soup = fetch_html(
        client, "/queries/01-sdg-targets-linked-to-ict-by-year?year=twenty", status=400
    )
    alert = soup.find(None, {"role": "alert"})
    assert alert is not None and "year" in alert.get_text() and "integer" in alert.get_text()


def test_the_federated_query_is_shown_not_run(client: FlaskClient) -> None:
    soup = fetch_html(client, "/queries/10-federated-people-on-wikidata")
    assert "federated" in soup.get_text()
    assert soup.select_one("table.results") is None
    assert (
        "SERVICE <https://query.wikidata.org/sparql>"
        in only_element(soup.select_one("pre.sparql")).get_text()
    )


def test_the_catalogue_runs_through_the_endpoint_s_worker_processes(
    corpus_store: str, tmp_path: Path
) -> None:
    app = create_app(
        {
            "UNGRAPH_STORE": corpus_store,
            "UNGRAPH_QUERY_WORKERS": 1,
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_SEARCH_DIR": str(tmp_path),
        }
    )
    try:
        response = app.test_client().get(f"{DELIVERED}.csv")
        assert response.status_code == 200
        assert "Wu Hongbo" in response.get_data(as_text=True)
        status = app.extensions["ungraph"].extras["executor"].status()
        assert status["mode"] != "inline" and status.get("restarts", 0) == 0
    finally:
        app.extensions["ungraph"].extras["executor"].close()
        app.extensions["ungraph"].close()


# Context, framed JSON-LD, linking page ---------------------------------------------------------------


def test_the_context_is_served_at_its_versioned_address(
    client: FlaskClient, downloads: Path
) -> None:
    response = client.get(f"/context/{context_version()}.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    served = response.get_json()
    # The same context the export writes beside the dumps.
    exported = json.loads(next(downloads.glob("context-*.jsonld")).read_text("utf-8"))
    assert served == exported
    assert served["@context"]["speaker"] == {"@id": "ung:speaker", "@type": "@id"}
    assert client.get("/context/9.9.jsonld").status_code == 404


def _loader(client: FlaskClient) -> Any:
    context = client.get(f"/context/{context_version()}.jsonld").get_json()

    def load(url: str, options: Any = None) -> dict[str, Any]:
        assert url == f"{BASE}context/{context_version()}.jsonld", url
        return {"contextUrl": None, "documentUrl": url, "document": context}

    return load


def test_a_document_as_one_framed_json_object(client: FlaskClient, corpus_store: str) -> None:
    response = client.get("/data/document/sg-sm-17419.framed.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert 'profile="http://www.w3.org/ns/json-ld#framed"' in response.headers["Content-Type"]
    doc = response.get_json()
    assert doc["@context"][0] == f"{BASE}context/{context_version()}.jsonld"
    assert doc["id"] == SEED and "Document" in doc["type"]
    speech = doc["recordsSpeechAct"]
    assert speech["speaker"]["label"] == "Ban Ki-moon"
    assert speech["deliveredBy"]["label"] == "Wu Hongbo"
    assert speech["addressedTo"]["label"] == "World Internet Conference 2015"
    calls = {c["id"]: c for c in doc["callsToAction"]}
    call = calls[SEED + "/call/3"]
    assert "Call" in call["type"] and call["actor"]["label"] == "Ban Ki-moon"
    themes = call["hasTheme"] if isinstance(call["hasTheme"], list) else [call["hasTheme"]]
    assert {"affordability", "multilingualism"} <= {t["prefLabel"] for t in themes}
    # Each link's evidence: the passage's quote is the text at its offsets.
    text = doc["text"]
    for evidence in doc["evidence"]:
        for selector in evidence["passage"]["selector"]:
            if "exact" in selector:
                position = next(s for s in evidence["passage"]["selector"] if "start" in s)
                assert text[position["start"] : position["end"]] == selector["exact"]
    # Read back as RDF, it says exactly what the store says of the document and its parts.
    nquads = jsonld.to_rdf(
        doc, {"documentLoader": _loader(client), "format": "application/n-quads"}
    )
    framed = Graph().parse(data=nquads, format="nt")
    with open_store(corpus_store, read_only=True) as store:
        from ungraph.web.linking import document_query
        from ungraph.web.prepared import bind

        result = store.query(bind(document_query(), {"this": URIRef(SEED)}))
        expected = Graph().parse(data=b"".join(result.serialize(NTRIPLES)), format="nt")
    assert isomorphic(framed, expected)


def test_framed_json_of_an_unknown_document_is_404(client: FlaskClient) -> None:
    assert client.get("/data/document/no-such-document.framed.jsonld").status_code == 404


def test_the_link_page(client: FlaskClient) -> None:
    soup = fetch_html(client, "/link")
    text = soup.get_text()
    assert only_element(soup.find("h1")).get_text() == "Link to ungraph"
    for expected in (
        f"{BASE}id/document/",
        "owl:deprecated",
        "303 See Other",
        "SG/SM/17419",
        "oa:exact",
    ):
        assert expected in text
    hrefs = {one_attr(a, "href") for a in soup.find_all("a", href=True)}
    assert f"/context/{context_version()}.jsonld" in hrefs
    assert "/data/document/sg-sm-17419.framed.jsonld" in hrefs
    assert "/queries/21-document-fact-sheet-by-symbol" in hrefs
    # Every local link on the page works.
    for href in sorted(h for h in hrefs if h.startswith("/")):
        assert client.get(href).status_code in (200, 303), href


def test_downloads_list_the_link_dump(client: FlaskClient) -> None:
    soup = fetch_html(client, "/downloads")
    row = next(r for r in soup.select("table.downloads tbody tr") if "links.nt.gz" in r.get_text())
    assert "links to other datasets" in row.get_text()
    with client.get("/downloads/links.nt.gz") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/gzip")


def test_a_deprecated_iri_redirects_to_its_successor(tmp_path: Path) -> None:
    from uuid import uuid4

    from rdflib import Literal
    from rdflib.namespace import DCTERMS, OWL, RDFS

    from ungraph.store import begin_build
    from ungraph.store.memory import forget_memory_store

    name = f"deprecated-{uuid4().hex}"
    old, new = URIRef(ID + "person/old-key"), URIRef(ID + "person/new-key")
    graph = Graph()
    graph.add((old, OWL.deprecated, Literal(True)))
    graph.add((old, DCTERMS.isReplacedBy, new))
    graph.add((new, RDFS.label, Literal("Someone", lang="en")))
    with begin_build(f"memory:{name}", seed=False) as build:
        build.store.replace_graph(BASE + "graph/registry", graph)
    app = create_app(
        {
            "UNGRAPH_STORE": f"memory:{name}",
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_SEARCH_DIR": str(tmp_path),
        }
    )
    try:
        client = app.test_client()
        for old_path, new_path in (
            ("/id/person/old-key", "/id/person/new-key"),
            ("/page/person/old-key", "/page/person/new-key"),
            ("/data/person/old-key.ttl", "/data/person/new-key.ttl"),
            ("/id/person/old-key?format=ttl", "/id/person/new-key?format=ttl"),
        ):
            response = client.get(old_path)
            assert response.status_code == 301, old_path
            assert response.headers["Location"] == new_path
            assert response.headers["Link"] == f'<{new}>; rel="successor-version"'
        assert client.get("/id/person/new-key").status_code == 303
        assert client.get("/page/person/new-key").status_code == 200
    finally:
        app.extensions["ungraph"].close()
        forget_memory_store(name)
