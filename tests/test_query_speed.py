"""Guard against pathological queries: every catalogue query (with its defaults) and every query
the linked-data pages and charts run answers within a coarse time limit on a store of generated
documents (built once per session from the corpus's shapes, as the build benchmark makes them).

This is not a speed target (those are measured by ``bench/queries.py`` on 1,000 and 10,000
documents, see docs/performance.md): on a few hundred documents every query answers in well
under a second, while a rewrite that joins a UNION with a pattern after it, repeats a label
once per document graph or puts a grouped sub-query inside an OPTIONAL takes minutes. The
limit sits between the two, so that only the second kind fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from ungraph.resources import project_root

DOCUMENTS = int(os.environ.get("UNGRAPH_TEST_QUERY_DOCUMENTS", "300"))
LIMIT_S = float(os.environ.get("UNGRAPH_TEST_QUERY_LIMIT", "5"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store built from ``DOCUMENTS`` generated documents, once per session."""
    from bench.build import generate

    from ungraph.build import BuildOptions, build
    from ungraph.config import load_settings

    folder = tmp_path_factory.mktemp("generated-store")
    settings = load_settings()
    documents = generate(settings, DOCUMENTS, folder / f"docs-{DOCUMENTS}.jsonl")
    store = folder / "store"
    report = build(settings, BuildOptions(sources=(str(documents),), store=str(store), workers=2))
    assert report.built == DOCUMENTS and not report.quarantined
    return str(store)


@pytest.fixture(scope="session")
def timings(
    generated_store: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Every query's figures from ``python -m bench.queries`` (a run over the limit is
    stopped and reported as a timeout)."""
    root = project_root()
    assert root is not None
    output = tmp_path_factory.mktemp("query-speed") / "timings.json"
    command = [
        sys.executable,
        "-m",
        "bench.queries",
        "--store",
        generated_store,
        "--runs",
        "1",
        "--timeout",
        str(LIMIT_S),
        "--json",
        str(output),
    ]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, dict[str, Any]] = json.loads(output.read_text("utf-8"))
    return figures


def _names() -> list[str]:
    from ungraph.web import prepared
    from ungraph.web.catalogue import catalogue

    return [f"catalogue/{q.name}" for q in catalogue() if not q.federated] + [
        f"page/{p.stem}" for p in prepared.query_paths()
    ]


def test_every_query_is_timed(timings: dict[str, dict[str, Any]]) -> None:
    # Each catalogue query and each page query ran (page queries under one or more bindings).
    for name in _names():
        assert any(t == name or t.startswith(name + "@") for t in timings), name


@pytest.mark.parametrize("name", _names())
def test_answers_within_the_limit(timings: dict[str, dict[str, Any]], name: str) -> None:
    for timed, figures in timings.items():
        if timed != name and not timed.startswith(name + "@"):
            continue
        assert "timeout" not in figures, f"{timed} ran longer than {LIMIT_S:g} s"
        assert "median_s" in figures, f"{timed}: {figures}"
        assert figures["max_s"] < LIMIT_S


def test_the_store_is_large_enough_to_catch_a_blow_up(timings: dict[str, dict[str, Any]]) -> None:
    # The queries find something: a pathological join only shows on real rows.
    documents = timings["page/chart-documents-per-year"]
    assert documents["rows"] >= 10, "documents over at least ten years"
    for name in ("catalogue/04-wsis-action-lines-most-addressed-per-year", "page/search-documents"):
        assert timings[name]["rows"] > 0, name


def test_a_stopped_query_is_reported_as_a_timeout(generated_store: str) -> None:
    # The guard itself can fail: a query the engine cannot finish in time is stopped and
    # reported, not waited for.
    from bench.queries import Case, _measure, _Worker

    cartesian = Case(
        "page/cartesian",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }",
    )
    worker = _Worker(generated_store)
    try:
        assert _measure(worker, cartesian, 0, 1.0) == {"timeout": 1.0}
    finally:
        worker.stop()
