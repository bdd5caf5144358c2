"""The remote-store benchmark runs end to end on a few documents, so that its figures in
docs/deploy.md can always be measured again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ungraph.resources import project_root

pytestmark = pytest.mark.engine


def test_remote_benchmark_runs_on_every_store(tmp_path: Path) -> None:
    root = project_root()
    assert root is not None
    results = tmp_path / "results"
    env = {
        **os.environ,
        "UNGRAPH_VAR": str(tmp_path / "var"),
        "UNGRAPH_BENCH_REMOTE_DOCUMENTS": "12",
    }
    command = [
        sys.executable,
        "-m",
        "bench",
        "--quick",
        "--only",
        "remote",
        "--results",
        str(results),
    ]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((results / "remote.json").read_text("utf-8"))
    assert data["documents"] == 12
    assert set(data["stores"]) == {"embedded", "oxigraph", "virtuoso"}
    quads = {figures["quads"] for figures in data["stores"].values()}
    assert len(quads) == 1 and quads.pop() > 0  # the same graph in every store
    for figures in data["stores"].values():
        assert figures["bytes"] > 0 and figures["rebuild_one_seconds"] > 0
        assert len(figures["query_ms"]) == 4 and all(v > 0 for v in figures["query_ms"].values())
