"""The serving benchmark runs end to end in quick mode on a few General Debate statements (build,
dump, both engines loaded, ``ungraph serve`` measured against them, wrk, memory), so that its
figures in docs/performance.md can always be measured again."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from ungraph.config import load_settings
from ungraph.engines import missing

pytestmark = pytest.mark.engine


def _needs(reason: str | None) -> None:
    if reason:
        if os.environ.get("UNGRAPH_REQUIRE_ENGINES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _quick_serving(quick_bench: Callable[..., Any], documents: int, **env: str) -> Any:
    """The serving benchmark in quick mode on ``documents`` statements of the corpus."""
    tarball = load_settings().ungd_dir / "ungd-txt.tar.gz"
    _needs(None if tarball.exists() else f"the General Debate corpus is missing: {tarball}")
    return quick_bench(
        "serving",
        timeout=600,
        UNGRAPH_BENCH_SERVING_DOCUMENTS=str(documents),
        UNGRAPH_BENCH_SERVING_LOAD_SECONDS="1",
        **env,
    )


def test_serving_benchmark_runs_in_quick_mode(quick_bench: Callable[..., Any]) -> None:
    _needs(missing("oxigraph") or missing("virtuoso"))
    _needs(None if shutil.which("wrk") else "wrk is missing (make system-deps installs it)")
    bench = _quick_serving(quick_bench, 6)
    data = bench.data
    assert data["quick"] is True
    assert data["graph"]["documents"] == 6 and data["graph"]["quads"] > 1000

    latency = data["latency"]
    catalogue = [name for name in latency if name[:2].isdigit()]
    assert len(catalogue) >= 20  # every runnable catalogue query, the federated one left out
    assert not any("federated" in name for name in latency)
    for name, row in latency.items():
        # ungraph serve and the floor answer every probe; the floor and ungraph agree on rows.
        assert "median_ms" in row["floor"] and "median_ms" in row["ungraph"], (name, row)
        assert row["ungraph"]["p95_ms"] >= row["ungraph"]["median_ms"] > 0
        if row["class"].startswith("select"):
            assert row["ungraph"]["size"] == row["floor"]["size"], name
            assert "median_ms" in row["oxigraph"], (name, row)
            assert row["oxigraph"]["size"] == row["floor"]["size"], name
        elif row["class"] == "construct-describe":
            assert row["ungraph"]["size"] == row["floor"]["size"] > 0, name
    classes = {row["class"] for row in latency.values()}
    assert {"select-aggregate", "select-plain", "construct-describe", "page"} <= classes
    overall = data["summary"]["overall"]
    assert overall["ungraph_vs_floor"] > 0 and overall["ungraph_vs_oxigraph"] > 0

    for name, runs in data["load"]["runs"].items():
        for run in runs:
            assert run["requests"] > 0, name
            assert run["errors"] == 0 and run["timeouts"] == 0, (name, run)
    assert set(data["load"]["runs"]) == {
        "ungraph page",
        "ungraph sparql",
        "oxigraph document construct",
        "oxigraph sparql",
    }
    for key in ("memory_idle", "memory_after_load"):
        memory = data[key]
        # gunicorn master, server worker(s), fork server and query workers
        assert memory["processes"] >= 3 and 0 < memory["pss_mib"] <= memory["rss_mib"]
    assert "serving benchmark:" in bench.stdout and "latency, ms" in bench.stdout


def test_serving_benchmark_without_engines_measures_ungraph_alone(
    quick_bench: Callable[..., Any],
) -> None:
    # For a graph too large to load into two more engines in the time at hand (the whole
    # General Debate corpus): ungraph serve against the in-process floor, and its memory.
    data = _quick_serving(quick_bench, 4, UNGRAPH_BENCH_SERVING_ENGINES="").data
    assert data["graph"]["quads"] > 1000
    for engine in ("oxigraph", "virtuoso"):
        assert "not selected" in data[f"{engine}_skipped"]
    for name, row in data["latency"].items():
        assert "median_ms" in row["floor"] and "median_ms" in row["ungraph"], (name, row)
        assert "oxigraph" not in row and "virtuoso" not in row
    assert data["memory_after_latency"]["processes"] >= 3
    assert data["summary"]["overall"]["ungraph_vs_floor"] > 0
