"""The application's hold on the store: opened read-only, reopened when a build switches versions."""

from __future__ import annotations

import threading
import time
from typing import Any

from ungraph.store import GraphStore, StoreError, current_version, open_store

MEMORY = "memory:"


class StoreHandle:
    """The store of one application, as ``app.extensions["ungraph"].store``.

    A folder store is opened read-only on first use and kept; at most every ``check_interval``
    seconds the handle looks at the folder's ``current`` version and opens the new one when a
    build has switched it. The old store object is not closed: requests that still hold it
    finish on the old version (the store keeps it on disk for them), then it is dropped.
    ``memory:NAME`` stores are looked up on every access, which is a dictionary lookup.

    Whatever caches depend on the data (graph lists, descriptions) key on :attr:`version`.
    """

    def __init__(self, location: str, *, check_interval: float = 1.0) -> None:
        self.location = location
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._store: GraphStore | None = None
        self._version: str | None = None
        self._checked = 0.0
        self._generation = 0
        self._cache: dict[tuple[int, str], Any] = {}
        self.extras: dict[str, Any] = {}
        """Objects other parts of the application keep with the store (the query pool...)."""

    @property
    def is_memory(self) -> bool:
        return self.location.startswith(MEMORY)

    @property
    def store(self) -> GraphStore:
        """The read-only store, on its newest committed version; ``StoreError`` when the
        location holds no store yet (no build has run)."""
        if self.is_memory:
            store = open_store(self.location, read_only=True)
            with self._lock:
                if self._store is None or getattr(self._store, "engine", None) is not getattr(
                    store, "engine", None
                ):
                    self._store = store
                    self._generation += 1
                    self._cache.clear()
                return self._store
        with self._lock:
            now = time.monotonic()
            if self._store is not None and now - self._checked < self.check_interval:
                return self._store
            self._checked = now
            version = current_version(self.location)
            if self._store is None or version != self._version:
                if version is None:
                    raise StoreError(
                        f"no store at {self.location} yet; build one with `ungraph build` "
                        "or add data with `ungraph load`"
                    )
                self._store = open_store(self.location, read_only=True)
                self._version = getattr(self._store, "version", version)
                self._generation += 1
                self._cache.clear()
            return self._store

    @property
    def version(self) -> str | None:
        """The store version being served (None for memory stores)."""
        self.store  # noqa: B018 - refresh first
        return self._version

    @property
    def generation(self) -> int:
        """A number that changes whenever the handle (re)opens the store."""
        self.store  # noqa: B018 - refresh first
        return self._generation

    def cached(self, name: str, compute: Any) -> Any:
        """``compute(store)`` once per store generation (graph lists, service descriptions)."""
        store = self.store
        key = (self._generation, name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = compute(store)
        with self._lock:
            if key[0] == self._generation:
                self._cache[key] = value
        return value

    def close(self) -> None:
        """Let go of the store and of everything in :attr:`extras` that can be closed."""
        for extra in list(self.extras.values()):
            close = getattr(extra, "close", None)
            if close is not None:
                close()
        self.extras.clear()
        with self._lock:
            self._store = None
            self._cache.clear()

    def __repr__(self) -> str:
        return f"<StoreHandle {self.location} version {self._version}>"
