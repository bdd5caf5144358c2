"""The registry: known people, posts and terms of office, organizations, event series, places and
countries, loaded from ``vocab/registry/*.toml`` joined with ``reference/wikidata_ids.tsv``.

Names are matched accent- and case-insensitively. ``match_*`` look up one phrase (a name, a role
phrase); ``find_*`` scan running text with gazetteers compiled once per registry and return
``(start, end, entity)`` triples whose offsets point into the text as given.
"""

from __future__ import annotations

import calendar
import csv
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from ungraph.config import Settings
from ungraph.iris import slugify
from ungraph.resources import data_dir

T = TypeVar("T")

WIKIDATA_TSV = "wikidata_ids.tsv"
REGISTRY_DIR = "registry"
KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
ISO3 = re.compile(r"^[A-Z]{3}$")
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class VocabularyError(ValueError):
    """A vocabulary or registry file is wrong; the message names the file and the entry."""


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WikidataRow:
    """One verified row of ``wikidata_ids.tsv``: the only place QIDs come from."""

    kind: str
    key: str
    label: str
    qid: str
    sources: tuple[str, ...]
    confidence: str
    line: int

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    short_names: tuple[str, ...] = ()  # surnames that name the person only after "Mr.", "Ms."...
    country: str | None = None  # ISO3 of nationality where it matters for disambiguation
    wikidata_ref: str | None = None


@dataclass(frozen=True)
class Post:
    key: str
    label: str
    organization: str
    aliases: tuple[str, ...] = ()
    single_holder: bool = True


@dataclass(frozen=True)
class PostHolding:
    """A term of office: ISO dates, possibly partial ("2014-05"); ``end`` None = in office."""

    post: str
    person: str
    start: str
    end: str | None = None
    note: str | None = None

    @property
    def first_day(self) -> date:
        return date_range(self.start)[0]

    @property
    def last_day(self) -> date:
        return date_range(self.end)[1] if self.end else date.max


@dataclass(frozen=True)
class Organization:
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    part_of: str | None = None
    wikidata_ref: str | None = None


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    country: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    wikidata_ref: str | None = None


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    aliases: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()
    wikidata: str | None = None
    wikidata_ref: str | None = None

    @property
    def key(self) -> str:
        return self.iso3


@dataclass(frozen=True)
class Edition:
    """One edition of an event series; ``derived`` when computed from the series' rules."""

    series: str
    year: int
    ordinal: int | None = None
    name: str | None = None
    place: str | None = None
    country: str | None = None
    start: str | None = None
    end: str | None = None
    online: bool = False
    derived: bool = False


@dataclass(frozen=True)
class EventSeries:
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    first_year: int | None = None
    last_year: int | None = None
    annual: bool = False
    numbered: bool = False  # an annual series' ordinal is counted from its first year
    date_rule: str | None = None  # "05-17" or "fourth Thursday of April"
    place: str | None = None  # where editions happen unless an edition says otherwise
    organizer: str | None = None
    editions: tuple[Edition, ...] = ()


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------
def date_range(value: str) -> tuple[date, date]:
    """The first and last day an ISO date, year-month or year stands for.

    >>> date_range("2017")
    (datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
    >>> date_range("2014-02")
    (datetime.date(2014, 2, 1), datetime.date(2014, 2, 28))
    >>> date_range("2015-12-16")
    (datetime.date(2015, 12, 16), datetime.date(2015, 12, 16))
    """
    m = PARTIAL_DATE.match(value)
    if not m:
        raise ValueError(f"not an ISO date, year-month or year: {value!r}")
    year, month, day = int(m[1]), m[2], m[3]
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if day is None:
        last = calendar.monthrange(year, int(month))[1]
        return date(year, int(month), 1), date(year, int(month), last)
    exact = date(year, int(month), int(day))
    return exact, exact


_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_RULE = re.compile(r"^(first|second|third|fourth|fifth|last) (\w+) of (\w+)$", re.IGNORECASE)


def rule_date(rule: str, year: int) -> date:
    """The day a recurring observance falls on in ``year``: ``MM-DD`` or "fourth Thursday of April".

    >>> rule_date("05-17", 2019)
    datetime.date(2019, 5, 17)
    >>> rule_date("fourth Thursday of April", 2021)
    datetime.date(2021, 4, 22)
    >>> rule_date("last Monday of May", 2024)
    datetime.date(2024, 5, 27)
    """
    fixed = re.fullmatch(r"(\d{2})-(\d{2})", rule)
    if fixed:
        return date(year, int(fixed[1]), int(fixed[2]))
    m = _RULE.match(rule.strip())
    if not m or m[2].lower() not in _WEEKDAYS or m[3].lower() not in _MONTHS:
        raise ValueError(
            f"not a date rule: {rule!r} (expected 'MM-DD' or 'fourth Thursday of April')"
        )
    weekday, month = _WEEKDAYS[m[2].lower()], _MONTHS[m[3].lower()]
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[-1] if m[1].lower() == "last" else matching[_NTH[m[1].lower()] - 1]


_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "inaugural": 1,
}  # fmt: skip


def ordinal_value(text: str) -> int | None:
    """The number an ordinal names: "second" → 2, "50th" → 50, "inaugural" → 1, else None.

    >>> ordinal_value("second"), ordinal_value("50th"), ordinal_value("Twenty-first")
    (2, 50, 21)
    >>> ordinal_value("annual") is None
    True
    """
    word = text.strip().lower()
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", word)
    if m:
        return int(m[1])
    if word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word]
    tens = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}  # fmt: skip
    m = re.fullmatch(r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-](\w+)", word)
    if m and m[2] in _ORDINAL_WORDS and _ORDINAL_WORDS[m[2]] < 10:
        return tens[m[1]] + _ORDINAL_WORDS[m[2]]
    ordinal_tens = {f"{w[:-1]}ieth": n for w, n in tens.items()}
    return ordinal_tens.get(word)


# ---------------------------------------------------------------------------------------------
# Normalisation and gazetteers
# ---------------------------------------------------------------------------------------------
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad"
_APOSTROPHES = "\u2018\u2019\u02bc\u2032`"
_QUOTES = "\u201c\u201d\u201e\u00ab\u00bb"


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table folding each character to exactly one character (so offsets in
    the folded text are offsets in the original): accents dropped, typographic dashes and
    apostrophes unified, odd spaces made plain, optionally lower-cased."""

    def __init__(self, lower: bool) -> None:
        super().__init__()
        self.lower = lower

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _DASHES:
            folded = "-"
        elif char in _APOSTROPHES:
            folded = "'"
        elif char in _QUOTES:
            folded = '"'
        elif char.isspace():
            folded = " " if char not in "\n\r\t" else char
        else:
            base = unicodedata.normalize("NFKD", char)[:1] or char
            if unicodedata.combining(base):
                base = char
            if self.lower:
                base = base.lower()[:1] or base
            folded = base if len(base) == 1 else char
        self[code] = folded
        return folded


_FOLD_LOWER = _FoldTable(lower=True)
_FOLD_CASE = _FoldTable(lower=False)
_SEPARATORS = re.compile(r"[\s\-]+")


def fold(text: str, lower: bool = True) -> str:
    """Same-length folding used for matching.

    >>> fold("António Guterres’ “Our Common Agenda”")
    'antonio guterres\\' "our common agenda"'
    >>> len(fold("Kőrösi – İstanbul")) == len("Kőrösi – İstanbul")
    True
    """
    return _fold(text, lower)


@lru_cache(maxsize=64)
def _fold(text: str, lower: bool) -> str:
    # Extractors scan the same body with several gazetteers: fold it once.
    table = _FOLD_LOWER if lower else _FOLD_CASE
    if text.isascii():
        return text.translate(table)
    # str.translate remembers what each ASCII character becomes only until the first other
    # character; after it, every character is looked up in the table again. The table maps
    # characters one by one, so runs can be translated apart: ASCII runs on the fast path
    # (both folds of a General Debate statement 1.7 -> 0.9 ms).
    return "".join([piece.translate(table) for piece in _NON_ASCII_RUNS.split(text)])


_NON_ASCII_RUNS = re.compile(r"([^\x00-\x7f]+)")


def normalize_phrase(text: str) -> str:
    """A phrase as a lookup key: folded, hyphens as spaces, no leading "the", no end punctuation.

    >>> normalize_phrase("  the ITU-Secretary-General, ")
    'itu secretary general'
    >>> normalize_phrase("Ban Ki-Moon") == normalize_phrase("ban ki moon")
    True
    """
    folded = _SEPARATORS.sub(" ", fold(text)).strip(" ,;:()[]\"'")
    folded = re.sub(r"^(?:the|his|her|its|their) ", "", folded)
    return folded.rstrip(".").strip() if not re.search(r"\b\w\.\w\.$", folded) else folded


def is_acronym(alias: str) -> bool:
    """All-capital aliases ("WHO", "UN DESA", "U.N.") are matched case-sensitively in text, so
    that "who" or "us" never become organizations or countries.

    >>> is_acronym("WHO"), is_acronym("UN DESA"), is_acronym("UN Women"), is_acronym("5G")
    (True, True, False, False)
    """
    letters = [c for c in alias if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _tokens(alias: str, lower: bool) -> list[str]:
    folded = _SEPARATORS.sub(" ", fold(alias, lower=lower)).strip()
    return [t for t in folded.split(" ") if t]


_END = ""
_SEP = " "
_SEP_PATTERN = r"[\s\-]+"
_LEFT = r"(?<!\w)(?<!\w-)"  # not inside a word, nor the tail of a hyphenated compound
_RIGHT = r"(?!\w)"


def _trie_pattern(node: dict[str, Any]) -> str:
    # A character trie as a regex: alternatives branch on distinct characters and every
    # terminal is a greedy optional group, so the first match found is the longest one.
    branches = []
    for char in sorted(c for c in node if c != _END):
        piece = _SEP_PATTERN if char == _SEP else re.escape(char)
        branches.append(piece + _trie_pattern(node[char]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body


def _compile(keys: Iterable[str], *, sparse: bool = False) -> re.Pattern[str] | None:
    """One regex for all ``keys``, matching the longest key that starts a word.

    The regex engine tries a pattern at every position of the text (a speech of 20,000
    characters, scanned by a dozen gazetteers). With ``sparse`` (keys whose first characters
    are rare in the text: acronyms, in capitals) and keys that all start with a word character,
    each branch starts with its first character and tests what precedes it afterwards, so the
    engine skips straight to the positions holding one of those characters: the same matches,
    eight times faster on General Debate statements. (Names, in lower case, start with almost
    any letter: nothing to skip.)
    """
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[_END] = {}
    if not trie:
        return None
    firsts = sorted(c for c in trie if c != _END)
    if sparse and _END not in trie and all(_WORD_CHAR.match(c) for c in firsts):
        branches = [re.escape(c) + _LEFT_OF_FIRST + _trie_pattern(trie[c]) for c in firsts]
        return re.compile("(?:" + "|".join(branches) + ")" + _RIGHT)
    return re.compile(_LEFT + "(?:" + _trie_pattern(trie) + ")" + _RIGHT)


_WORD_CHAR = re.compile(r"\w")
# _LEFT, tested after the first character has been read.
_LEFT_OF_FIRST = r"(?<!\w[\s\S])(?<!\w-[\s\S])"


def _heads(keys: Iterable[str]) -> frozenset[str] | None:
    """The first runs of word characters of ``keys`` (``"u.s"`` -> ``"u"``), or None when a key
    does not start with a word character."""
    heads = set()
    for key in keys:
        head = _WORD_RUN.match(key)
        if head is None:
            return None
        heads.add(head.group())
    return frozenset(heads)


def _matches(
    pattern: re.Pattern[str], heads: frozenset[str] | None, text: str
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, tried only where it can match.

    The pattern (lower-case names: almost any letter can start one) would be tried at every
    character of a speech, by each of a dozen gazetteers. A match starts a word (``_LEFT``) with
    one of the keys, and what follows the key's first run of word characters (a separator, a
    non-word character of the key, or the end of the match) is not a word character: so the
    word of the text at that position *is* that run. Trying the pattern at the positions of the
    text's words that are such runs (``match`` at a position: its look-behinds still see the
    text before it) finds the same matches, in the same order, as ``finditer``.
    """
    if heads is None:
        yield from pattern.finditer(text)
        return
    positions = _word_positions(text)
    found = [p for word in heads.intersection(positions) for p in positions[word]]
    found.sort()
    done = 0  # matches do not overlap: the next one starts after the end of the last
    for position in found:
        if position >= done:
            match = pattern.match(text, position)
            if match is not None:
                done = match.end()
                yield match


_WORD_RUN = re.compile(r"\w+")


@lru_cache(maxsize=16)
def _word_positions(text: str) -> dict[str, list[int]]:
    # The gazetteers of one extraction scan the same folded body: index its words once (and
    # keep it while they also scan a few sentences and headers).
    positions: dict[str, list[int]] = {}
    for match in _WORD_RUN.finditer(text):
        positions.setdefault(match.group(), []).append(match.start())
    return positions


class Gazetteer(Generic[T]):
    """Finds mentions of known names in running text: one compiled regex per letter case.

    Acronyms match with their capitals only; other names match in any case but, when written
    with a capital in the registry, must start with a capital in the text (``proper_nouns``).
    An alias shared by two entities is ambiguous and never reported.
    """

    def __init__(self, entries: Iterable[tuple[str, str, T]]) -> None:
        # entries: (surface form as written, entity key, entity)
        self._names: dict[str, dict[str, T]] = {}
        self._acronyms: dict[str, dict[str, T]] = {}
        self._capital: dict[str, bool] = {}
        for surface, entity_key, entity in entries:
            acronym = is_acronym(surface)
            tokens = _tokens(surface, lower=not acronym)
            if tokens and tokens[0] in {"the", "The"} and len(tokens) > 1:
                tokens = tokens[1:]
            if not tokens:
                continue
            key = _SEP.join(tokens)
            table = self._acronyms if acronym else self._names
            table.setdefault(key, {})[entity_key] = entity
            if not acronym:
                first = next((c for c in surface if c.isalpha()), "")
                self._capital[key] = self._capital.get(key, True) and first.isupper()
        self._names_re = _compile(self._names)
        self._acronyms_re = _compile(self._acronyms, sparse=True)
        self._names_heads = _heads(self._names)
        self._acronyms_lower: dict[str, dict[str, T]] = {}
        for written, found in self._acronyms.items():
            self._acronyms_lower.setdefault(written.lower(), {}).update(found)

    def lookup(self, phrase: str) -> T | None:
        """The entity a whole phrase names (case-insensitive), or None if unknown or ambiguous."""
        key = normalize_phrase(phrase)
        found: dict[str, T] = {**self._names.get(key, {}), **self._acronyms_lower.get(key, {})}
        return next(iter(found.values())) if len(found) == 1 else None

    def find(self, text: str, proper_nouns: bool = True) -> list[tuple[int, int, T]]:
        """Non-overlapping mentions, leftmost-longest, as ``(start, end, entity)``."""
        hits: list[tuple[int, int, T]] = []
        if self._names_re is not None:
            for m in _matches(self._names_re, self._names_heads, fold(text)):
                key = _SEPARATORS.sub(_SEP, m.group())
                entities = self._names.get(key, {})
                if len(entities) != 1:
                    continue
                if proper_nouns and self._capital.get(key) and text[m.start()].islower():
                    continue
                hits.append((m.start(), m.end(), next(iter(entities.values()))))
        if self._acronyms_re is not None:
            for m in self._acronyms_re.finditer(fold(text, lower=False)):
                entities = self._acronyms.get(_SEPARATORS.sub(_SEP, m.group()), {})
                if len(entities) == 1:
                    hits.append((m.start(), m.end(), next(iter(entities.values()))))
        hits.sort(key=lambda h: (h[0], h[0] - h[1]))
        chosen: list[tuple[int, int, T]] = []
        for hit in hits:
            if not chosen or hit[0] >= chosen[-1][1]:
                chosen.append(hit)
        return chosen

    def longest(self, text: str, proper_nouns: bool = False) -> T | None:
        """The entity of the longest mention in ``text`` (the first if two are equally long)."""
        hits = self.find(text, proper_nouns=proper_nouns)
        if not hits:
            return None
        return max(hits, key=lambda h: (h[1] - h[0], -h[0]))[2]


# ---------------------------------------------------------------------------------------------
# Reading TOML files with errors that name the file and the entry
# ---------------------------------------------------------------------------------------------
def display_path(path: Path) -> str:
    """A path as errors show it: relative to the checkout or data folder when possible."""
    for root in (data_dir("vocab").parent, Path.cwd()):
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; a syntax error names the file and line."""
    if not path.is_file():
        raise VocabularyError(f"{display_path(path)}: file is missing")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise VocabularyError(f"{display_path(path)}: {error}") from error


class Entry:
    """One table of a TOML file, read field by field; every error names file and entry."""

    def __init__(self, path: Path, label: str, data: Any) -> None:
        self.path, self.label = path, label
        if not isinstance(data, Mapping):
            raise self.error("is not a table")
        self.data: Mapping[str, Any] = data

    def error(self, message: str) -> VocabularyError:
        return VocabularyError(f"{display_path(self.path)}: {self.label}: {message}")

    def allow(self, *fields: str) -> None:
        unknown = sorted(set(self.data) - set(fields))
        if unknown:
            raise self.error(
                f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(fields)})"
            )

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"field '{name}' must be a non-empty string")
        return value.strip()

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if name in self.data else None

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(f"field '{name}' must be a list of non-empty strings")
        if len({v.strip() for v in value}) != len(value):
            raise self.error(f"field '{name}' lists the same string twice")
        return tuple(v.strip() for v in value)

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"field '{name}' must be an integer")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"field '{name}' must be true or false")
        return value

    def key(self, name: str = "key") -> str:
        value = self.text(name)
        if not KEY.match(value):
            raise self.error(f"'{value}' is not a key (lower-case letters, digits, hyphens)")
        return value

    def date(self, name: str, required: bool = True) -> str | None:
        if name not in self.data and not required:
            return None
        value = self.data.get(name)
        if isinstance(value, date):  # TOML's bare 2017-01-01 is a date literal
            return value.isoformat()
        if not isinstance(value, str):
            raise self.error(f"field '{name}' must be an ISO date string like \"2017-01-01\"")
        try:
            date_range(value)
        except ValueError as error:
            raise self.error(f"field '{name}': {error}") from error
        return value

    def tables(self, name: str) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.error(f"field '{name}' must be a list of tables")
        return value


def entries(path: Path, document: Mapping[str, Any], kind: str) -> Iterator[Entry]:
    """The ``[[kind]]`` tables of a file, each labelled by its key (or position)."""
    tables = document.get(kind, [])
    if not isinstance(tables, list):
        raise VocabularyError(f"{display_path(path)}: '{kind}' must be an array of tables")
    for position, table in enumerate(tables, 1):
        name = table.get("key") if isinstance(table, Mapping) else None
        yield Entry(path, f"{kind} '{name}'" if name else f"{kind} #{position}", table)


# ---------------------------------------------------------------------------------------------
# Wikidata identifiers: only from the verified table
# ---------------------------------------------------------------------------------------------
def load_wikidata(path: Path) -> dict[str, WikidataRow]:
    """Rows of ``wikidata_ids.tsv`` keyed ``kind:key``; a malformed row names its line."""
    if not path.is_file():
        raise VocabularyError(f"{path}: file is missing (setting 'reference')")
    rows: dict[str, WikidataRow] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        needed = {"kind", "key", "label", "qid", "source1", "source2", "confidence"}
        if not needed <= set(reader.fieldnames or ()):
            raise VocabularyError(f"{path}: header must name {', '.join(sorted(needed))}")
        for line, row in enumerate(reader, 2):
            qid = (row["qid"] or "").strip()
            if not QID.match(qid):
                raise VocabularyError(f"{path}:{line}: qid {qid!r} is not a Wikidata item id")
            item = WikidataRow(
                kind=row["kind"].strip(),
                key=row["key"].strip(),
                label=row["label"].strip(),
                qid=qid,
                sources=tuple(
                    s.strip() for s in (row["source1"], row["source2"]) if s and s.strip()
                ),
                confidence=(row["confidence"] or "").strip(),
                line=line,
            )
            if item.ref in rows:
                raise VocabularyError(f"{path}:{line}: {item.ref} is listed twice")
            rows[item.ref] = item
    return rows


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------
class Registry:
    """Everything the extractors and the mapping need to know about named things."""

    def __init__(
        self,
        *,
        people: Mapping[str, Person],
        posts: Mapping[str, Post],
        holdings: Sequence[PostHolding],
        organizations: Mapping[str, Organization],
        series: Mapping[str, EventSeries],
        places: Mapping[str, Place],
        countries: Mapping[str, Country],
        wikidata_rows: Mapping[str, WikidataRow],
        honorifics: Sequence[str] = (),
        not_posts: Sequence[str] = (),
        editions_until: int | None = None,
    ) -> None:
        self.people = dict(people)
        self.posts = dict(posts)
        self.holdings = tuple(holdings)
        self.organizations = dict(organizations)
        self.series = dict(series)
        self.places = dict(places)
        self.countries = dict(countries)
        self.wikidata_rows = dict(wikidata_rows)
        self.honorifics = tuple(honorifics)
        self.not_posts = tuple(not_posts)
        self.editions_until = editions_until
        self._honorific_re = _honorific_pattern(self.honorifics)
        self._build_gazetteers()

    # Loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, settings: Settings) -> Registry:
        """The registry of ``vocab/registry/*.toml`` and the reference table (cached per paths)."""
        tsv = settings.require_file("reference", WIKIDATA_TSV)
        return _load_cached(data_dir("vocab").resolve(), tsv.resolve())

    @classmethod
    def from_files(cls, vocab_dir: Path, wikidata_tsv: Path) -> Registry:
        """Load from explicit paths (tests build broken copies in a temporary folder)."""
        return _load(vocab_dir, wikidata_tsv)

    # Matching single phrases -----------------------------------------------------------------
    def strip_honorifics(self, name: str) -> str:
        """``name`` without leading courtesy titles ("Mr.", "H.E. Ms.", "Dr.")."""
        return self._honorific_re.sub("", name.strip()).strip() if self.honorifics else name

    def match_person(self, name: str) -> Person | None:
        """A person by name or alias ("Mr. Ban", "Antonio Guterres"); accents, case and courtesy
        titles do not matter. A phrase that is not a whole name yields the person it mentions."""
        stripped = self.strip_honorifics(name)
        found = self._person_lookup.lookup(stripped)
        if found is not None:
            return found
        return self._people_text.longest(name, proper_nouns=False)

    def match_post(self, phrase: str) -> Post | None:
        """The post a role phrase names, by its longest alias ("Secretary-General of the
        International Telecommunication Union" → ITU Secretary-General). Phrases listed as
        ``not_posts`` ("Under-Secretary-General for Political Affairs") yield None."""
        found = self._posts_text.longest(phrase, proper_nouns=False)
        return found if isinstance(found, Post) else None

    def match_organization(self, text: str) -> Organization | None:
        return self._organizations.lookup(text) or self._organizations.longest(text)

    def match_series(self, text: str) -> EventSeries | None:
        return self._series.lookup(text) or self._series.longest(text)

    def match_country(self, text: str) -> Country | None:
        return self._countries.lookup(text) or self._countries.longest(text)

    def match_place(self, text: str) -> Place | None:
        return self._places.lookup(text) or self._places.longest(text)

    # Finding mentions in running text --------------------------------------------------------
    def find_countries(self, text: str, adjectives: bool = True) -> list[tuple[int, int, Country]]:
        """Country mentions: names, aliases and (unless ``adjectives=False``) "Chinese" forms."""
        gazetteer = self._countries if adjectives else self._country_names
        return gazetteer.find(text)

    def find_people(self, text: str) -> list[tuple[int, int, Person]]:
        return self._people_text.find(text)

    def find_organizations(self, text: str) -> list[tuple[int, int, Organization]]:
        return self._organizations.find(text)

    def find_places(self, text: str) -> list[tuple[int, int, Place]]:
        return self._places.find(text)

    def find_series(self, text: str) -> list[tuple[int, int, EventSeries]]:
        return self._series.find(text)

    def find_posts(self, text: str) -> list[tuple[int, int, Post]]:
        """Role phrases in running text, in any case ("the secretary-general")."""
        hits = self._posts_text.find(text, proper_nouns=False)
        return [(start, end, post) for start, end, post in hits if isinstance(post, Post)]

    # Terms of office -------------------------------------------------------------------------
    def holdings_of(self, post_key: str) -> tuple[PostHolding, ...]:
        return tuple(h for h in self.holdings if h.post == post_key)

    def holder(self, post_key: str, on: str | date) -> Person | None:
        """Who held ``post_key`` on a day, or for most of a month or year.

        ``on`` is a date or an ISO date that may be partial: "2017-12-18" gives the holder that
        day; "2017-12" or "2017" the holder who held the post for the largest number of days
        of that month or year (so "2006" is Kofi Annan, "2017" António Guterres). None when
        nobody known held it then.
        """
        if post_key not in self.posts:
            raise KeyError(f"unknown post {post_key!r}")
        first, last = (on, on) if isinstance(on, date) else date_range(on)
        best: tuple[int, date] | None = None
        chosen: PostHolding | None = None
        for holding in self.holdings_of(post_key):
            overlap = (min(last, holding.last_day) - max(first, holding.first_day)).days + 1
            if overlap > 0 and (best is None or (overlap, holding.first_day) > best):
                best, chosen = (overlap, holding.first_day), holding
        return self.people[chosen.person] if chosen else None

    # Event editions --------------------------------------------------------------------------
    def edition(
        self, series_key: str, year: int | None = None, ordinal: int | None = None
    ) -> Edition | None:
        """One edition by year or ordinal: listed in the file, or derived for annual series
        (year from ordinal and back, date from the series' date rule)."""
        series = self.series.get(series_key)
        if series is None or (year is None and ordinal is None):
            return None
        for edition in series.editions:
            if (year is None or edition.year == year) and (
                ordinal is None or edition.ordinal == ordinal
            ):
                return edition
        if not series.annual or series.first_year is None:
            return None
        if year is None:
            if not series.numbered or ordinal is None or ordinal < 1:
                return None
            year = series.first_year + ordinal - 1
        elif ordinal is not None and series.numbered and ordinal != year - series.first_year + 1:
            return None
        if year < series.first_year or (series.last_year is not None and year > series.last_year):
            return None
        return _derived_edition(series, year, self.places)

    def editions(self, series_key: str, until: int | None = None) -> tuple[Edition, ...]:
        """Every edition up to ``until`` (default: the file's ``editions_until``): listed ones
        plus, for annual series, one per year from the first."""
        series = self.series[series_key]
        last = until if until is not None else self.editions_until
        listed = {e.year: e for e in series.editions}
        if series.annual and series.first_year is not None and last is not None:
            final = min(last, series.last_year) if series.last_year is not None else last
            for year in range(series.first_year, final + 1):
                listed.setdefault(year, _derived_edition(series, year, self.places))
        return tuple(listed[y] for y in sorted(listed))

    # Internals -------------------------------------------------------------------------------
    def _build_gazetteers(self) -> None:
        def people_entries(for_text: bool) -> Iterator[tuple[str, str, Person]]:
            for person in self.people.values():
                for alias in (person.name, *person.aliases):
                    core = self.strip_honorifics(alias)
                    if for_text and core != alias.strip() and len(_tokens(core, True)) == 1:
                        # "Mr. Ban" is a name only with its title: "Ban" alone is a verb.
                        yield from self._titled(core, person)
                    else:
                        yield core, person.key, person
                        if for_text:  # so that "Mr. Ban Ki-moon" is one mention, not "Mr. Ban"
                            yield from self._titled(core, person)
                for short in person.short_names:
                    if for_text:
                        yield from self._titled(short, person)
                    else:
                        yield short, person.key, person

        self._person_lookup: Gazetteer[Person] = Gazetteer(people_entries(False))
        self._people_text: Gazetteer[Person] = Gazetteer(people_entries(True))
        post_entries: list[tuple[str, str, Post | str]] = [
            (alias, post.key, post)
            for post in self.posts.values()
            for alias in (post.label, *post.aliases)
        ]
        post_entries += [(phrase, f"not-post:{phrase}", phrase) for phrase in self.not_posts]
        self._posts_text: Gazetteer[Post | str] = Gazetteer(post_entries)
        self._organizations: Gazetteer[Organization] = Gazetteer(
            (a, o.key, o) for o in self.organizations.values() for a in (o.name, *o.aliases)
        )
        self._series: Gazetteer[EventSeries] = Gazetteer(
            (a, s.key, s) for s in self.series.values() for a in (s.name, *s.aliases)
        )
        self._places: Gazetteer[Place] = Gazetteer(
            (a, p.key, p) for p in self.places.values() for a in (p.name, *p.aliases)
        )
        names = [(a, c.iso3, c) for c in self.countries.values() for a in (c.name, *c.aliases)]
        self._country_names: Gazetteer[Country] = Gazetteer(names)
        adjectives = [(a, c.iso3, c) for c in self.countries.values() for a in c.adjectives]
        self._countries: Gazetteer[Country] = Gazetteer(names + adjectives)

    def _titled(self, name: str, person: Person) -> Iterator[tuple[str, str, Person]]:
        for title in self.honorifics:
            yield f"{title} {name}", person.key, person


def _honorific_pattern(honorifics: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(h.rstrip(".")) + r"\.?" for h in honorifics), key=len)
    body = "|".join(reversed(alternatives)) or "(?!)"
    return re.compile(rf"^(?:(?:{body})(?:\s+|$))+", re.IGNORECASE)


def _derived_edition(series: EventSeries, year: int, places: Mapping[str, Place]) -> Edition:
    start = rule_date(series.date_rule, year).isoformat() if series.date_rule else None
    place = places.get(series.place) if series.place else None
    ordinal = year - series.first_year + 1 if series.numbered and series.first_year else None
    return Edition(
        series=series.key,
        year=year,
        ordinal=ordinal,
        place=series.place,
        country=place.country if place else None,
        start=start,
        end=start,
        derived=True,
    )


# ---------------------------------------------------------------------------------------------
# Loading the files
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _load_cached(vocab_dir: Path, wikidata_tsv: Path) -> Registry:
    return _load(vocab_dir, wikidata_tsv)


def _load(vocab_dir: Path, wikidata_tsv: Path) -> Registry:
    folder = vocab_dir / REGISTRY_DIR
    rows = load_wikidata(wikidata_tsv)
    countries = _load_countries(folder / "countries.toml", rows)
    places = _load_places(folder / "places.toml", rows, countries)
    organizations = _load_organizations(folder / "organizations.toml", rows)
    posts, not_posts = _load_posts(folder / "posts.toml", organizations)
    people, holdings, honorifics = _load_people(folder / "people.toml", rows, posts, countries)
    series, until = _load_series(folder / "events.toml", places, countries, organizations)
    return Registry(
        people=people,
        posts=posts,
        holdings=holdings,
        organizations=organizations,
        series=series,
        places=places,
        countries=countries,
        wikidata_rows=rows,
        honorifics=honorifics,
        not_posts=not_posts,
        editions_until=until,
    )


def _wikidata(entry: Entry, rows: Mapping[str, WikidataRow], kind: str) -> WikidataRow | None:
    ref = entry.optional_text("wikidata")
    if ref is None:
        return None
    row = rows.get(ref)
    if row is None:
        raise entry.error(f"wikidata '{ref}' is not a row of {WIKIDATA_TSV} (write kind:key)")
    if row.kind != kind:
        raise entry.error(f"wikidata '{ref}' is a {row.kind} row, not a {kind}")
    return row


def _unique(entry: Entry, seen: dict[str, Any], key: str) -> None:
    if key in seen:
        raise entry.error(f"key '{key}' is used twice")


def _load_countries(path: Path, rows: Mapping[str, WikidataRow]) -> dict[str, Country]:
    document = read_toml(path)
    countries: dict[str, Country] = {}
    for iso3, table in document.items():
        entry = Entry(path, f"country '{iso3}'", table)
        entry.allow("name", "aliases", "adjectives", "use_table_label")
        if not ISO3.match(iso3):
            raise entry.error("table names must be ISO 3166-1 alpha-3 codes")
        row = rows.get(f"country:{iso3}")
        if row is None:
            raise entry.error(f"{iso3} is not a country row of {WIKIDATA_TSV}")
        name = entry.text("name")
        aliases = list(entry.texts("aliases"))
        if entry.flag("use_table_label", True) and normalize_phrase(row.label) not in {
            normalize_phrase(a) for a in (name, *aliases)
        }:
            aliases.append(row.label)
        countries[iso3] = Country(
            iso3=iso3,
            name=name,
            aliases=tuple(aliases),
            adjectives=entry.texts("adjectives"),
            wikidata=row.qid,
            wikidata_ref=row.ref,
        )
    missing = sorted(r.key for r in rows.values() if r.kind == "country" and r.key not in countries)
    if missing:
        raise VocabularyError(
            f"{display_path(path)}: no entry for the {WIKIDATA_TSV} countries {', '.join(missing)}"
        )
    return countries


def _load_places(
    path: Path, rows: Mapping[str, WikidataRow], countries: Mapping[str, Country]
) -> dict[str, Place]:
    places: dict[str, Place] = {}
    for entry in entries(path, read_toml(path), "place"):
        entry.allow("key", "name", "aliases", "country", "wikidata")
        key = entry.key()
        _unique(entry, places, key)
        country = entry.text("country")
        if country not in countries:
            raise entry.error(f"country '{country}' is not a known ISO3 code")
        row = _wikidata(entry, rows, "place")
        places[key] = Place(
            key=key,
            name=entry.text("name"),
            country=country,
            aliases=entry.texts("aliases"),
            wikidata=row.qid if row else None,
            wikidata_ref=row.ref if row else None,
        )
    return places


def _load_organizations(path: Path, rows: Mapping[str, WikidataRow]) -> dict[str, Organization]:
    organizations: dict[str, Organization] = {}
    tables = list(entries(path, read_toml(path), "organization"))
    for entry in tables:
        entry.allow("key", "name", "aliases", "wikidata", "part_of")
        key = entry.key()
        _unique(entry, organizations, key)
        row = _wikidata(entry, rows, "organization")
        organizations[key] = Organization(
            key=key,
            name=entry.text("name"),
            aliases=entry.texts("aliases"),
            wikidata=row.qid if row else None,
            part_of=entry.optional_text("part_of"),
            wikidata_ref=row.ref if row else None,
        )
    for entry in tables:
        parent = entry.optional_text("part_of")
        if parent is not None and parent not in organizations:
            raise entry.error(f"part_of '{parent}' is not an organization key")
    return organizations


def _load_posts(
    path: Path, organizations: Mapping[str, Organization]
) -> tuple[dict[str, Post], tuple[str, ...]]:
    document = read_toml(path)
    posts: dict[str, Post] = {}
    for entry in entries(path, document, "post"):
        entry.allow("key", "label", "organization", "aliases", "single_holder")
        key = entry.key()
        _unique(entry, posts, key)
        organization = entry.text("organization")
        if organization not in organizations:
            raise entry.error(f"organization '{organization}' is not an organization key")
        posts[key] = Post(
            key=key,
            label=entry.text("label"),
            organization=organization,
            aliases=entry.texts("aliases"),
            single_holder=entry.flag("single_holder", True),
        )
    top = Entry(path, "top level", {"not_posts": document.get("not_posts", [])})
    return posts, top.texts("not_posts")


def _load_people(
    path: Path,
    rows: Mapping[str, WikidataRow],
    posts: Mapping[str, Post],
    countries: Mapping[str, Country],
) -> tuple[dict[str, Person], list[PostHolding], tuple[str, ...]]:
    document = read_toml(path)
    people: dict[str, Person] = {}
    holdings: list[PostHolding] = []
    for entry in entries(path, document, "person"):
        entry.allow("key", "name", "aliases", "short_names", "wikidata", "country", "terms")
        key = entry.key()
        _unique(entry, people, key)
        name = entry.text("name")
        if slugify(name) != key:
            raise entry.error(f"key must be the slug of the name ('{slugify(name)}')")
        country = entry.optional_text("country")
        if country is not None and country not in countries:
            raise entry.error(f"country '{country}' is not a known ISO3 code")
        row = _wikidata(entry, rows, "person")
        people[key] = Person(
            key=key,
            name=name,
            aliases=entry.texts("aliases"),
            wikidata=row.qid if row else None,
            short_names=entry.texts("short_names"),
            country=country,
            wikidata_ref=row.ref if row else None,
        )
        for number, table in enumerate(entry.tables("terms"), 1):
            term = Entry(path, f"{entry.label}: term {number}", table)
            term.allow("post", "start", "end", "note")
            post = term.text("post")
            if post not in posts:
                raise term.error(f"post '{post}' is not a post key of posts.toml")
            start = term.date("start")
            end = term.date("end", required=False)
            assert start is not None
            holding = PostHolding(post, key, start, end, term.optional_text("note"))
            if holding.last_day < holding.first_day:
                raise term.error(f"ends ({end}) before it starts ({start})")
            holdings.append(holding)
    _check_overlaps(path, holdings, posts)
    top = Entry(path, "top level", {"honorifics": document.get("honorifics", [])})
    return people, holdings, top.texts("honorifics")


def _check_overlaps(path: Path, holdings: Sequence[PostHolding], posts: Mapping[str, Post]) -> None:
    by_post: dict[str, list[PostHolding]] = {}
    for holding in holdings:
        if posts[holding.post].single_holder:
            by_post.setdefault(holding.post, []).append(holding)
    for post, terms in by_post.items():
        terms.sort(key=lambda h: h.first_day)
        for before, after in itertools.pairwise(terms):
            if after.first_day <= before.last_day:
                raise VocabularyError(
                    f"{display_path(path)}: post '{post}': the terms of '{before.person}' "
                    f"({before.start}–{before.end or 'current'}) and '{after.person}' "
                    f"({after.start}–{after.end or 'current'}) overlap"
                )


def _load_series(
    path: Path,
    places: Mapping[str, Place],
    countries: Mapping[str, Country],
    organizations: Mapping[str, Organization],
) -> tuple[dict[str, EventSeries], int | None]:
    document = read_toml(path)
    top = Entry(path, "top level", {k: v for k, v in document.items() if k != "series"})
    top.allow("editions_until")
    until = top.integer("editions_until")
    series: dict[str, EventSeries] = {}
    for entry in entries(path, document, "series"):
        entry.allow(
            "key", "name", "aliases", "first_year", "last_year", "annual", "numbered",
            "date_rule", "place", "organizer", "editions",
        )  # fmt: skip
        key = entry.key()
        _unique(entry, series, key)
        first_year, annual = entry.integer("first_year"), entry.flag("annual")
        numbered = entry.flag("numbered")
        if (annual or numbered) and first_year is None:
            raise entry.error("an annual or numbered series needs first_year")
        rule = entry.optional_text("date_rule")
        if rule is not None:
            try:
                rule_date(rule, 2000)
            except ValueError as error:
                raise entry.error(str(error)) from error
        place = entry.optional_text("place")
        if place is not None and place not in places:
            raise entry.error(f"place '{place}' is not a place key of places.toml")
        organizer = entry.optional_text("organizer")
        if organizer is not None and organizer not in organizations:
            raise entry.error(f"organizer '{organizer}' is not an organization key")
        item = EventSeries(
            key=key,
            name=entry.text("name"),
            aliases=entry.texts("aliases"),
            first_year=first_year,
            last_year=entry.integer("last_year"),
            annual=annual,
            numbered=numbered,
            date_rule=rule,
            place=place,
            organizer=organizer,
        )
        editions = tuple(
            _edition(Entry(path, f"{entry.label}: edition {n}", t), item, places, countries)
            for n, t in enumerate(entry.tables("editions"), 1)
        )
        years = [e.year for e in editions]
        if len(set(years)) != len(years):
            raise entry.error("two editions in the same year (event IRIs are series + year)")
        series[key] = replace(item, editions=editions)
    return series, until


def _edition(
    entry: Entry, series: EventSeries, places: Mapping[str, Place], countries: Mapping[str, Country]
) -> Edition:
    entry.allow("year", "ordinal", "name", "place", "country", "start", "end", "online")
    year = entry.integer("year")
    if year is None:
        raise entry.error("field 'year' is required")
    if series.first_year is not None and year < series.first_year:
        raise entry.error(f"year {year} is before the series' first_year {series.first_year}")
    ordinal = entry.integer("ordinal")
    if series.numbered and series.first_year is not None:
        derived = year - series.first_year + 1
        if ordinal is not None and ordinal != derived:
            raise entry.error(f"ordinal {ordinal} disagrees with first_year (expected {derived})")
        ordinal = derived
    place = entry.optional_text("place") or series.place
    if place is not None and place not in places:
        raise entry.error(f"place '{place}' is not a place key of places.toml")
    country = entry.optional_text("country") or (places[place].country if place else None)
    if country is not None and country not in countries:
        raise entry.error(f"country '{country}' is not a known ISO3 code")
    start, end = entry.date("start", required=False), entry.date("end", required=False)
    if start and not start.startswith(str(year)):
        raise entry.error(f"start {start} is not in {year}")
    if start and end and date_range(end)[1] < date_range(start)[0]:
        raise entry.error(f"ends ({end}) before it starts ({start})")
    return Edition(
        series=series.key,
        year=year,
        ordinal=ordinal,
        name=entry.optional_text("name"),
        place=place,
        country=country,
        start=start,
        end=end or start,
        online=entry.flag("online"),
    )
