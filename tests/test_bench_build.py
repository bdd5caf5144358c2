"""The build benchmark runs end to end in quick mode, so that ``make bench`` cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ungraph.resources import project_root


def test_bench_harness_runs_the_build_benchmark_in_quick_mode(tmp_path: Path) -> None:
    root = project_root()
    assert root is not None
    results = tmp_path / "results"
    env = {**os.environ, "UNGRAPH_VAR": str(tmp_path / "var")}
    command = [
        sys.executable,
        "-m",
        "bench",
        "--quick",
        "--only",
        "build",
        "--results",
        str(results),
    ]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "documents / s" in done.stdout and "naive" in done.stdout
    data = json.loads((results / "build.json").read_text("utf-8"))
    assert data["quick"] is True
    (size,) = data["sizes"].values()
    assert size["built"] == size["documents"] > 0 and size["quarantined"] == 0
    assert size["docs_per_s"] > 0 and size["store_mib"] > 0 and size["peak_mib_worker"] > 0
    # Unless someone changed the pipeline's code during the run, a rebuild skips everything.
    assert size["rebuild_unchanged_s"] is None or size["rebuild_skipped"] == size["built"]
    baseline = data["baseline"]
    assert baseline["documents"] > 0 and baseline["conforms"] is True
    assert baseline["validation_ms_per_doc"] > 0
    # The generated documents stay under var/, out of the repository.
    assert list((tmp_path / "var" / "bench" / "build").glob("docs-*.jsonl"))
