"""Downloads (listing, files, checksums, licence), the VoID/DCAT description, the ontology and
the shapes."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SH

from ungraph.export import ExportOptions, export
from ungraph.resources import ontology_path, shapes_paths
from ungraph.store import open_store

if TYPE_CHECKING:
    from tests.web.conftest import Fixture


@pytest.fixture(scope="module")
def dumps(web_store: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dumps")
    with open_store(web_store, read_only=True) as store:
        export(store, out, ExportOptions(base_iri="https://w3id.org/ungraph/"))
    return out


@pytest.fixture
def client(web_store: str, dumps: Path, tmp_path: Path) -> FlaskClient:
    from ungraph.web import create_app

    app: Flask = create_app(
        {
            "UNGRAPH_STORE": web_store,
            "UNGRAPH_DOWNLOADS": str(dumps),
            "UNGRAPH_SEARCH_DIR": str(tmp_path / "search"),
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_QUERY_WORKERS": 0,
            "TESTING": True,
        }
    )
    return app.test_client()


def test_listing_shows_every_file_with_size_checksum_format_and_licence(
    client: FlaskClient, dumps: Path
) -> None:
    manifest = json.loads((dumps / "export-manifest.json").read_text("utf-8"))
    response = client.get("/downloads")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = {
        tr.th.get_text(strip=True): tr for tr in soup.select("table.downloads tbody tr") if tr.th
    }
    assert set(rows) == {f["name"] for f in manifest["files"]}
    for entry in manifest["files"]:
        cells = [td.get_text(strip=True) for td in rows[entry["name"]].find_all("td")]
        assert cells[0] == (entry.get("format") or "—")
        assert cells[1] == (entry.get("media_type") or "—")
        assert rows[entry["name"]].find("td", attrs={"data-bytes": str(entry["bytes"])})
        assert cells[4] == entry["sha256"]
    text = soup.get_text(" ")
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert "© United Nations" in text
    assert "every named graph" in text and "merge of all graphs" in text


def test_every_file_serves_the_bytes_its_checksum_names(client: FlaskClient, dumps: Path) -> None:
    manifest = json.loads((dumps / "export-manifest.json").read_text("utf-8"))
    sums = {}
    for line in (dumps / "SHA256SUMS").read_text("ascii").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    for entry in manifest["files"]:
        with client.get(f"/downloads/{entry['name']}") as response:
            assert response.status_code == 200, entry["name"]
            digest = hashlib.sha256(response.data).hexdigest()
        assert digest == entry["sha256"]
        if entry["name"] != "SHA256SUMS":
            assert sums[entry["name"]] == digest
            if entry["name"].endswith(".gz"):
                assert response.mimetype == "application/gzip"
                assert "attachment" in response.headers["Content-Disposition"]
            assert response.headers["Digest"] == f"sha-256={entry['sha256']}"


@pytest.mark.parametrize(
    "name", ["nope.ttl", "export-manifest.json", "..%2Fvoid.ttl", ".void.ttl.tmp"]
)
def test_only_listed_files_are_served(client: FlaskClient, name: str) -> None:
    response = client.get(f"/downloads/{name}")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def _void(dumps: Path) -> Graph:
    return Graph().parse(data=(dumps / "void.ttl").read_text("utf-8"), format="turtle")


@pytest.mark.parametrize("path", ["/void", "/.well-known/void"])
@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("*/*", "turtle"),
    ],
)
def test_void_by_negotiation(
    client: FlaskClient, dumps: Path, path: str, accept: str, rdflib_format: str
) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = Graph().parse(data=response.data, format=rdflib_format)
    assert isomorphic(graph, _void(dumps))
    assert (URIRef("https://w3id.org/ungraph/dataset"), DCTERMS.license, None) in graph


def test_void_format_parameter_and_dataset_iri(client: FlaskClient) -> None:
    response = client.get("/void?format=nt")
    assert response.mimetype == "application/n-triples"
    dataset = client.get("/dataset")
    assert dataset.status_code == 303 and dataset.headers["Location"] == "/void"


def test_without_an_export_the_page_says_so(
    client_on: Callable[..., FlaskClient], fresh_fixture: Fixture
) -> None:
    client = client_on(fresh_fixture.graphs)
    page = client.get("/downloads")
    assert page.status_code == 200
    assert "There is no export yet" in page.get_data(as_text=True)
    assert "ungraph export" in page.get_data(as_text=True)
    for path in ("/void", "/.well-known/void", "/downloads/ungraph.ttl.gz"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "no export" in response.get_json()["error"]["detail"]


def test_ontology_in_turtle_and_other_formats(client: FlaskClient) -> None:
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.data == ontology_path().read_bytes()
    assert "Accept" in turtle.headers["Vary"]
    reference = Graph().parse(data=ontology_path().read_text("utf-8"), format="turtle")
    for name, rdflib_format in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        response = client.get(f"/ontology?format={name}")
        assert response.status_code == 200, name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = Graph().parse(data=response.data, format=rdflib_format)
        assert isomorphic(graph, reference), name


def test_ontology_html_is_the_pylode_page(client: FlaskClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "ungraph ontology" in html
    assert "https://w3id.org/ungraph/ontology#Document" in html
    assert 'type="text/turtle"' in response.headers["Link"]


def test_shapes_listing_names_every_node_shape(client: FlaskClient) -> None:
    response = client.get("/shapes", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    union = Graph()
    for path in shapes_paths():
        union.parse(data=path.read_text("utf-8"), format="turtle")
        assert f"/shapes/{path.name}" in html
    shapes = set(union.subjects(RDF.type, SH.NodeShape))
    assert shapes
    for shape in shapes:
        assert union.namespace_manager.normalizeUri(str(shape)) in html
    turtle = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert isomorphic(Graph().parse(data=turtle.data, format="turtle"), union)


def test_each_shapes_file_as_written(client: FlaskClient) -> None:
    for path in shapes_paths():
        response = client.get(f"/shapes/{path.name}")
        assert response.status_code == 200
        assert response.data == path.read_bytes()
    assert client.get("/shapes/../pyproject.toml").status_code == 404
    assert client.get("/shapes/nope.ttl").status_code == 404
