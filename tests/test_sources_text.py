"""Text documents and their sidecars: every corpus file reads; bad sidecars are named."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ungraph.config import load_settings
from ungraph.sources import read_sources
from ungraph.sources.metadata import KNOWN_KEYS, absolute_url, iso_date, metadata_from_json
from ungraph.sources.model import SourceDocument, SourceError
from ungraph.sources.text import is_sidecar, load_sidecar, read_text, sidecar_for, text_document


def _corpus_texts() -> list[Path]:
    corpus = load_settings().corpus_dir
    return sorted(corpus.glob("*.txt")) + sorted((corpus / "partial").glob("*.txt"))


CORPUS_TEXTS = _corpus_texts()


def test_the_corpus_has_25_documents_and_6_partial_ones(corpus_dir: Path) -> None:
    # Guards the parametrised test below against silently running over nothing.
    assert len(list(corpus_dir.glob("*.txt"))) == 25
    assert len(list((corpus_dir / "partial").glob("*.txt"))) == 6
    assert len(CORPUS_TEXTS) == 31


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.stem)
def test_every_corpus_text_reads_with_its_sidecar(path: Path) -> None:
    document = read_text(path)
    assert isinstance(document, SourceDocument)
    assert document.doc_id == path.stem
    assert document.origin == str(path)
    assert document.format == "text"
    # The corpus is UTF-8 (its README): the text is the file, newlines normalised.
    expected = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    assert document.text == expected.replace("\r\n", "\n").replace("\r", "\n")
    assert document.extra["encoding"] == "utf-8"
    sidecar = json.loads(sidecar_for(path).read_text(encoding="utf-8"))
    assert document.published == sidecar.get("published")
    assert document.title == sidecar.get("title")
    url = sidecar.get("source_url")
    if url is not None and absolute_url(url):
        assert document.source_url == url
    else:
        assert document.source_url is None
        assert document.extra["source_note"] == url


def test_a_sidecar_note_that_is_not_an_address_is_kept_verbatim(corpus_dir: Path) -> None:
    (path,) = (corpus_dir / "partial").glob("P09_*.txt")
    document = read_text(path)
    assert document.source_url is None
    assert document.extra["source_note"] == "press.un.org (SG/SM/21983)"


def test_reading_the_corpus_folder_skips_sidecars_and_gold_files(corpus_dir: Path) -> None:
    items = list(read_sources([corpus_dir]))
    errors = [item for item in items if isinstance(item, SourceError)]
    documents = [item for item in items if isinstance(item, SourceDocument)]
    assert errors == []
    assert sum(d.format == "text" for d in documents) == 31
    assert sum(d.format == "html" for d in documents) == 7
    assert not any(d.doc_id.endswith((".meta", ".gold")) for d in documents)
    assert len({d.origin for d in documents}) == len(documents)


@pytest.mark.parametrize(
    "name", ["x.meta.json", "x.gold.json", "X.META.JSON"], ids=["meta", "gold", "upper"]
)
def test_sidecars_are_never_documents(name: str) -> None:
    assert is_sidecar(Path(name))


def _write(folder: Path, stem: str, text: bytes, sidecar: str | bytes | None) -> Path:
    path = folder / f"{stem}.txt"
    path.write_bytes(text)
    if sidecar is not None:
        data = sidecar.encode("utf-8") if isinstance(sidecar, str) else sidecar
        (folder / f"{stem}.meta.json").write_bytes(data)
    return path


def test_sidecar_fields_and_extra_strings(tmp_path: Path) -> None:
    sidecar = json.dumps(
        {
            "source_url": "https://press.un.org/en/2016/sgsm17700.doc.htm",
            "published": "2016-02-12",
            "title": "  A title  ",
            "symbols": ["SG/SM/17700", "OBV/1500"],
            "doc_type": "Press Release",
            "retrieved": "2024-01-01T00:00:00Z",
            "pages": 3,
            "tags": ["not", "a", "string"],
        }
    )
    document = read_text(_write(tmp_path, "doc", b"Body text.\r\n", sidecar))
    assert document.text == "Body text.\n"
    assert document.source_url == "https://press.un.org/en/2016/sgsm17700.doc.htm"
    assert document.published == "2016-02-12"
    assert document.title == "A title"
    assert document.page_symbols == ("SG/SM/17700", "OBV/1500")
    assert document.page_kind == "Press Release"
    assert document.extra == {"retrieved": "2024-01-01T00:00:00Z", "encoding": "utf-8"}


def test_no_sidecar_is_fine(tmp_path: Path) -> None:
    document = read_text(_write(tmp_path, "alone", b"Just text.", None))
    assert (document.source_url, document.published, document.title) == (None, None, None)


@pytest.mark.parametrize("published", ["2017", "2012-05", "2017-12-18"])
def test_partial_dates_are_dates(tmp_path: Path, published: str) -> None:
    path = _write(tmp_path, "d", b"Text.", json.dumps({"published": published}))
    assert read_text(path).published == published


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ('{\n  "source_url": "https://x.org/a",\n  "title": "t"\n  "published": "2020"\n}',
         "is not valid JSON: line 4 column 3"),
        ('{"title": 5}', "field 'title' must be a string, got a number"),
        ('{"published": "3/5/2005"}', "field 'published' must be an ISO date"),
        ('{"published": "2023-02-30"}', "field 'published' must be an ISO date"),
        ('{"source_url": ["https://x.org"]}', "field 'source_url' must be a string, got an array"),
        ('{"symbols": "SG/SM/1"}', "field 'symbols' must be a list of strings, got a string"),
        ('{"symbols": ["SG/SM/1", 2]}', "field 'symbols' must be a list of strings"),
        ('{"doc_type": true}', "field 'doc_type' must be a string, got a boolean"),
        ('{"title": "a", "title": "b"}', "field 'title' appears twice"),
        ('["not", "an", "object"]', "must hold a JSON object"),
        ("", "is empty"),
    ],
    ids=["syntax", "title-type", "date-format", "date-calendar", "url-type", "symbols-string",
         "symbols-items", "doc-type", "duplicate-key", "array", "empty"],
)  # fmt: skip
def test_a_bad_sidecar_stops_its_document_and_names_itself(
    tmp_path: Path, sidecar: str, message: str
) -> None:
    path = _write(tmp_path, "doc", b"Some text.", sidecar)
    with pytest.raises(SourceError) as raised:
        read_text(path)
    assert raised.value.origin == str(tmp_path / "doc.meta.json")
    assert message in raised.value.message
    assert "doc.txt was not read" in raised.value.message


def test_a_bad_sidecar_does_not_stop_the_other_documents(tmp_path: Path) -> None:
    _write(tmp_path, "a_good", b"First.", '{"title": "Good"}')
    _write(tmp_path, "b_bad", b"Second.", '{"title": ')
    _write(tmp_path, "c_good", b"Third.", None)
    items = list(read_sources([tmp_path]))
    assert [type(item).__name__ for item in items] == [
        "SourceDocument",
        "SourceError",
        "SourceDocument",
    ]
    error = items[1]
    assert isinstance(error, SourceError)
    assert error.origin == str(tmp_path / "b_bad.meta.json")
    assert "line 1 column" in error.message


def test_sidecar_written_on_windows_still_reads(tmp_path: Path) -> None:
    sidecar = '{"title": "Caf\u00e9 \u201cx\u201d"}'.encode("cp1252")
    document = read_text(_write(tmp_path, "w", b"Text.", sidecar))
    assert document.title == "Café “x”"
    assert load_sidecar(tmp_path / "w.meta.json").title == "Café “x”"


def test_text_in_windows_1252_is_decoded_and_says_so(tmp_path: Path) -> None:
    text = "“Digital divides” must close — now.\r\nSecond line.\r\n"
    document = read_text(_write(tmp_path, "win", text.encode("cp1252"), None))
    assert document.text == "“Digital divides” must close — now.\nSecond line.\n"
    assert document.extra["encoding"] == "cp1252 (detected)"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
_SIDECAR_KEYS = st.sampled_from([*KNOWN_KEYS, "retrieved", "layout", ""]) | st.text(max_size=8)


@given(st.dictionaries(_SIDECAR_KEYS, _JSON_VALUES, max_size=8))
def test_any_sidecar_object_is_read_or_refused_with_a_named_field(
    values: dict[str, object],
) -> None:
    try:
        meta = metadata_from_json(values, "x.meta.json")
    except SourceError as error:
        assert error.origin == "x.meta.json"
        assert "field '" in error.message
        return
    assert meta.source_url is None or absolute_url(meta.source_url) == meta.source_url
    assert meta.published is None or iso_date(meta.published) == meta.published
    assert all(isinstance(value, str) for value in meta.extra.values())


@given(st.binary(max_size=1024))
def test_arbitrary_bytes_make_a_text_document_or_a_source_error(data: bytes) -> None:
    try:
        document = text_document(data, origin="fuzz.txt", doc_id="fuzz")
    except SourceError as error:
        assert error.origin == "fuzz.txt"
        return
    assert "\r" not in document.text and document.text.strip()


@given(st.binary(max_size=512))
def test_arbitrary_sidecar_bytes_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.meta.json"
        path.write_bytes(data)
        try:
            load_sidecar(path)
        except SourceError as error:
            assert error.origin == str(path)
