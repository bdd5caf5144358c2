"""Plain-text documents (``.txt``) with an optional ``<stem>.meta.json`` sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ungraph.sources.decode import DEFAULT_MAX_BYTES, decode_bytes, read_limited
from ungraph.sources.metadata import Metadata, metadata_from_json
from ungraph.sources.model import SourceDocument, SourceError

SIDECAR_SUFFIX = ".meta.json"
# Files beside the documents that are never documents themselves.
NOT_DOCUMENTS = (SIDECAR_SUFFIX, ".gold.json")


def is_sidecar(path: Path) -> bool:
    """True for ``*.meta.json`` and ``*.gold.json``, which describe a document.

    >>> is_sidecar(Path("000_seed.meta.json")), is_sidecar(Path("000_seed.txt"))
    (True, False)
    """
    return path.name.lower().endswith(NOT_DOCUMENTS)


def sidecar_for(path: Path) -> Path:
    """The sidecar a document may have: ``x.txt`` → ``x.meta.json``.

    >>> sidecar_for(Path("corpus/000_seed.txt")).as_posix()
    'corpus/000_seed.meta.json'
    """
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load_sidecar(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Metadata:
    """Read and check a ``.meta.json`` sidecar.

    Raises :class:`SourceError` naming the sidecar and, for bad JSON, the line and column, or
    the field with a wrong type. JSON is UTF-8 by its specification; a BOM or a Windows
    encoding is still read (through :func:`decode_bytes`), as a sidecar written by hand on
    Windows should not be lost.
    """
    origin = str(path)
    decoded = decode_bytes(read_limited(path, max_bytes=max_bytes), origin)
    try:
        values = json.loads(decoded.text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise SourceError(
            origin, f"is not valid JSON: line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    except _DuplicateKey as error:
        raise SourceError(origin, f"field {error.key!r} appears twice") from error
    if not isinstance(values, dict):
        raise SourceError(origin, "must hold a JSON object ({...}) at the top level")
    return metadata_from_json(values, origin)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json keeps the last of two equal keys without a word; in a sidecar that hides a typo.
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def text_document(
    data: bytes, *, origin: str, doc_id: str, metadata: Metadata | None = None
) -> SourceDocument:
    """Decode the bytes of a text file into a document carrying what its sidecar says."""
    decoded = decode_bytes(data, origin)
    meta = metadata or Metadata()
    extra = {**meta.extra, "encoding": decoded.label}
    return SourceDocument(
        doc_id=doc_id,
        origin=origin,
        text=decoded.text,
        format="text",
        source_url=meta.source_url,
        published=meta.published,
        title=meta.title,
        page_symbols=meta.symbols,
        page_kind=meta.doc_type,
        extra=extra,
    )


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Read one ``.txt`` document and its sidecar; ``doc_id`` is the file stem.

    A sidecar that cannot be read stops the document too (:class:`SourceError` naming the
    sidecar): the sidecar gives the source address, date and title that the document's IRI
    and date come from, and reading the text without them would quietly give the document
    another identity. Fix the sidecar and read again.
    """
    sidecar = sidecar_for(path)
    metadata = None
    if sidecar.is_file():
        try:
            metadata = load_sidecar(sidecar, max_bytes=max_bytes)
        except SourceError as error:
            raise SourceError(
                error.origin, f"{error.message} (so {path.name} was not read)"
            ) from error
    data = read_limited(path, max_bytes=max_bytes)
    return text_document(data, origin=str(path), doc_id=path.stem, metadata=metadata)


def read_text_source(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceDocument | SourceError]:
    """The registry's reader for ``.txt``: the document, or the error that stopped it."""
    try:
        yield read_text(path, max_bytes=max_bytes)
    except SourceError as error:
        yield error
