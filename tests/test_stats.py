"""Store statistics on the fixture dataset, and the internal SPARQL files themselves."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from rdflib.plugins.sparql import prepareQuery

from ungraph.conflicts import PLACEHOLDER
from ungraph.resources import SPARQL_DIR, sparql_query, sparql_query_paths
from ungraph.stats import collect_stats
from ungraph.store import GraphStore, SelectResult, open_store

DATA = Path(__file__).parent / "data" / "store"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store() -> GraphStore:
    store = open_store("memory:")
    store.load_file(DATA / "dataset.trig")
    return store


def test_stats_on_the_fixture(store: GraphStore) -> None:
    stats = collect_stats(store)
    assert stats.entities == {
        "documents": 2,
        "speech acts": 0,
        "persons": 2,  # Bob is typed in two graphs and counts once
        "organizations": 1,
        "events": 1,
        "event series": 1,
        "calls to action": 2,
        "evidence annotations": 1,
    }
    assert stats.links == {
        "ung:addressesGoal": 1,
        "ung:addressesTarget": 3,
        "ung:refersTo2030Agenda": 1,
        "ung:addressesActionLine": 0,
        "ung:concernsGroup": 0,
        "ung:hasTheme": 1,
        "ung:speaker": 2,
        "ung:deliveredBy": 1,
        "ung:addressedTo": 1,
        "ung:mentionsEvent": 0,
        "ung:mentionsPlace": 0,
        "ung:mentionsOrganization": 1,
        "ung:mentionsPerson": 0,
        "ung:actor": 1,
        "ung:addressee": 0,
        "ung:relatedGoal": 0,
        "ung:relatedTarget": 0,
        "owl:sameAs": 3,
        "skos:exactMatch": 1,
    }
    assert stats.triples == 67  # quads: two statements are repeated in a second graph
    assert stats.graphs == 5
    assert stats.to_json()["links"]["ung:speaker"] == 2


def test_stats_of_an_empty_store_are_zeros() -> None:
    stats = collect_stats(open_store("memory:"))
    assert set(stats.entities.values()) == {0}
    assert set(stats.links.values()) == {0}
    assert (stats.triples, stats.graphs) == (0, 0)


@pytest.mark.parametrize("path", sparql_query_paths(), ids=lambda p: p.name)
def test_every_internal_query_parses_and_runs(path: Path, store: GraphStore) -> None:
    text = path.read_text("utf-8")
    assert text.startswith("#+ summary: "), "grlc-style header first"
    prepareQuery(text)  # a second, independent parser
    if PLACEHOLDER in text:  # a template: its VALUES row is filled in with pairs the store has
        first = store.query("SELECT ?s ?p WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")
        assert isinstance(first, SelectResult)
        [(subject, prop)] = list(first)
        text = text.replace(PLACEHOLDER, f"(<{subject}> <{prop}>)")
    result = store.query(text)
    assert isinstance(result, SelectResult)
    assert list(result), "returns rows on the fixture"


def test_link_lists_of_stats_links_agree() -> None:
    # The query names the link properties twice (see its description); they must not drift.
    text = sparql_query("stats-links")
    outer = re.findall(r"\(\d+ ([a-z]+:\w+)\)", text)
    inner_block = re.search(r"VALUES \?link \{([^}]*)\}", text)
    assert inner_block is not None
    assert outer == inner_block.group(1).split()
    assert len(outer) == len(set(outer))


def test_internal_queries_ship_in_the_wheel() -> None:
    # Hatch puts every file under the package folder into the wheel unless excluded.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "src/ungraph" in wheel["packages"]
    assert not any("sparql" in pattern or ".rq" in pattern for pattern in wheel.get("exclude", []))
    assert SPARQL_DIR.parent == ROOT / "src" / "ungraph"
    assert sparql_query_paths(), "no internal queries found"
