"""The build benchmark runs end to end in quick mode, so that ``make bench`` cannot rot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_bench_harness_runs_the_build_benchmark_in_quick_mode(
    tmp_path: Path, quick_bench: Callable[..., Any]
) -> None:
    run = quick_bench("build")
    assert "documents / s" in run.stdout and "naive" in run.stdout
    data = run.data
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
