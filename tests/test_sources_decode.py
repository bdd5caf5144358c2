"""Bytes to text: every encoding a real file has, and clear errors for what is not text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ungraph.sources.decode import (
    DEFAULT_MAX_BYTES,
    check_text,
    decode_bytes,
    read_limited,
)
from ungraph.sources.model import SourceError

# Curly quotes, a dash, an ellipsis and a euro sign: the characters UN texts use that differ
# between cp1252 and Latin-1.
TYPOGRAPHIC = "The Secretary-General’s “digital compact” — costs €5… for all."


@pytest.mark.parametrize(
    ("data", "encoding", "how"),
    [
        (codecs.BOM_UTF8 + TYPOGRAPHIC.encode("utf-8"), "utf-8", "bom"),
        (codecs.BOM_UTF16_LE + TYPOGRAPHIC.encode("utf-16-le"), "utf-16-le", "bom"),
        (codecs.BOM_UTF16_BE + TYPOGRAPHIC.encode("utf-16-be"), "utf-16-be", "bom"),
        (codecs.BOM_UTF32_LE + TYPOGRAPHIC.encode("utf-32-le"), "utf-32-le", "bom"),
        (codecs.BOM_UTF32_BE + TYPOGRAPHIC.encode("utf-32-be"), "utf-32-be", "bom"),
        (TYPOGRAPHIC.encode("utf-8"), "utf-8", "utf-8"),
        (TYPOGRAPHIC.encode("cp1252"), "cp1252", "detected"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-le-bom", "utf-32-be-bom",
         "utf-8", "cp1252"],
)  # fmt: skip
def test_each_encoding_gives_the_published_text(data: bytes, encoding: str, how: str) -> None:
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == TYPOGRAPHIC
    assert (decoded.encoding, decoded.how) == (encoding, how)
    assert "\ufeff" not in decoded.text


def test_latin1_accents_survive() -> None:
    data = "Le Secrétaire général a salué la réunion à Genève.".encode("latin-1")
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == "Le Secrétaire général a salué la réunion à Genève."
    # cp1252 and Latin-1 agree on every letter here; either name is an honest answer.
    assert decoded.encoding in {"cp1252", "latin_1", "iso8859_15"}


def test_cp1252_curly_quotes_are_not_read_as_mac_roman() -> None:
    data = "“Let us act” – the Secretary-General’s call\r\n".encode("cp1252") * 3
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == "“Let us act” – the Secretary-General’s call\n" * 3
    assert decoded.encoding == "cp1252"


def test_bytes_cp1252_leaves_undefined_fall_back_to_latin1() -> None:
    data = b"caf\xe9 \x81\x8d\x8f\x90\x9d ok"
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text.startswith("café ")
    assert decoded.text.endswith(" ok")


def test_mixed_line_endings_become_lf_and_nothing_else_changes() -> None:
    data = "one\r\ntwo\rthree\nfour\u00a0five\u2009six\x0cseven\r\n".encode()
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == "one\ntwo\nthree\nfour\u00a0five\u2009six\x0cseven\n"


def test_utf8_bom_in_front_of_windows_text_keeps_the_text() -> None:
    data = codecs.BOM_UTF8 + "“quoted” café".encode("cp1252")
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == "“quoted” café"
    assert decoded.how.endswith("after a UTF-8 BOM")


def test_declared_encoding_is_used_when_utf8_fails() -> None:
    data = "Ελληνικά κείμενα".encode("iso8859_7")
    assert decode_bytes(data, "x.html", declared="iso-8859-7").text == "Ελληνικά κείμενα"
    # A page that says ISO-8859-1 is read as windows-1252, as browsers do.
    decoded = decode_bytes("“x” €".encode("cp1252"), "x.html", declared="ISO-8859-1")
    assert (decoded.text, decoded.encoding, decoded.how) == ("“x” €", "cp1252", "declared")


def test_valid_utf8_wins_over_a_wrong_declaration() -> None:
    decoded = decode_bytes("café “x”".encode(), "x.html", declared="iso-8859-1")
    assert (decoded.text, decoded.how) == ("café “x”", "utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (codecs.BOM_UTF8, "is empty"),
        (b" \r\n\t \n", "contains only whitespace"),
        ("\u00a0\n".encode(), "contains only whitespace"),
        (b"GIF89a\x01\x00\x01\x00\x00\xff", "NUL"),
        (bytes(range(1, 9)) * 20 + b"text", "looks binary"),
        (b"plain text without a mark \x00\x00", "NUL"),
        ("text".encode("utf-16-le"), "NUL"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8a", "byte-order mark"),
        (codecs.BOM_UTF16_LE + ("\ue000\uf8ff\u0378" * 300).encode("utf-16-le"), "looks binary"),
    ],
    ids=["empty", "bom-only", "whitespace", "nbsp-only", "gif", "controls", "nul",
         "utf16-no-bom", "bad-utf16", "binary-after-bom"],
)  # fmt: skip
def test_what_is_not_text_is_a_source_error_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as raised:
        decode_bytes(data, "corpus/x.txt")
    assert raised.value.origin == "corpus/x.txt"
    assert str(raised.value).startswith("corpus/x.txt: ")
    assert message in raised.value.message


def test_a_form_feed_or_vertical_tab_is_text() -> None:
    # Page breaks of the General Debate corpus and Word's manual line breaks.
    assert decode_bytes(b"page one\x0cpage two\x0bline", "x.txt").text.count("\x0c") == 1


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: 6 MiB on paper, nothing on disk
        handle.truncate(6 * 1024 * 1024)
    with pytest.raises(SourceError) as raised:
        read_limited(big)
    assert raised.value.origin == str(big)
    assert "6 MiB" in raised.value.message and "5 MiB" in raised.value.message


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    assert read_limited(path, max_bytes=100) == b"x" * 100
    with pytest.raises(SourceError, match="over the limit of 99 bytes"):
        read_limited(path, max_bytes=99)
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024


def test_unreadable_path_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as raised:
        read_limited(tmp_path / "missing.txt")
    assert raised.value.origin == str(tmp_path / "missing.txt")
    assert "cannot be read" in raised.value.message


def test_check_text_counts_controls() -> None:
    check_text("ordinary text\twith a tab\n", "x")
    with pytest.raises(SourceError, match="looks binary"):
        check_text("\x01\x02\x03 abc", "x")


@given(st.binary(max_size=2048))
def test_arbitrary_bytes_decode_or_raise_only_source_error(data: bytes) -> None:
    try:
        decoded = decode_bytes(data, "fuzz.txt")
    except SourceError as error:
        assert error.origin == "fuzz.txt"
        return
    assert "\r" not in decoded.text
    assert decoded.text.strip()
    assert not decoded.text.startswith("\ufeff")


@given(st.text(min_size=1).filter(lambda t: t.strip() and "\x00" not in t))
def test_utf8_text_round_trips_up_to_newlines(text: str) -> None:
    try:
        decoded = decode_bytes(text.encode("utf-8"), "x.txt")
    except SourceError:
        return  # too many control characters to be a document
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert decoded.text == expected.removeprefix("\ufeff")
