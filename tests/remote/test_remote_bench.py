"""The remote-store benchmark runs end to end on a few documents, so that its figures in
docs/deploy.md can always be measured again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.engine


def test_remote_benchmark_runs_on_every_store(quick_bench: Callable[..., Any]) -> None:
    data = quick_bench("remote", UNGRAPH_BENCH_REMOTE_DOCUMENTS="12").data
    assert data["documents"] == 12
    assert set(data["stores"]) == {"embedded", "oxigraph", "virtuoso"}
    quads = {figures["quads"] for figures in data["stores"].values()}
    assert len(quads) == 1 and quads.pop() > 0  # the same graph in every store
    for figures in data["stores"].values():
        assert figures["bytes"] > 0 and figures["rebuild_one_seconds"] > 0
        assert len(figures["query_ms"]) == 4 and all(v > 0 for v in figures["query_ms"].values())
