"""A store folder on disk: versioned store directories and an atomically switched ``current``.

::

    <location>/
      current -> versions/<id>        symlink, replaced with os.replace (atomic on POSIX)
      versions/<id>/oxigraph/          the Oxigraph (RocksDB) database of that version
      versions/<id>/documents.sqlite   document records (content hashes) of that version
      versions/<id>/version.json       id, parent, state (building | committed), timestamps
      .lock                            held (flock) by the one writer or build at a time
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ungraph.store.base import StoreError

CURRENT = "current"
VERSIONS = "versions"
LOCK = ".lock"
DATABASE = "oxigraph"
RECORDS = "documents.sqlite"
MANIFEST = "version.json"


def new_version_id(now: datetime | None = None) -> str:
    """A sortable, unique version id: UTC time plus a random suffix.

    >>> new_version_id(datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC))[:17]
    '20240501T120000Z-'
    """
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class WriterLock:
    """An exclusive advisory lock on ``<location>/.lock``; the kernel drops it if we die."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            os.close(self._fd)
            self._fd = None
            raise StoreError(
                f"store {path.parent} is being written by another process (lock {path}); "
                "wait for it to finish"
            ) from error
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def close(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class StoreLayout:
    """Paths and pointer operations of one store folder."""

    root: Path

    @property
    def versions(self) -> Path:
        return self.root / VERSIONS

    @property
    def pointer(self) -> Path:
        return self.root / CURRENT

    def version_dir(self, version: str) -> Path:
        return self.versions / version

    def database(self, version: str) -> Path:
        return self.version_dir(version) / DATABASE

    def records(self, version: str) -> Path:
        return self.version_dir(version) / RECORDS

    def current(self) -> str | None:
        """The id of the version ``current`` points to, or None for an empty location."""
        try:
            target = os.readlink(self.pointer)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"{self.pointer} is not a symlink to a store version") from error
        version = Path(target).name
        if not self.version_dir(version).is_dir():
            raise StoreError(f"{self.pointer} points to {target}, which does not exist")
        return version

    def lock(self) -> WriterLock:
        self.root.mkdir(parents=True, exist_ok=True)
        return WriterLock(self.root / LOCK)

    def manifest(self, version: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(
                (self.version_dir(version) / MANIFEST).read_text("utf-8")
            )
        except (OSError, ValueError):
            return {"id": version, "state": "unknown"}
        return data

    def write_manifest(self, version: str, **fields: Any) -> None:
        path = self.version_dir(version) / MANIFEST
        previous = self.manifest(version) if path.exists() else {}
        data = {**previous, **fields, "id": version}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
        _fsync_file(temporary)
        os.replace(temporary, path)

    def switch(self, version: str) -> None:
        """Point ``current`` at ``version`` in one atomic rename.

        A reader resolves ``current`` once, when it opens the store, so it sees the old version
        or the new one, never a mix; a crash leaves the pointer as it was or as it is now.
        """
        if not self.version_dir(version).is_dir():
            raise StoreError(f"cannot switch to missing version {version}")
        temporary = self.root / f".{CURRENT}.{os.getpid()}.{secrets.token_hex(3)}"
        os.symlink(f"{VERSIONS}/{version}", temporary)
        os.replace(temporary, self.pointer)
        _fsync_dir(self.root)

    def prune(self, keep: set[str]) -> list[str]:
        """Remove every version not in ``keep`` (incomplete builds included); returns them."""
        removed: list[str] = []
        if not self.versions.is_dir():
            return removed
        for child in sorted(self.versions.iterdir()):
            if child.name not in keep and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
        return removed

    def keep_set(self) -> set[str]:
        """The current version and the one it replaced (readers may still have that open)."""
        current = self.current()
        if current is None:
            return set()
        keep = {current}
        parent = self.manifest(current).get("parent")
        if isinstance(parent, str) and self.version_dir(parent).is_dir():
            keep.add(parent)
        return keep


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync_file(path)
