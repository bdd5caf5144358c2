"""The General Debate benchmark runs end to end in quick mode (so that ``make bench`` cannot
rot), and its memory sampler sees a whole process tree."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench.ungd import tree_rss

from ungraph.config import Settings


def test_tree_rss_counts_the_children_of_a_process() -> None:
    alone = tree_rss(os.getpid())
    assert alone > 10 * 2**20  # this Python process and its imports
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; block = bytearray(200 * 2**20); time.sleep(30)"]
    )
    try:
        deadline = time.monotonic() + 20
        while tree_rss(os.getpid()) < alone + 150 * 2**20:
            assert time.monotonic() < deadline, "the child's 200 MiB were never counted"
            time.sleep(0.1)
    finally:
        child.kill()
        child.wait()


def test_bench_harness_runs_the_ungd_benchmark_in_quick_mode(
    tmp_path: Path, settings: Settings, quick_bench: Callable[..., Any]
) -> None:
    if not (settings.ungd_dir / "ungd-txt.tar.gz").is_file():
        pytest.skip(f"the General Debate archive is not in {settings.ungd_dir} (UNGRAPH_SHARED)")
    run = quick_bench("ungd")
    assert "SHACL validation" in run.stdout and "naive" in run.stdout
    data = run.data
    assert data["quick"] is True and "full" not in data
    build = data["sample_build"]
    assert build["built"] == build["documents"] > 0 and build["quarantined"] == 0
    assert build["peak_tree_mib"] > 0 and build["docs_per_s"] > 0
    ours, naive = data["ours"], data["naive"]
    assert ours["documents"] == naive["documents"] == build["documents"]
    assert ours["conforming"] == ours["documents"] and naive["conforms"] is True
    for stage in ("extract", "map", "validate", "load"):
        assert ours["docs_per_s"][stage] > 0 and naive["docs_per_s"][stage] > 0
    # The sample stays under var/, out of the repository.
    assert list((tmp_path / "var" / "bench" / "ungd").glob("sample-*/txt/Session */*.txt"))
