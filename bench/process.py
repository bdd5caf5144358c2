"""Running one measurement in a process of its own."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def in_fresh_process(target: Any, *args: Any) -> dict[str, Any]:
    """``target(*args)`` in a new interpreter, so that its peak memory is its own.

    Not a multiprocessing.Pool: its daemonic workers could not start a build's own workers."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as pool:
        result: dict[str, Any] = pool.submit(target, *args).result()
    return result
