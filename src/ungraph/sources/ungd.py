"""The UN General Debate Corpus: member states' statements, from its tarball or its folder.

The corpus (Baturo, Dasandi, Mikhaylov / Jankin; ``../shared/ungd``) is one text file per
statement, ``Session NN - YYYY/ISO3_NN_YYYY.txt``, packed as ``ungd-txt.tar.gz``. The archive is
streamed member by member (never unpacked to disk); an unpacked copy is claimed as a whole folder
through ``FOLDER_READERS``. ``doc_id`` is the file stem (``ARG_70_2015``), ``origin``
``archive!member`` or the file's path, ``format`` ``ungd``, and ``extra`` carries ``iso3``,
``session``, ``year``, the encoding and what :func:`clean_text` repaired (``repaired_*`` counts).

The files are text extracted from the UN's PDF verbatim records, and carry that extraction's
damage. :func:`clean_text` repairs it, since every evidence offset points into the cleaned text
(see ``docs/ungd.md``): byte-order marks, CR/LF mixes, page breaks and other control characters,
mojibake (UTF-8 read as Windows-1252 or Mac Roman: ``â€œ``), words split by ``¬``, and lines
broken by the PDF's layout in the middle of a sentence.
"""

from __future__ import annotations

import codecs
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import ftfy

from ungraph.sources.decode import DEFAULT_MAX_BYTES, decode_bytes, human_size
from ungraph.sources.model import SourceDocument, SourceError

__all__ = [
    "FIRST_SESSION_YEAR",
    "Cleaned",
    "StatementName",
    "claims_ungd_folder",
    "clean_text",
    "parse_member_name",
    "read_ungd_folder",
    "read_ungd_source",
    "statement_document",
]

FIRST_SESSION_YEAR = 1946
"""The General Assembly's first regular session met in 1946: session N met in 1945 + N."""

# Speakers that are not member states and have no ISO 3166-1 alpha-3 code: the corpus names the
# European Union's statements (observer, since 2011) "EU".
NON_STATE_CODES = frozenset({"EU"})

_NAME = re.compile(r"(?P<code>[A-Z]{2,3})_(?P<session>\d{2,3})_(?P<year>\d{4})\.txt")
_SESSION_FOLDER = re.compile(r"Session (?P<session>\d{2,3}) - (?P<year>\d{4})")


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementName:
    """What a statement's file name says: speaker code, session and year."""

    code: str
    session: int
    year: int

    @property
    def doc_id(self) -> str:
        return f"{self.code}_{self.session:02d}_{self.year}"


def parse_member_name(path: str) -> StatementName:
    """The speaker, session and year of a statement file, checked against its session folder.

    Raises :class:`ValueError` with the reason when the name is not ``ISO3_NN_YYYY.txt``, the
    code is neither three capitals nor a known non-state code, the year is not the session's
    (session N met in 1945 + N), or the ``Session NN - YYYY`` folder it lies in disagrees.

    >>> parse_member_name("txt/Session 70 - 2015/ARG_70_2015.txt")
    StatementName(code='ARG', session=70, year=2015)
    >>> parse_member_name("EU_66_2011.txt").doc_id
    'EU_66_2011'
    >>> parse_member_name("Session 70 - 2015/ARG_70_2016.txt")
    Traceback (most recent call last):
    ValueError: session 70 met in 2015, the name says 2016
    """
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else path
    match = _NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not named ISO3_NN_YYYY.txt (e.g. ARG_70_2015.txt)")
    code = match.group("code")
    if len(code) != 3 and code not in NON_STATE_CODES:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 code")
    session, year = int(match.group("session")), int(match.group("year"))
    if session < 1:
        raise ValueError(f"session {session} does not exist (the first met in 1946)")
    expected = FIRST_SESSION_YEAR + session - 1
    if year != expected:
        raise ValueError(f"session {session} met in {expected}, the name says {year}")
    folder = _SESSION_FOLDER.fullmatch(parts[-2]) if len(parts) >= 2 else None
    if folder is not None and (int(folder["session"]), int(folder["year"])) != (session, year):
        raise ValueError(f"{name} lies in the folder {parts[-2]!r} of another session")
    return StatementName(code, session, year)


def _in_session_folder(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) >= 2 and _SESSION_FOLDER.fullmatch(parts[-2]) is not None


def _is_statement_candidate(path: str) -> bool:
    """Files the reader reads: statement names anywhere, and every ``.txt`` inside a session
    folder (a badly named one there is an error, not silently skipped). Other files beside
    the statements (``README.txt``, ``manifest.tsv``) and hidden files are not statements."""
    name = PurePosixPath(path).name
    if name.startswith("."):
        return False
    if _NAME.fullmatch(name):
        return True
    return name.lower().endswith(".txt") and _in_session_folder(path)


# ---------------------------------------------------------------------------------------------
# Cleaning
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cleaned:
    """The cleaned text and how many of each repair it took (only repairs made are listed)."""

    text: str
    repairs: dict[str, int] = field(default_factory=dict)


# ftfy, limited to undoing mis-decoding: UTF-8 read as Windows-1252, Latin-1 or Mac Roman
# ("â€œ" for "“", "Ã©" for "é"), and C1 control characters that stand for the Windows-1252
# punctuation they encode ("\x97" for "—"). Its other fixes (quotes, ligatures, widths, HTML
# entities, Unicode normalisation) would change text that is right as published.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=False,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
# What mojibake looks like: a C1 control, or the first byte of a UTF-8 sequence decoded as
# Windows-1252/Latin-1 ("Ã", "â", "Â") or Mac Roman ("¬", "√", "‚") followed by another
# non-ASCII character. Texts without it (nearly all) skip ftfy; the count of these sequences
# before and after is the number of repairs reported.
_MOJIBAKE_LEAD = re.compile(r"[\x80-\x9f\xc2-\xf4\xac\u221a\u0192\u2248\u2206\u201a]")
_MOJIBAKE = re.compile(r"[\x80-\x9f]|[\xc2-\xf4\xac\u221a\u0192\u2248\u2206\u201a][^\x00-\x7f]")
# A word split across a line by the PDF's discretionary hyphen, which the extraction turned
# into "¬": "develop¬\nment", "con¬tinued", "super¬ powers"; after a real hyphen ("President-¬
# elect") only the "¬" goes.
_NOT_SIGN_SPLIT = re.compile(r"(?<=[^\W\d_])¬[ \t]*\n?[ \t]*(?=[^\W\d_])|(?<=-)¬[ \t]*\n?[ \t]*")
# A page break with the blank lines and spaces the extraction put around it.
_PAGE_BREAK = re.compile(r"[ \t]*(?:\n[ \t]*)*\f[\s\f]*")
# Control characters that are not text (tab and line feed are): C0 controls, DEL, the C1
# controls ftfy left (they encode nothing in Windows-1252), zero-width no-break spaces (a
# byte-order mark inside the text, from concatenated files) and Unicode line/paragraph
# separators, which the sentence splitter does not know as line ends.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029]")
_CONTROL_AS_NEWLINE = frozenset("\x0b\u2028\u2029")
# A word hyphenated at the end of a line: "inter-\nnational", "self-\ndetermination".
_HYPHEN_BREAK = re.compile(r"(?<![\w-])((?:[^\W\d_]+-)*[^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")
_WORDS = re.compile(r"[^\W\d_]+")
# Tried only where a run of letters starts (a start inside a run finds nothing the run's start
# did not): the same pairs as without the look-behind, 40 % sooner.
_HYPHENATED = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n")
_SENTENCE_END = frozenset(".!?:;")
_CLOSERS = frozenset("\"'”’)]»")
# A line that starts a list item or a numbered paragraph ("- ", "• ", "142. ", "(a) ") keeps
# the line break before it.
_ITEM_START = re.compile(r"(?:[-•*·]|\d{1,3}[.)]|\([a-z0-9]{1,3}\))[ \t]")


def clean_text(text: str) -> Cleaned:
    r"""Repair what PDF extraction did to a statement; the result is the document text.

    In order: byte-order marks inside the text, mojibake (ftfy, see ``_FTFY``), words split by
    ``¬``, page breaks (a paragraph break after a sentence's end, else a line break), other
    control characters, words hyphenated at a line's end (joined without the hyphen only when
    clearly split: the text spells the word whole elsewhere and never with that hyphen; else the
    hyphen stays) and lines broken by the layout in the middle of a sentence (joined with a
    space; a line ending a sentence, or followed by a list item or numbered paragraph, keeps
    its line break, and blank lines are never touched). Newlines must already be ``\n``.

    >>> clean_text("the â€œzero victimâ€\x9d objective").text
    'the “zero victim” objective'
    >>> clean_text("It has con¬tinued to\ndeteriorate.\n\x0c\nIt has.").text
    'It has continued to deteriorate.\n\nIt has.'
    >>> clean_text("inter-\nnational law, international law, self-\ndetermination.").text
    'international law, international law, self-determination.'
    >>> clean_text("No damage here.\nNone at all.").repairs
    {}
    """
    repairs: dict[str, int] = {}

    def count(name: str, number: int) -> None:
        if number:
            repairs[name] = repairs.get(name, 0) + number

    count("byte_order_marks", text.count("\ufeff"))
    text = text.replace("\ufeff", "")
    before = len(_MOJIBAKE.findall(text)) if _MOJIBAKE_LEAD.search(text) else 0
    if before:
        fixed = ftfy.fix_text(text, _FTFY)
        if fixed != text:
            count("mojibake", max(1, before - len(_MOJIBAKE.findall(fixed))))
            text = fixed
    if "¬" in text:
        text, joined = _NOT_SIGN_SPLIT.subn("", text)
        count("split_words", joined)
    if "\f" in text:
        text, breaks = _PAGE_BREAK.subn(_page_break, text)
        count("page_breaks", breaks)
    controls = _CONTROL.findall(text)
    if controls:
        count("control_characters", len(controls))
        text = _CONTROL.sub(lambda m: "\n" if m.group(0) in _CONTROL_AS_NEWLINE else "", text)
    text = _join_hyphenated(text, count)
    text, unwrapped = _unwrap(text)
    count("line_breaks", unwrapped)
    return Cleaned(text, repairs)


def _page_break(match: re.Match[str]) -> str:
    # The pattern takes the whitespace around the break, so a text character precedes it.
    text, start = match.string, match.start()
    if start == 0 or match.end() == len(text):
        return "\n" if start else ""  # at the start or the end of the text
    last = text[start - 1]
    if last in _SENTENCE_END or (last in _CLOSERS and text[start - 2 : start - 1] in _SENTENCE_END):
        return "\n\n"
    return "\n"  # the sentence goes on on the next page: the line joining below mends it


def _join_hyphenated(text: str, count: Callable[[str, int], None]) -> str:
    if "-\n" not in text and not re.search(r"-[ \t]+\n", text):
        return text
    breaks = list(_hyphen_breaks(text))
    if not breaks:
        return text
    words, hyphenated = _spellings(text.lower())

    def join(match: re.Match[str]) -> str:
        first, second = match.group(1), match.group(2)
        whole = (first + second).lower()
        if second[0].islower() and whole in words and f"{first}-{second}".lower() not in hyphenated:
            count("hyphenation_removed", 1)
            return first + second
        count("hyphenated_line_ends", 1)
        return f"{first}-{second}"

    pieces: list[str] = []
    done = 0
    for match in breaks:
        pieces += (text[done : match.start()], join(match))
        done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _spellings(text: str) -> tuple[set[str], set[str]]:
    """The words ``text`` spells (runs of letters) and the pairs it writes with a hyphen ("self-
    determination"; in "a-b-c-d" the pairs a-b and c-d, as a left-to-right scan finds them)."""
    return set(_WORDS.findall(text)), set(_HYPHENATED.findall(text))


def _hyphen_breaks(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_HYPHEN_BREAK``, left to right and not overlapping, as ``finditer``
    gives them; found from the few line-end hyphens instead of trying the pattern at every
    character (a third of the main process's text cleaning). A match can only start where the
    run of letters and hyphens before a line-end hyphen starts."""
    done = 0
    for hyphen in _LINE_END_HYPHEN.finditer(text):
        start = hyphen.start()
        while start > 0 and (text[start - 1] == "-" or _LETTER.match(text, start - 1)):
            start -= 1
        if start < done:
            continue
        match = _HYPHEN_BREAK.match(text, start)
        if match is not None:
            done = match.end()
            yield match


def _unwrap(text: str) -> tuple[str, int]:
    """Join lines broken inside a sentence (a million in the corpus: plain string work per
    line, no regular expression looking behind every character)."""
    lines = text.split("\n")
    out: list[str] = []
    joined = 0
    current = lines[0]
    for line in lines[1:]:
        before = current.rstrip(" \t")
        after = line.lstrip(" \t")
        if before and after and _inside_sentence(before, after):
            joined += 1
            # "1981-\n1982": a hyphen at the end of a line keeps its two sides together.
            glue = "" if before[-1] == "-" and not before[-2:-1].isspace() else " "
            current = before + glue + after
            continue
        out.append(current)
        current = line
    out.append(current)
    return "\n".join(out), joined


def _inside_sentence(before: str, after: str) -> bool:
    last = before[-1]
    if last in _SENTENCE_END or (last in _CLOSERS and before[-2:-1] in _SENTENCE_END):
        return False
    return _ITEM_START.match(after) is None


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------
def statement_document(data: bytes, *, origin: str, member: str) -> SourceDocument:
    """One statement from the bytes of its file; ``member`` is its path in the archive or
    folder (name checked by :func:`parse_member_name`). Raises :class:`SourceError` naming
    ``origin`` for a bad name, undecodable bytes or a text that cleans to nothing."""
    try:
        name = parse_member_name(member)
    except ValueError as error:
        raise SourceError(origin, f"not a General Debate statement: {error}") from error
    crlf = data.count(b"\r\n")
    lone_cr = data.count(b"\r") - crlf
    # A UTF-8 mark (on 2,936 files) is taken off here, so the rest goes through strict UTF-8:
    # behind a mark, decode_bytes also looks for unassigned characters, a check meant for
    # UTF-16/32 that costs more than all the cleaning.
    marked = data.startswith(codecs.BOM_UTF8)
    decoded = decode_bytes(data[len(codecs.BOM_UTF8) :] if marked else data, origin)
    cleaned = clean_text(decoded.text)
    if not cleaned.text.strip():
        raise SourceError(origin, "contains no text once cleaned")
    repairs = dict(cleaned.repairs)
    if marked or decoded.how == "bom":
        repairs["byte_order_marks"] = repairs.get("byte_order_marks", 0) + 1
    if crlf:
        repairs["crlf_line_ends"] = crlf
    if lone_cr:
        repairs["cr_line_ends"] = lone_cr
    extra = {
        "iso3": name.code,
        "session": str(name.session),
        "year": str(name.year),
        "encoding": decoded.label,
        **{f"repaired_{key}": str(value) for key, value in sorted(repairs.items())},
    }
    return SourceDocument(
        doc_id=name.doc_id,
        origin=origin,
        text=cleaned.text,
        format="ungd",
        published=str(name.year),
        extra=extra,
    )


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is {human_size(size)}, over the limit of {human_size(max_bytes)} "
        "(raise max_bytes to read it)"
    )


def read_ungd_source(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceDocument | SourceError]:
    """The statements of a corpus archive (``.tar.gz``, ``.tgz``), streamed member by member:
    nothing is written to disk and one statement is in memory at a time. A bad member is a
    :class:`SourceError` naming ``archive!member``; a damaged archive stops with an error
    naming the last member read."""
    last = "its first member"
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if not member.isfile() or not _is_statement_candidate(member.name):
                    continue
                origin = f"{path}!{member.name}"
                last = member.name
                if member.size > max_bytes:
                    yield SourceError(origin, _too_big(member.size, max_bytes))
                    continue
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                data = handle.read(max_bytes + 1)
                try:
                    yield statement_document(data, origin=origin, member=member.name)
                except SourceError as error:
                    yield error
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        yield SourceError(str(path), f"is not a readable tar archive after {last}: {reason}")


def claims_ungd_folder(folder: Path) -> bool:
    """Whether a folder is the corpus unpacked: it holds ``Session NN - YYYY`` folders, or is
    one."""
    if _SESSION_FOLDER.fullmatch(folder.name):
        return True
    try:
        with os.scandir(folder) as entries:
            return any(
                _SESSION_FOLDER.fullmatch(entry.name) is not None and entry.is_dir()
                for entry in entries
            )
    except OSError:
        return False


def read_ungd_folder(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceDocument | SourceError]:
    """The statements of an unpacked corpus (a folder of ``Session NN - YYYY`` folders, or one
    of them), sessions and files sorted by name. Files beside the session folders (the
    corpus's ``README.txt``) and other folders are not statements and are skipped."""
    folder = path
    if _SESSION_FOLDER.fullmatch(folder.name):
        sessions = [folder]
    else:
        sessions = sorted(
            (p for p in folder.iterdir() if p.is_dir() and _SESSION_FOLDER.fullmatch(p.name)),
            key=lambda p: p.name,
        )
    for session in sessions:
        try:
            names = sorted(entry.name for entry in os.scandir(session) if entry.is_file())
        except OSError as error:
            yield SourceError(str(session), f"cannot be listed: {error.strerror or error}")
            continue
        for name in names:
            member = f"{session.name}/{name}"
            if not _is_statement_candidate(member):
                continue
            path = session / name
            try:
                size = path.stat().st_size
                if size > max_bytes:
                    yield SourceError(str(path), _too_big(size, max_bytes))
                    continue
                with path.open("rb") as handle:
                    data = handle.read(max_bytes + 1)
            except OSError as error:
                yield SourceError(str(path), f"cannot be read: {error.strerror or error}")
                continue
            try:
                yield statement_document(data, origin=str(path), member=member)
            except SourceError as error:
                yield error
