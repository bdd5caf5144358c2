"""Export and stats from a remote store work unchanged: the same counts, link sets and VoID
numbers as the embedded store built from the same sources, and dumps holding the same graphs."""

from __future__ import annotations

import gzip
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from ungraph.cli import main
from ungraph.export import ExportOptions, export
from ungraph.store import open_store

from .conftest import Deployment, canonical_graph

pytestmark = pytest.mark.engine
BASE = "https://w3id.org/ungraph/"


def _export(location: str, out: Path) -> dict[str, Any]:
    options = ExportOptions(base_iri=BASE, modified=datetime(2024, 1, 1, tzinfo=UTC))
    with open_store(location, read_only=True) as store:
        export(store, out, options)
    manifest: dict[str, Any] = json.loads((out / "export-manifest.json").read_text("utf-8"))
    return manifest


def _dataset(path: Path, rdflib_format: str) -> Dataset:
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(data=gzip.decompress(path.read_bytes()), format=rdflib_format)
    return dataset


def _graph(dataset: Dataset, name: str) -> Graph:
    graph = Graph()
    for triple in dataset.graph(URIRef(name)):
        graph.add(triple)
    return canonical_graph(graph)


def test_export_counts_link_sets_and_dumps_equal_the_embedded_stores(
    deployment: Deployment, tmp_path: Path
) -> None:
    with deployment.engine.credentials():
        ours = _export(deployment.remote, tmp_path / "remote")
    theirs = _export(deployment.embedded, tmp_path / "embedded")
    for key in ("quads", "triples", "graphs", "linksets"):
        assert ours[key] == theirs[key], key
    assert ours["linksets"]  # links to Wikidata, the SDG KOS, UNBIS
    assert [f["name"] for f in ours["files"]] == [f["name"] for f in theirs["files"]]
    remote = _dataset(tmp_path / "remote" / "ungraph.nq.gz", "nquads")
    embedded = _dataset(tmp_path / "embedded" / "ungraph.nq.gz", "nquads")
    names = sorted(str(g.identifier) for g in embedded.graphs() if len(g))
    assert sorted(str(g.identifier) for g in remote.graphs() if len(g)) == names
    for name in names:
        assert isomorphic(_graph(remote, name), _graph(embedded, name)), name
    # The VoID description states the same numbers (and no bookkeeping vocabulary).
    void = (tmp_path / "remote" / "void.ttl").read_text("utf-8")
    assert "ungraph/records#" not in void
    assert void.count("void:triples") == (tmp_path / "embedded" / "void.ttl").read_text(
        "utf-8"
    ).count("void:triples")


def test_ungraph_stats_prints_the_same_numbers(deployment: Deployment) -> None:
    runner = CliRunner()
    with deployment.engine.credentials():
        ours = runner.invoke(main, ["stats", "--json", "--store", deployment.remote])
    theirs = runner.invoke(main, ["stats", "--json", "--store", deployment.embedded])
    assert ours.exit_code == theirs.exit_code == 0, ours.output
    remote, embedded = json.loads(ours.output), json.loads(theirs.output)
    remote.pop("version"), embedded.pop("version")
    assert remote == embedded
    assert embedded["entities"]["documents"] == 3
