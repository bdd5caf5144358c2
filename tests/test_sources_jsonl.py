"""JSON lines: good lines are documents, each bad line is an error naming file:line and field."""

from __future__ import annotations

import codecs
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ungraph.sources import read_sources
from ungraph.sources.jsonl import parse_json_line, read_jsonl_source
from ungraph.sources.model import SourceDocument, SourceError


def _read(path: Path, **kwargs: int) -> list[SourceDocument | SourceError]:
    return list(read_jsonl_source(path, **kwargs))


def test_documents_with_their_fields(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [
        {
            "id": "sgsm17419",
            "text": "Line one.\r\nLine two.",
            "source_url": "https://press.un.org/en/2015/sgsm17419.doc.htm",
            "published": "2015-12-16",
            "title": "A title",
            "symbols": ["SG/SM/17419"],
            "speaker": "kept as extra",
            "score": 0.5,
        },
        {"id": 42, "text": "\ufeffNumbered id."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first, second = _read(path)
    assert isinstance(first, SourceDocument) and isinstance(second, SourceDocument)
    assert (first.doc_id, first.origin, first.format) == ("sgsm17419", f"{path}:1", "jsonl")
    assert first.text == "Line one.\nLine two."
    assert first.source_url == "https://press.un.org/en/2015/sgsm17419.doc.htm"
    assert (first.published, first.title, first.page_symbols) == (
        "2015-12-16",
        "A title",
        ("SG/SM/17419",),
    )
    assert first.extra == {"speaker": "kept as extra", "encoding": "utf-8"}
    assert (second.doc_id, second.text) == ("42", "Numbered id.")


BAD_LINES = [
    ('{"id": "a", "text": "x"', "is not valid JSON: column"),
    ('["a", "b"]', "must be a JSON object, got an array"),
    ('{"text": "no id"}', "field 'id' is missing"),
    ('{"id": "", "text": "x"}', "field 'id' is empty"),
    ('{"id": true, "text": "x"}', "field 'id' must be a string or an integer, got a boolean"),
    ('{"id": ["a"], "text": "x"}', "field 'id' must be a string or an integer, got an array"),
    ('{"id": "b"}', "field 'text' is missing"),
    ('{"id": "b", "text": 3}', "field 'text' must be a string, got a number"),
    ('{"id": "b", "text": "  \\n "}', "field 'text' is empty"),
    ('{"id": "b", "text": "a\\u0000b"}', "field 'text' contains NUL characters"),
    ('{"id": "b", "text": "x", "published": "May 2020"}', "field 'published'"),
    ('{"id": "b", "text": "x", "title": {}}', "field 'title' must be a string, got an object"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_a_bad_line_is_an_error_and_the_next_line_still_reads(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"id": "first", "text": "First."}\n' + line + '\n{"id": "last", "text": "Last."}\n',
        encoding="utf-8",
    )
    first, error, last = _read(path)
    assert isinstance(first, SourceDocument) and first.doc_id == "first"
    assert isinstance(error, SourceError)
    assert error.origin == f"{path}:2"
    assert message in error.message
    assert isinstance(last, SourceDocument) and last.doc_id == "last"


def test_a_repeated_id_is_an_error_on_the_later_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.ndjson"
    path.write_text(
        '{"id": "a", "text": "One."}\n{"id": "b", "text": "Two."}\n{"id": "a", "text": "Three."}\n',
        encoding="utf-8",
    )
    items = list(read_sources([path]))
    assert [getattr(i, "doc_id", None) for i in items] == ["a", "b", None]
    error = items[2]
    assert isinstance(error, SourceError)
    assert error.origin == f"{path}:3"
    assert "field 'id': 'a' is already used on line 1" in error.message


def test_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b'\r\n{"id": "a", "text": "One."}\r\n\r\n   \n{"id": "b", "text": "Two."}')
    items = _read(path)
    assert [(i.doc_id, i.origin) for i in items if isinstance(i, SourceDocument)] == [
        ("a", f"{path}:2"),
        ("b", f"{path}:5"),
    ]
    assert len(items) == 2


def test_utf8_bom_and_a_windows_line(tmp_path: Path) -> None:
    path = tmp_path / "enc.jsonl"
    path.write_bytes(
        codecs.BOM_UTF8
        + b'{"id": "a", "text": "caf\xc3\xa9"}\n'
        + '{"id": "b", "text": "“quoted” café"}\n'.encode("cp1252")
    )
    first, second = _read(path)
    assert isinstance(first, SourceDocument) and first.text == "café"
    assert isinstance(second, SourceDocument) and second.text == "“quoted” café"
    assert second.extra["encoding"].startswith("cp1252")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_wide_encodings_with_a_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.jsonl"
    path.write_bytes('{"id": "a", "text": "Één"}\n{"id": "b", "text": "Two"}\n'.encode(encoding))
    items = _read(path)
    assert [(i.doc_id, i.text) for i in items if isinstance(i, SourceDocument)] == [
        ("a", "Één"),
        ("b", "Two"),
    ]


def test_a_line_over_the_limit_is_skipped_unread(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    long_line = json.dumps({"id": "big", "text": "x" * 5000})
    path.write_text(
        '{"id": "a", "text": "Short."}\n' + long_line + '\n{"id": "c", "text": "After."}\n',
        encoding="utf-8",
    )
    first, error, last = _read(path, max_bytes=1000)
    assert isinstance(error, SourceError)
    assert error.origin == f"{path}:2"
    assert "longer than the limit of 1000 bytes" in error.message
    assert isinstance(first, SourceDocument) and isinstance(last, SourceDocument)
    assert last.origin == f"{path}:3"


@pytest.mark.parametrize(
    ("data", "message"), [(b"", "is empty"), (b"\n\n  \n", "holds no documents")]
)
def test_a_file_without_documents_is_an_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "none.jsonl"
    path.write_bytes(data)
    (error,) = _read(path)
    assert isinstance(error, SourceError)
    assert (error.origin, error.message) == (str(path), message)


def test_parse_json_line_is_pure() -> None:
    doc_id, document = parse_json_line('{"id": " x1 ", "text": "T"}', origin="f.jsonl:7")
    assert (doc_id, document.doc_id, document.origin) == ("x1", "x1", "f.jsonl:7")


@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_crash_the_jsonl_reader(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(data)
        for item in read_jsonl_source(path, max_bytes=256):
            assert isinstance(item, SourceDocument | SourceError)
            assert item.origin.startswith(str(path))


@given(st.text(max_size=200))
def test_arbitrary_lines_never_raise_anything_but_source_error(line: str) -> None:
    try:
        parse_json_line(line, origin="x:1")
    except SourceError as error:
        assert error.origin == "x:1"
