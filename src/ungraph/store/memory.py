"""The in-memory backend: an Oxigraph store without files, for tests and throw-away graphs.

``memory:`` opens a fresh empty store each time; ``memory:NAME`` is shared by everyone in the
process who opens that name, and a build on it swaps in the new store when it commits.
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from ungraph.store.oxigraph import MemoryRecords, OxigraphStore

_NAMED: dict[str, tuple[ox.Store, MemoryRecords]] = {}
_LOCK = threading.Lock()


def memory_store(name: str = "", *, read_only: bool = False) -> OxigraphStore:
    """An in-memory store; a non-empty ``name`` returns the process-wide store of that name."""
    location = f"memory:{name}"
    if not name:
        return OxigraphStore(ox.Store(), MemoryRecords(), location=location, read_only=read_only)
    with _LOCK:
        engine, records = _NAMED.setdefault(name, (ox.Store(), MemoryRecords()))
    return OxigraphStore(engine, records, location=location, read_only=read_only)


def copy_memory_store(name: str) -> tuple[ox.Store, MemoryRecords]:
    """A copy of a named memory store's quads and records (the seed of a build)."""
    with _LOCK:
        found = _NAMED.get(name)
    engine = ox.Store()
    if found is None:
        return engine, MemoryRecords()
    engine.extend(list(found[0]))
    return engine, found[1].copy()


def install_memory_store(name: str, engine: ox.Store, records: MemoryRecords) -> None:
    """Make ``memory:NAME`` refer to this store from now on (a build's commit)."""
    with _LOCK:
        _NAMED[name] = (engine, records)


def forget_memory_store(name: str) -> None:
    """Drop a named memory store (tests clean up with this)."""
    with _LOCK:
        _NAMED.pop(name, None)
