"""JSON lines: one document per line, ``{"id", "text", "source_url"?, "published"?, "title"?}``."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from ungraph.sources.decode import (
    DEFAULT_MAX_BYTES,
    check_text,
    decode_bytes,
    human_size,
    normalise_newlines,
)
from ungraph.sources.metadata import json_type_name, metadata_from_json
from ungraph.sources.model import SourceDocument, SourceError

# A file that starts with one of these is read as text in that encoding; any other file is
# read line by line as bytes, each line UTF-8 (JSON's encoding) or, failing that, decoded like
# a text file, so one line saved by a Windows tool does not spoil its neighbours.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TOO_LONG = object()


def _byte_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | object]:
    """Lines of at most ``limit`` bytes; a longer line is skipped unread and reported."""
    while True:
        line = handle.readline(limit + 2)  # room for CR LF after a line of exactly ``limit``
        if not line:
            return
        if len(line.rstrip(b"\r\n")) > limit:
            while not line.endswith(b"\n"):
                line = handle.readline(65536)
                if not line:
                    break
            yield _TOO_LONG
        else:
            yield line


def _text_lines(handle: TextIO, limit: int) -> Iterator[str | object]:
    while True:
        line = handle.readline(limit + 2)
        if not line:
            return
        if len(line.rstrip("\r\n")) > limit:
            while not line.endswith("\n"):
                line = handle.readline(65536)
                if not line:
                    break
            yield _TOO_LONG
        else:
            yield line


def _decode_line(raw: bytes | str, origin: str, first: bool) -> tuple[str, str]:
    if isinstance(raw, str):
        return raw, "bom"
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        decoded = decode_bytes(raw, origin)
        return decoded.text, decoded.label


def parse_json_line(
    line: str, *, origin: str, encoding: str = "utf-8"
) -> tuple[str, SourceDocument]:
    """Check one JSON line and return its id and document.

    Raises :class:`SourceError` naming ``origin`` (``file:line``) and the field at fault.

    >>> doc_id, doc = parse_json_line('{"id": "a1", "text": "Let us act.\\\\r\\\\n"}', origin="x:1")
    >>> doc_id, doc.text
    ('a1', 'Let us act.\\n')
    """
    try:
        values = json.loads(line)
    except json.JSONDecodeError as error:
        raise SourceError(
            origin, f"is not valid JSON: column {error.colno}: {error.msg}"
        ) from error
    except RecursionError as error:
        raise SourceError(origin, "is nested too deeply to be a document") from error
    if not isinstance(values, dict):
        raise SourceError(origin, f"must be a JSON object, got {json_type_name(values)}")
    raw_id = values.get("id")
    if raw_id is None:
        raise SourceError(origin, "field 'id' is missing")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise SourceError(
            origin, f"field 'id' must be a string or an integer, got {json_type_name(raw_id)}"
        )
    doc_id = str(raw_id).strip()
    if not doc_id:
        raise SourceError(origin, "field 'id' is empty")
    raw_text = values.get("text")
    if raw_text is None:
        raise SourceError(origin, "field 'text' is missing")
    if not isinstance(raw_text, str):
        raise SourceError(origin, f"field 'text' must be a string, got {json_type_name(raw_text)}")
    text = normalise_newlines(raw_text.removeprefix("\ufeff"))
    if not text.strip():
        raise SourceError(origin, "field 'text' is empty")
    try:
        check_text(text, origin)
    except SourceError as error:
        raise SourceError(origin, f"field 'text' {error.message}") from error
    meta = metadata_from_json(values, origin, skip=frozenset({"id", "text"}))
    document = SourceDocument(
        doc_id=doc_id,
        origin=origin,
        text=text,
        format="jsonl",
        source_url=meta.source_url,
        published=meta.published,
        title=meta.title,
        page_symbols=meta.symbols,
        page_kind=meta.doc_type,
        extra={**meta.extra, "encoding": encoding},
    )
    return doc_id, document


def read_jsonl_source(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceDocument | SourceError]:
    """Every document of a JSON-lines file, streamed; a bad line yields its error.

    ``max_bytes`` limits each line (each document), not the file: a file of 10,000
    documents is expected to be large. Blank lines are skipped. A repeated ``id`` is an
    error on the later line; the first document with that id is kept.
    """
    try:
        handle = path.open("rb")
    except OSError as error:
        yield SourceError(str(path), f"cannot be read: {error.strerror or error}")
        return
    with handle:
        head = handle.read(4)
        handle.seek(0)
        lines: Iterator[bytes | str | object] = _byte_lines(handle, max_bytes)
        for mark, encoding in _WIDE_BOMS:
            if head.startswith(mark):
                wrapper = io.TextIOWrapper(handle, encoding=encoding, newline="")
                lines = _text_lines(wrapper, max_bytes)
                break
        seen: dict[str, int] = {}
        reported = False
        number = 0
        try:
            for number, raw in enumerate(lines, start=1):
                origin = f"{path}:{number}"
                if raw is _TOO_LONG:
                    reported = True
                    yield SourceError(
                        origin, f"is longer than the limit of {human_size(max_bytes)}"
                    )
                    continue
                assert isinstance(raw, bytes | str)
                try:
                    line, encoding = _decode_line(raw, origin, first=number == 1)
                    if not line.strip():
                        continue
                    doc_id, document = parse_json_line(line, origin=origin, encoding=encoding)
                    if doc_id in seen:
                        raise SourceError(
                            origin, f"field 'id': {doc_id!r} is already used on line {seen[doc_id]}"
                        )
                except SourceError as error:
                    reported = True
                    yield error
                    continue
                seen[doc_id] = number
                yield document
        except (UnicodeDecodeError, OSError) as error:
            yield SourceError(f"{path}:{number + 1}", f"cannot be read: {error}")
            return
        if not seen and not reported:
            yield SourceError(str(path), "is empty" if number == 0 else "holds no documents")
