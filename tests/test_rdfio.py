"""Reading RDF files: every format, positioned errors, hardened XML, size limits."""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ungraph.formats import RDF_FORMATS, TURTLE, from_path
from ungraph.rdfio import (
    InputTooLarge,
    RdfInputError,
    RdfSyntaxError,
    UnknownRdfFormat,
    UnsafeXmlError,
    check_xml,
    detect_format,
    read_dataset,
)

FORMATS_DIR = Path(__file__).parent / "data" / "store" / "formats"
SMALL = sorted(FORMATS_DIR.glob("small.*"))

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&secret;</ex:p></rdf:Description>
</rdf:RDF>
"""


def _merged(dataset: Dataset) -> Graph:
    merged = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged


def test_fixtures_cover_every_rdf_format() -> None:
    assert {from_path(p)[0] for p in SMALL} == set(RDF_FORMATS)


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_every_format_reads_to_the_same_graph(path: Path) -> None:
    expected = Graph().parse(FORMATS_DIR / "small.ttl", format="turtle")
    assert isomorphic(_merged(read_dataset(path)), expected)


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_gzipped_files_read_too(path: Path, tmp_path: Path) -> None:
    zipped = tmp_path / (path.name + ".gz")
    zipped.write_bytes(gzip.compress(path.read_bytes()))
    assert isomorphic(_merged(read_dataset(zipped)), _merged(read_dataset(path)))


def test_dataset_formats_keep_their_graphs() -> None:
    dataset = read_dataset(FORMATS_DIR / "small.trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {"http://example.org/g1", "http://example.org/g2"} <= names


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("bad.ttl", 3, 19, "dot is expected"),
        ("bad.nq", 2, None, "end of file"),
        ("bad.jsonld", 3, 10, "closing square bracket"),
        ("bad.rdf", 4, 3, "not well-formed"),
    ],
)
def test_syntax_errors_name_file_line_and_column(
    name: str, line: int, column: int | None, words: str
) -> None:
    path = FORMATS_DIR / name
    with pytest.raises(RdfSyntaxError) as caught:
        read_dataset(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line
    if column is not None:
        assert error.column == column
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}:")


def test_rdfxml_errors_without_engine_position_still_get_one(tmp_path: Path) -> None:
    # Well-formed XML that is not valid RDF/XML: Oxigraph reports no position for these, and
    # rdflib accepts this one silently; the quoted fragment of the message is located instead.
    path = tmp_path / "invalid.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a">\n'
        '    <ex:p rdf:resource="http://example.org/b">text</ex:p>\n'
        "  </rdf:Description>\n</rdf:RDF>\n"
    )
    with pytest.raises(RdfSyntaxError) as caught:
        read_dataset(path)
    assert caught.value.path == str(path)
    assert (caught.value.line, caught.value.column) == (4, 47)
    assert "text" in caught.value.message


def test_billion_laughs_is_refused_fast_in_a_subprocess(tmp_path: Path) -> None:
    # A subprocess with a timeout: if the hardening ever regressed, the test fails instead of
    # hanging the suite or eating the machine's memory.
    path = tmp_path / "lol.rdf"
    path.write_text(BILLION_LAUGHS)
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        from ungraph.rdfio import read_dataset, UnsafeXmlError
        try:
            read_dataset({str(path)!r})
        except UnsafeXmlError as error:
            print(error)
            sys.exit(0)
        sys.exit(3)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"{path}:2:" in done.stdout
    assert "DTD" in done.stdout


def test_external_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe.rdf"
    path.write_text(EXTERNAL_ENTITY)
    with pytest.raises(UnsafeXmlError) as caught:
        read_dataset(path)
    assert str(caught.value).startswith(f"{path}:2:")
    assert "root:" not in str(caught.value)


def test_check_xml_accepts_plain_rdfxml() -> None:
    check_xml(FORMATS_DIR / "small.rdf")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.nt"
    path.write_bytes((FORMATS_DIR / "small.nt").read_bytes() * 10)
    with pytest.raises(InputTooLarge, match="larger than the limit"):
        read_dataset(path, max_bytes=100)


def test_size_limit_applies_to_decompressed_bytes(tmp_path: Path) -> None:
    line = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
    path = tmp_path / "bomb.nt.gz"
    path.write_bytes(gzip.compress(line * 100_000))
    assert path.stat().st_size < 100_000
    with pytest.raises(InputTooLarge, match="decompressed"):
        read_dataset(path, max_bytes=100_000)


def test_unknown_format_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "mystery"
    path.write_text("hello world")
    with pytest.raises(UnknownRdfFormat, match=r"\.ttl"):
        read_dataset(path)


def test_content_sniffing_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes((FORMATS_DIR / "small.ttl").read_bytes())
    assert detect_format(path, path.read_bytes())[0] is TURTLE
    assert len(_merged(read_dataset(path))) == 6


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        read_dataset(tmp_path / "absent.ttl")


def test_remote_jsonld_contexts_are_not_fetched(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://example.org/context.jsonld", "@id": "http://e.org/a"}')
    with pytest.raises(RdfSyntaxError, match="remote JSON-LD contexts"):
        read_dataset(path)


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=300)
    | st.text(
        alphabet="<>_:\"'@{}[].;,#\\ \n\tabcdefPREFIXGRAPH-/?=&!DOCTYPEENTITY0123", max_size=300
    ).map(str.encode),
    suffix=st.sampled_from([".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".ttl.gz", ""]),
)
def test_no_input_crashes_the_reader(data: bytes, suffix: str) -> None:
    # Whatever the bytes, the reader answers with a dataset or an RdfInputError, never another
    # exception and never a hang.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            read_dataset(path)
        except RdfInputError as error:
            assert str(error).startswith(str(path))
