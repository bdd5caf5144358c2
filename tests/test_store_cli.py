"""The store commands: load, query, stats, export (exit codes 0 ok / 1 check failed / 2 error)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from ungraph.cli import EXIT_ERROR, EXIT_FAILED, EXIT_OK, main
from ungraph.store import GraphResult, open_store

DATA = Path(__file__).parent / "data" / "store"
FORMATS_DIR = DATA / "formats"
DOC1 = "https://w3id.org/ungraph/id/document/doc-1"


@pytest.fixture
def location(tmp_path: Path) -> str:
    location = str(tmp_path / "store")
    result = CliRunner().invoke(main, ["load", "--store", location, str(DATA / "dataset.trig")])
    assert result.exit_code == EXIT_OK, result.output
    return location


def _run(*args: str) -> tuple[int, str, bytes]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output, result.stdout_bytes


def test_load_reports_each_file(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    code, output, _ = _run(
        "load",
        "--store",
        location,
        "--graph",
        "http://example.org/mine",
        str(FORMATS_DIR / "small.ttl"),
        str(FORMATS_DIR / "small.rdf"),
    )
    assert code == EXIT_OK, output
    assert "small.ttl: 6 statements (turtle) into http://example.org/mine" in output
    assert "small.rdf: 6 statements (rdfxml)" in output
    with open_store(location, read_only=True) as store:
        assert store.named_graphs() == ["http://example.org/mine"]


def test_load_uses_the_store_setting_from_the_environment(tmp_path: Path) -> None:
    location = str(tmp_path / "from-env")
    result = CliRunner(env={"UNGRAPH_STORE": location}).invoke(
        main, ["load", str(FORMATS_DIR / "small.nt")]
    )
    assert result.exit_code == EXIT_OK, result.output
    with open_store(location, read_only=True) as store:
        assert store.count() == 6


def test_load_error_names_file_and_position_and_keeps_earlier_files(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    code, output, _ = _run(
        "load", "--store", location, str(FORMATS_DIR / "small.nt"), str(FORMATS_DIR / "bad.ttl")
    )
    assert code == EXIT_ERROR
    assert "small.nt: 6 statements" in output
    assert f"{FORMATS_DIR / 'bad.ttl'}:3:19: A dot is expected" in output
    with open_store(location, read_only=True) as store:
        assert store.count() == 6


def test_load_refuses_billion_laughs(tmp_path: Path) -> None:
    path = tmp_path / "lol.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    code, output, _ = _run("load", "--store", str(tmp_path / "store"), str(path))
    assert code == EXIT_ERROR
    assert f"{path}:2:" in output
    assert "DTD" in output


def test_query_table_is_the_default(location: str) -> None:
    code, output, _ = _run(
        "query",
        "--store",
        location,
        "PREFIX ung: <https://w3id.org/ungraph/ontology#> "
        "SELECT ?doc WHERE { ?doc a ung:Document } ORDER BY ?doc",
    )
    assert code == EXIT_OK, output
    assert "doc-1" in output and "doc-2" in output
    assert "2 rows" in output


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_query_results_formats(location: str, fmt: str) -> None:
    code, output, raw = _run(
        "query",
        "--store",
        location,
        "--format",
        fmt,
        "PREFIX ung: <https://w3id.org/ungraph/ontology#> "
        "SELECT ?doc WHERE { ?doc a ung:Document } ORDER BY ?doc",
    )
    assert code == EXIT_OK, output
    text = raw.decode("utf-8")
    if fmt == "json":
        values = [b["doc"]["value"] for b in json.loads(text)["results"]["bindings"]]
    elif fmt == "csv":
        values = [row["doc"] for row in csv.DictReader(io.StringIO(text))]
    elif fmt == "tsv":
        values = [line.strip("<>") for line in text.splitlines()[1:]]
    else:
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ElementTree.fromstring(raw)
        values = [uri.text or "" for uri in root.iterfind(".//r:binding[@name='doc']/r:uri", ns)]
    assert values == [DOC1, DOC1.replace("doc-1", "doc-2")]


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_construct_as_rdf(location: str, fmt: str) -> None:
    query = f"CONSTRUCT {{ <{DOC1}> ?p ?o }} WHERE {{ <{DOC1}> ?p ?o }}"
    code, output, raw = _run("query", "--store", location, "--format", fmt, query)
    assert code == EXIT_OK, output
    rdflib_name = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        graph = Graph().parse(data=raw, format=rdflib_name)
    with open_store(location, read_only=True) as store:
        result = store.query(query)
        assert isinstance(result, GraphResult)
        expected = result.graph()
    assert len(graph) == 12
    assert isomorphic(graph, expected)


def test_query_from_a_file_and_stdin(location: str, tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    code, output, _ = _run("query", "--store", location, "--format", "csv", str(path))
    assert code == EXIT_OK
    assert output.splitlines() == ["n", "67"]
    result = CliRunner().invoke(
        main, ["query", "--store", location, "--format", "csv", "-"], input=path.read_text()
    )
    assert result.output.splitlines() == ["n", "67"]


def test_ask_false_exits_1(location: str) -> None:
    assert _run("query", "--store", location, f"ASK {{ <{DOC1}> ?p ?o }}")[0] == EXIT_OK
    code, output, _ = _run("query", "--store", location, "ASK { <http://nothing> ?p ?o }")
    assert code == EXIT_FAILED
    assert "false" in output


def test_query_errors_exit_2(location: str, tmp_path: Path) -> None:
    code, output, _ = _run("query", "--store", location, "SELECT WHERE {")
    assert code == EXIT_ERROR
    assert "does not parse" in output
    code, output, _ = _run("query", "--store", location, "--format", "turtle", "ASK {}")
    assert code == EXIT_ERROR
    assert "does not fit" in output
    code, output, _ = _run("query", "--store", str(tmp_path / "none"), "ASK {}")
    assert code == EXIT_ERROR
    assert "no store" in output
    code, output, _ = _run("query", "--store", location, str(tmp_path / "missing.rq"))
    assert code == EXIT_ERROR
    assert "cannot read query file" in output


def test_stats_json_and_table(location: str) -> None:
    code, output, _ = _run("stats", "--store", location, "--json")
    assert code == EXIT_OK, output
    stats = json.loads(output)
    assert stats["entities"]["documents"] == 2
    assert stats["links"]["ung:addressesTarget"] == 3
    assert (stats["triples"], stats["graphs"]) == (67, 5)
    code, output, _ = _run("stats", "--store", location)
    assert code == EXIT_OK
    assert "documents" in output and "links ung:speaker" in output


def test_export_writes_everything(location: str, tmp_path: Path) -> None:
    out = tmp_path / "dumps"
    code, output, _ = _run(
        "export", "--store", location, "--out", str(out), "--dataset-version", "2024.1"
    )
    assert code == EXIT_OK, output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "SHA256SUMS",
            "context-0.1.jsonld",
            "export-manifest.json",
            "links.nt.gz",
            "ungraph.jsonld.gz",
            "ungraph.nq.gz",
            "ungraph.nt.gz",
            "ungraph.rdf.gz",
            "ungraph.trig.gz",
            "ungraph.ttl.gz",
            "void.ttl",
        ]
    )
    assert "65 distinct triples, 67 quads in 5 graphs" in output
    assert json.loads((out / "export-manifest.json").read_text())["version"] == "2024.1"


def test_exported_dump_loads_back(location: str, tmp_path: Path) -> None:
    out = tmp_path / "dumps"
    assert _run("export", "--store", location, "--out", str(out))[0] == EXIT_OK
    again = str(tmp_path / "again")
    code, output, _ = _run("load", "--store", again, str(out / "ungraph.trig.gz"))
    assert code == EXIT_OK, output
    with open_store(again, read_only=True) as store:
        assert store.count() == 67
        assert len(store.named_graphs()) == 5
