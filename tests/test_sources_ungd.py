"""The UN General Debate corpus reader: names, cleaning on byte fixtures written here, the real
archive read by path (skipped without it), the unpacked folder, and no byte input crashing it."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ungraph.config import Settings
from ungraph.sources import (
    SourceDocument,
    SourceError,
    read_sources,
    reader_for,
)
from ungraph.sources.ungd import (
    clean_text,
    parse_member_name,
    read_ungd_folder,
    read_ungd_source,
    statement_document,
)

MEMBER = "txt/Session 70 - 2015/ARG_70_2015.txt"


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _read(data: bytes, member: str = MEMBER) -> SourceDocument:
    return statement_document(data, origin=f"x.tar.gz!{member}", member=member)


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
def test_a_member_name_gives_id_speaker_session_and_year() -> None:
    document = _read(b"We support the Charter.\n")
    assert document.doc_id == "ARG_70_2015"
    assert document.format == "ungd"
    assert document.origin == f"x.tar.gz!{MEMBER}"
    assert document.published == "2015"
    assert document.title is None and document.source_url is None
    assert {k: document.extra[k] for k in ("iso3", "session", "year")} == {
        "iso3": "ARG",
        "session": "70",
        "year": "2015",
    }


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("Session 70 - 2015/arg_70_2015.txt", "is not named ISO3_NN_YYYY.txt"),
        ("Session 70 - 2015/ARGENTINA_70_2015.txt", "is not named ISO3_NN_YYYY.txt"),
        ("Session 70 - 2015/ARG-70-2015.txt", "is not named ISO3_NN_YYYY.txt"),
        ("Session 70 - 2015/XY_70_2015.txt", "'XY' is not an ISO 3166-1 alpha-3 code"),
        ("Session 70 - 2015/ARG_70_2016.txt", "session 70 met in 2015, the name says 2016"),
        ("Session 00 - 1945/ARG_00_1945.txt", "session 0 does not exist"),
        ("Session 69 - 2014/ARG_70_2015.txt", "lies in the folder 'Session 69 - 2014'"),
    ],
)
def test_a_bad_member_name_is_an_error_naming_the_member(member: str, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        _read(b"Text.", member)
    assert caught.value.origin == f"x.tar.gz!{member}"
    assert "not a General Debate statement" in caught.value.message
    assert reason in caught.value.message


def test_the_european_union_keeps_its_corpus_code() -> None:
    assert parse_member_name("Session 66 - 2011/EU_66_2011.txt").code == "EU"


# ---------------------------------------------------------------------------------------------
# Cleaning, on byte fixtures
# ---------------------------------------------------------------------------------------------
def test_a_byte_order_mark_is_removed_and_counted() -> None:
    document = _read(b"\xef\xbb\xbfMr. President, we thank you.\n")
    assert document.text == "Mr. President, we thank you.\n"
    assert document.extra["repaired_byte_order_marks"] == "1"
    assert document.extra["encoding"] == "utf-8"


def test_crlf_and_lone_cr_become_lf_and_are_counted() -> None:
    document = _read(b"We thank you.\r\nWe act.\rWe stay.\r\n")
    assert document.text == "We thank you.\nWe act.\nWe stay.\n"
    assert document.extra["repaired_crlf_line_ends"] == "2"
    assert document.extra["repaired_cr_line_ends"] == "1"


def test_a_page_break_inside_a_sentence_joins_it_again() -> None:
    document = _read(b"We honour Nelson \n\n\n\x0c\nMandela today.\n")
    assert document.text == "We honour Nelson Mandela today.\n"
    assert document.extra["repaired_page_breaks"] == "1"


def test_a_page_break_after_a_sentence_is_a_paragraph_break() -> None:
    assert clean_text("We act.\n\n\n\x0c\n(spoke in French)\nNous agissons.").text == (
        "We act.\n\n(spoke in French) Nous agissons."
    )
    assert clean_text("\x0cWe act.\x0c\n").text == "We act.\n"


def test_other_control_characters_are_removed_or_become_line_breaks() -> None:
    cleaned = clean_text("We act\x01 now.\u2028Then\x0bmore. A\ufeffnd.")
    # The vertical tab is a line break inside a sentence, which the line joining mends.
    assert cleaned.text == "We act now.\nThen more. And."
    assert cleaned.repairs == {"byte_order_marks": 1, "control_characters": 3, "line_breaks": 1}


def test_mojibake_is_repaired_and_counted() -> None:
    # "“zero victim”", "—" and "é" written as UTF-8 and read back as Windows-1252 (the closing
    # quote's last byte, 0x9D, undefined there, kept as a C1 control), as in JPN_53_1998.
    damaged = "the “zero victim” objective — for Côte d’Ivoire".encode().decode("cp1252", "replace")
    damaged = damaged.replace("\ufffd", "\x9d")
    assert "â€œ" in damaged
    document = _read(f"We support {damaged}.\n".encode())
    assert document.text == "We support the “zero victim” objective — for Côte d’Ivoire.\n"
    assert int(document.extra["repaired_mojibake"]) >= 4


def test_a_c1_dash_is_read_as_the_windows_punctuation_it_encodes() -> None:
    assert clean_text("relations \x97 the Charter").text == "relations — the Charter"


def test_text_that_is_right_is_left_alone() -> None:
    text = "Côte d’Ivoire, São Tomé and the “Charter” — naïve café; 50 per cent.\n"
    assert clean_text(text) == clean_text(text)
    assert clean_text(text).text == text
    assert clean_text(text).repairs == {}


def test_words_split_by_the_not_sign_are_joined() -> None:
    cleaned = clean_text("develop¬\nment, con¬tinued, super¬ powers, President-¬elect")
    assert cleaned.text == "development, continued, superpowers, President-elect"
    assert cleaned.repairs == {"split_words": 4}
    # Not between letters: a sign of its own, left alone.
    assert clean_text("1981¬1982 and ¬ alone").text == "1981¬1982 and ¬ alone"


def test_hyphenated_line_ends_keep_the_hyphen_unless_clearly_split() -> None:
    text = (
        "the inter-\nnational order and international law; self-\ndetermination; co-\noperation "
        "and cooperation and co-operation; non-self-\ngoverning; anti-\nBolshevism."
    )
    cleaned = clean_text(text)
    assert cleaned.text == (
        "the international order and international law; self-determination; co-operation "
        "and cooperation and co-operation; non-self-governing; anti-Bolshevism."
    )
    assert cleaned.repairs == {"hyphenation_removed": 1, "hyphenated_line_ends": 4}


def test_lines_broken_inside_a_sentence_are_joined() -> None:
    text = (
        "It gives me\ngreat pleasure to\ncongratulate you.\n"
        "141. I also thank\nthe Secretary-General:\n- for his work\n- for his\ncourage\n\n"
        "New paragraph (1981-\n1982) ends “here.”\nNext."
    )
    cleaned = clean_text(text)
    assert cleaned.text == (
        "It gives me great pleasure to congratulate you.\n"
        "141. I also thank the Secretary-General:\n- for his work\n- for his courage\n\n"
        "New paragraph (1981-1982) ends “here.”\nNext."
    )
    assert cleaned.repairs == {"line_breaks": 5}


def test_a_text_that_cleans_to_nothing_is_an_error() -> None:
    with pytest.raises(SourceError, match="contains no text once cleaned"):
        _read(b"\x0c\x0c\n\xc2\x9d \t")
    with pytest.raises(SourceError, match="is empty"):
        _read(b"")


# ---------------------------------------------------------------------------------------------
# Archives and folders
# ---------------------------------------------------------------------------------------------
def test_an_archive_is_streamed_member_by_member(tmp_path: Path) -> None:
    archive = _archive(
        tmp_path / "debates.tar.gz",
        {
            "txt/README.txt": b"About the corpus.",
            "txt/Session 01 - 1946/ARG_01_1946.txt": b"We support the Charter.",
            "txt/Session 01 - 1946/notes.txt": b"A note.",
            "txt/Session 01 - 1946/.hidden.txt": b"Hidden.",
            "txt/Session 01 - 1946/AUS_01_1946.txt": b"\xef\xbb\xbfWe too.",
            "txt/Session 01 - 1946/BIG_01_1946.txt": b"x" * 200,
        },
    )
    assert reader_for(archive) is read_ungd_source
    items = list(read_sources([archive], max_bytes=100))
    documents = [i for i in items if isinstance(i, SourceDocument)]
    errors = [i for i in items if isinstance(i, SourceError)]
    assert [d.doc_id for d in documents] == ["ARG_01_1946", "AUS_01_1946"]
    assert documents[1].origin == f"{archive}!txt/Session 01 - 1946/AUS_01_1946.txt"
    assert [e.origin for e in errors] == [
        f"{archive}!txt/Session 01 - 1946/notes.txt",
        f"{archive}!txt/Session 01 - 1946/BIG_01_1946.txt",
    ]
    assert "over the limit of 100 bytes" in errors[1].message


def test_a_damaged_archive_stops_with_an_error_naming_the_archive(tmp_path: Path) -> None:
    good = _archive(
        tmp_path / "good.tar.gz",
        {f"Session 01 - 1946/{c}_01_1946.txt": b"We act. " * 2000 for c in ("ARG", "AUS")},
    )
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    items = list(read_ungd_source(cut))
    assert isinstance(items[-1], SourceError)
    assert items[-1].origin == str(cut)
    assert "is not a readable tar archive" in items[-1].message
    not_tar = tmp_path / "plain.tar.gz"
    not_tar.write_bytes(b"not an archive at all")
    [error] = list(read_ungd_source(not_tar))
    assert isinstance(error, SourceError) and "not a readable tar archive" in error.message


def test_an_unpacked_folder_is_claimed_whole(tmp_path: Path) -> None:
    root = tmp_path / "corpus" / "txt"
    for session, year, codes in ((2, 1947, ("BEL", "ARG")), (1, 1946, ("CAN",))):
        folder = root / f"Session {session:02d} - {year}"
        folder.mkdir(parents=True)
        for code in codes:
            (folder / f"{code}_{session:02d}_{year}.txt").write_bytes(b"We act.\r\n")
    (root / "README.txt").write_text("About.", encoding="utf-8")
    (root / "Session 02 - 1947" / "bad.txt").write_text("Bad.", encoding="utf-8")
    items = list(read_sources([tmp_path / "corpus"]))
    documents = [i.doc_id for i in items if isinstance(i, SourceDocument)]
    assert documents == ["CAN_01_1946", "ARG_02_1947", "BEL_02_1947"]
    [error] = [i for i in items if isinstance(i, SourceError)]
    assert error.origin == str(root / "Session 02 - 1947" / "bad.txt")
    # One session folder on its own is the corpus too.
    one = list(read_ungd_folder(root / "Session 01 - 1946"))
    assert [i.doc_id for i in one if isinstance(i, SourceDocument)] == ["CAN_01_1946"]


# ---------------------------------------------------------------------------------------------
# The real corpus, read by path
# ---------------------------------------------------------------------------------------------
REAL = {
    "txt/Session 37 - 1982/LAO_37_1982.txt": "split_words",
    "txt/Session 53 - 1998/JPN_53_1998.txt": "mojibake",
    "txt/Session 69 - 2014/USA_69_2014.txt": "page_breaks",
    "txt/Session 50 - 1995/BRA_50_1995.txt": "line_breaks",
    "txt/Session 70 - 2015/ARG_70_2015.txt": None,
}


@pytest.fixture(scope="module")
def real_members(settings: Settings) -> dict[str, SourceDocument]:
    archive = settings.ungd_dir / "ungd-txt.tar.gz"
    if not archive.is_file():
        pytest.skip(f"the General Debate archive is not at {archive} (UNGRAPH_SHARED)")
    found: dict[str, SourceDocument] = {}
    with tarfile.open(archive, "r|gz") as tar:
        for member in tar:
            if member.name in REAL:
                handle = tar.extractfile(member)
                assert handle is not None
                origin = f"{archive}!{member.name}"
                found[member.name] = statement_document(
                    handle.read(), origin=origin, member=member.name
                )
            if len(found) == len(REAL):
                break
    return found


def test_real_members_are_read_and_repaired(real_members: dict[str, SourceDocument]) -> None:
    assert set(real_members) == set(REAL)
    for member, repair in REAL.items():
        document = real_members[member]
        assert document.doc_id == Path(member).stem
        if repair is not None:
            assert int(document.extra[f"repaired_{repair}"]) > 0, member
        for damage in ("\ufeff", "\r", "\x0c", "â€", "¬"):
            assert damage not in document.text, (member, damage)
    lao = real_members["txt/Session 37 - 1982/LAO_37_1982.txt"].text
    assert "predecessor, Mr. Ismat Kittani" in lao
    assert "situation has continued to deteriorate" in lao
    japan = real_members["txt/Session 53 - 1998/JPN_53_1998.txt"].text
    assert "“zero victim”" in japan


def test_the_whole_real_archive_reads_without_errors(settings: Settings) -> None:
    archive = settings.ungd_dir / "ungd-txt.tar.gz"
    manifest = settings.ungd_dir / "manifest.tsv"
    if not archive.is_file() or not manifest.is_file():
        pytest.skip(f"the General Debate archive is not at {archive} (UNGRAPH_SHARED)")
    expected = {
        Path(line.split("\t", 1)[0]).stem
        for line in manifest.read_text("utf-8").splitlines()[1:]
        if line
    }
    seen: list[str] = []
    for item in read_ungd_source(archive):
        assert isinstance(item, SourceDocument), item
        seen.append(item.doc_id)
    assert len(seen) == len(set(seen)) == len(expected) == 10_952
    assert set(seen) == expected


# ---------------------------------------------------------------------------------------------
# No input crashes the reader
# ---------------------------------------------------------------------------------------------
def _items(data: bytes) -> Iterator[SourceDocument | SourceError]:
    try:
        yield _read(data)
    except SourceError as error:
        yield error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_no_bytes_crash_the_reader(data: bytes) -> None:
    for item in _items(data):
        assert isinstance(item, SourceDocument | SourceError)
        if isinstance(item, SourceDocument):
            assert item.text.strip()


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab -¬.\n\r\x0c\t“Ã©â€\x9d\ufeff\u2028(1)")), max_size=200
    )
)
def test_cleaning_never_fails_on_damage_like_text(text: str) -> None:
    cleaned = clean_text(text.replace("\r", "\n"))
    assert "\x0c" not in cleaned.text and "\ufeff" not in cleaned.text
    assert all(count > 0 for count in cleaned.repairs.values())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abAé1_- \t\n", max_size=60))
def test_line_end_hyphens_are_found_as_the_pattern_finds_them(text: str) -> None:
    # The cleaner looks for hyphenated line ends from the line-end hyphens rather than trying
    # the pattern at every character; the matches must be finditer's, and the words and
    # hyphenated pairs read from compounds those of the two plain scans.
    import re

    from ungraph.sources import ungd

    expected = [m.span() for m in ungd._HYPHEN_BREAK.finditer(text)]
    assert [m.span() for m in ungd._hyphen_breaks(text)] == expected
    words, pairs = ungd._spellings(text)
    assert words == set(re.findall(r"[^\W\d_]+", text))
    assert pairs == set(re.findall(r"[^\W\d_]+-[^\W\d_]+", text))
