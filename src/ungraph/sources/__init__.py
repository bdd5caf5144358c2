"""The documents stage: files, folders and globs in, :class:`SourceDocument` (or errors) out.

``READERS`` maps a file-name ending to a reader; ``FOLDER_READERS`` lets a source kind that is
a whole folder (the UN General Debate corpus: ``Session NN - YYYY/ISO3_NN_YYYY.txt``) claim it
before the folder is walked file by file. See ``README.md`` in this package to add a reader.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ungraph.sources.decode import DEFAULT_MAX_BYTES
from ungraph.sources.html import read_html_source
from ungraph.sources.jsonl import read_jsonl_source
from ungraph.sources.model import SourceDocument, SourceError
from ungraph.sources.text import is_sidecar, read_text_source
from ungraph.sources.ungd import claims_ungd_folder, read_ungd_folder, read_ungd_source

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FOLDER_READERS",
    "READERS",
    "FolderReader",
    "Reader",
    "SourceDocument",
    "SourceError",
    "SourceItem",
    "iter_documents",
    "read_sources",
    "reader_for",
]

SourceItem = SourceDocument | SourceError


class Reader(Protocol):
    """Reads one path into documents, yielding (never raising) a :class:`SourceError` for
    each document it cannot read, so that the others still come through."""

    def __call__(self, path: Path, *, max_bytes: int = ...) -> Iterator[SourceItem]: ...


@dataclass(frozen=True)
class FolderReader:
    """A source kind that is a whole folder: ``claims(folder)`` says whether it is one."""

    name: str
    claims: Callable[[Path], bool]
    read: Reader


READERS: dict[str, Reader] = {
    ".txt": read_text_source,
    ".html": read_html_source,
    ".htm": read_html_source,
    ".jsonl": read_jsonl_source,
    ".ndjson": read_jsonl_source,
    # The UN General Debate corpus's archive, streamed member by member.
    ".tar.gz": read_ungd_source,
    ".tgz": read_ungd_source,
}
FOLDER_READERS: list[FolderReader] = [
    FolderReader("ungd", claims_ungd_folder, read_ungd_folder),
]


def reader_for(path: Path) -> Reader | None:
    """The reader for a file, by the longest registered ending of its name (``.tar.gz``
    before ``.gz``), case-insensitively; None when no reader knows it.

    >>> reader_for(Path("a/000_seed.TXT")) is READERS[".txt"], reader_for(Path("x.pdf"))
    (True, None)
    """
    name = path.name.lower()
    for ending in sorted(READERS, key=len, reverse=True):
        if name.endswith(ending) and len(name) > len(ending):
            return READERS[ending]
    return None


def _has_magic(text: str) -> bool:
    return any(char in text for char in "*?[")


def _walk(folder: Path, visited: set[Path]) -> Iterator[tuple[Path, Reader] | SourceError]:
    """Readable files under a folder, recursively, sorted by name at each level; hidden
    files and folders and sidecars are skipped, as are files no reader knows."""
    for kind in FOLDER_READERS:
        if kind.claims(folder):
            yield folder, kind.read
            return
    real = folder.resolve()
    if real in visited:  # a symbolic link back up the tree
        return
    visited.add(real)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield SourceError(str(folder), f"cannot be listed: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            yield from _walk(path, visited)
        elif not is_sidecar(path) and (reader := reader_for(path)) is not None:
            yield path, reader


def _targets(spec: str | Path) -> Iterator[tuple[Path, Reader] | SourceError]:
    """What one spec names: a file, a folder's files, or a glob's matches."""
    text = str(spec)
    path = Path(text).expanduser()
    found = False
    if path.is_dir():
        for target in _walk(path, set()):
            found = found or not isinstance(target, SourceError)
            yield target
        if not found:
            yield SourceError(text, "is a folder with no documents in it")
    elif path.exists():
        if is_sidecar(path):
            yield SourceError(text, "is a sidecar, not a document: name the document instead")
        elif (reader := reader_for(path)) is None:
            endings = ", ".join(sorted(READERS))
            yield SourceError(text, f"is of a type no reader knows (readers: {endings})")
        else:
            yield path, reader
    elif _has_magic(text):
        visited: set[Path] = set()
        for match in sorted(glob.iglob(str(path), recursive=True)):
            candidate = Path(match)
            if candidate.is_dir():
                targets: Iterable[tuple[Path, Reader] | SourceError] = _walk(candidate, visited)
            elif not is_sidecar(candidate) and (reader := reader_for(candidate)) is not None:
                targets = [(candidate, reader)]
            else:
                continue
            for target in targets:
                found = found or not isinstance(target, SourceError)
                yield target
        if not found:
            yield SourceError(text, "matches no documents")
    else:
        yield SourceError(text, "no such file or folder")


def read_sources(
    specs: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceItem]:
    """Read every document that files, folders (recursively) and globs name, in a
    deterministic order, yielding each :class:`SourceDocument` or the :class:`SourceError`
    that stopped one. One bad file never stops the others; a spec that matches nothing is
    itself an error. A file named twice is read once. Streams: nothing is held but the
    names of the files already read.
    """
    seen: set[Path] = set()
    for spec in specs:
        for target in _targets(spec):
            if isinstance(target, SourceError):
                yield target
                continue
            path, reader = target
            key = path.resolve()
            if key in seen:
                continue
            seen.add(key)
            try:
                yield from reader(path, max_bytes=max_bytes)
            except SourceError as error:  # a reader should yield these; be safe if it raises
                yield error
            except OSError as error:
                yield SourceError(str(path), f"cannot be read: {error.strerror or error}")


def iter_documents(
    specs: Iterable[str | Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_error: Callable[[SourceError], object] | None = None,
) -> Iterator[SourceDocument]:
    """The documents of :func:`read_sources`, with errors handed to ``on_error`` (for example
    ``errors.append``); without ``on_error`` the first error is raised."""
    for item in read_sources(specs, max_bytes=max_bytes):
        if isinstance(item, SourceError):
            if on_error is None:
                raise item
            on_error(item)
        else:
            yield item
