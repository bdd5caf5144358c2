"""A transparent, deterministic topic tagger: phrase queries per concept, matched per passage.

Queries are written by the team (``vocab/sdg_topics.toml``, ``vocab/wsis_topics.toml``). A
query is terms joined by ``&`` that must all occur in one passage; a term is alternatives
joined by ``|``; an alternative is a word or a phrase, and a trailing ``*`` makes its last word
a prefix. A term starting with ``!`` must *not* occur. Each query has a weight (default 1.0)::

    "broadband|internet|connectivity & affordable|universal|everyone|offline"
    { q = "mobile phone* & women|girls", w = 0.6 }

A passage's score for a concept is the noisy-OR of the weights of its matching queries,
``1 - prod(1 - w)``; a document's score is the noisy-OR of its passages' scores. Matching is on
lower-cased word tokens, so it is fast: every phrase is looked up in a set, never searched.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
MAX_PHRASE_WORDS = 6


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated words stay whole and also count as their parts.

    >>> tokens("ICT-enabled, low-cost Internet access!")
    ['ict-enabled', 'low-cost', 'internet', 'access']
    """
    # The pattern treats both apostrophes alike, so straightening them first changes no token
    # boundary.
    return _TOKEN.findall(text.lower().replace("’", "'"))


@lru_cache(maxsize=1024)
def _passage_tokens(text: str) -> tuple[str, ...]:
    """:func:`tokens` of a passage, kept: the SDG and WSIS indexes both read every sentence of
    a document, and its calls are read again."""
    return tuple(tokens(text))


@dataclass(frozen=True)
class _Alternative:
    words: tuple[str, ...]
    prefix: bool  # the last word is a prefix


@dataclass(frozen=True)
class _Term:
    alternatives: tuple[_Alternative, ...]
    negated: bool


@dataclass(frozen=True)
class Query:
    """One query of a concept, as written, and its parsed terms."""

    concept: str
    text: str
    weight: float
    terms: tuple[_Term, ...]


class QueryError(ValueError):
    """A query that cannot be parsed; the message names the file, concept and query."""


def parse_query(concept: str, text: str, weight: float = 1.0, origin: str = "") -> Query:
    """Parse one query.

    >>> q = parse_query("9.c", "broadband|internet access & afford*")
    >>> [[a.words for a in t.alternatives] for t in q.terms]
    [[('broadband',), ('internet', 'access')], [('afford',)]]
    """
    where = f"{origin}: " if origin else ""
    if not 0 < weight <= 1:
        raise QueryError(f"{where}concept {concept!r}: weight {weight} not in (0, 1] in {text!r}")
    terms: list[_Term] = []
    for raw_term in text.split("&"):
        raw_term = raw_term.strip()
        negated = raw_term.startswith("!")
        raw_term = raw_term.lstrip("!").strip()
        alternatives: list[_Alternative] = []
        for raw_alt in raw_term.split("|"):
            raw_alt = raw_alt.strip().lower()
            prefix = raw_alt.endswith("*")
            words = tuple(tokens(raw_alt.rstrip("*")))
            if not words or len(words) > MAX_PHRASE_WORDS:
                raise QueryError(
                    f"{where}concept {concept!r}: bad alternative {raw_alt!r} in {text!r}"
                )
            alternatives.append(_Alternative(words, prefix))
        if not alternatives:
            raise QueryError(f"{where}concept {concept!r}: empty term in {text!r}")
        terms.append(_Term(tuple(alternatives), negated))
    if not any(not t.negated for t in terms):
        raise QueryError(f"{where}concept {concept!r}: a query needs a positive term: {text!r}")
    return Query(concept, text, weight, tuple(terms))


def read_queries(path: Path, section: str = "concept") -> tuple[list[Query], dict[str, str]]:
    """The queries and labels of ``[concept."9.c"] queries = [...]`` tables (``label``
    optional)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise QueryError(f"{path}: {error}") from error
    table = data.get(section)
    if not isinstance(table, dict):
        raise QueryError(f"{path}: no [{section}.*] tables")
    queries: list[Query] = []
    labels: dict[str, str] = {}
    for concept, entry in table.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("queries"), list):
            raise QueryError(f"{path}: [{section}.{concept!r}] needs a list 'queries'")
        if isinstance(entry.get("label"), str):
            labels[concept] = entry["label"]
        for item in entry["queries"]:
            if isinstance(item, str):
                queries.append(parse_query(concept, item, 1.0, str(path)))
            elif isinstance(item, dict) and isinstance(item.get("q"), str):
                weight = float(item.get("w", 1.0))
                queries.append(parse_query(concept, item["q"], weight, str(path)))
            else:
                raise QueryError(f"{path}: [{section}.{concept!r}] bad query entry {item!r}")
    return queries, labels


class _WordHits(dict[str, frozenset[int]]):
    """What a single word satisfies, computed on first sight (vocabularies repeat)."""

    def __init__(self, index: TopicIndex, limit: int = 200_000) -> None:
        super().__init__()
        self._index = index
        self._limit = limit  # a cache, not a copy of every word ever read

    def __missing__(self, word: str) -> frozenset[int]:
        codes = self._index._single(word)
        if len(self) < self._limit:
            self[word] = codes
        return codes


@dataclass
class TopicIndex:
    """Queries of many concepts, indexed so that a passage is matched in one pass.

    Each term of each query has a code (``query * width + term``); a passage is matched by
    collecting the codes its words and phrases satisfy, then checking only the queries one of
    those codes names, with set operations (a passage satisfies a few dozen codes of the
    thousands).
    """

    queries: list[Query]
    labels: Mapping[str, str] = field(default_factory=dict)
    origins: Mapping[str, Path] = field(default_factory=dict)  # concept -> the file defining it
    _exact: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict, init=False)
    _prefix: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict, init=False)
    _prefix_lengths: list[int] = field(default_factory=list, init=False)
    _heads: set[tuple[str, ...]] = field(default_factory=set, init=False)
    _head_words: set[str] = field(default_factory=set, init=False)  # one-word heads
    _prefix_heads: set[tuple[str, ...]] = field(default_factory=set, init=False)
    _width: int = field(default=1, init=False)
    # Per query: the codes of its positive terms and of its negated ones; None when a single
    # positive term and no negated one (any hit of it is a match).
    _checks: list[tuple[frozenset[int], frozenset[int]] | None] = field(
        default_factory=list, init=False
    )
    _word_hits: _WordHits = field(init=False)
    _scores: dict[str, dict[str, float]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._width = max((len(query.terms) for query in self.queries), default=1)
        exact: dict[tuple[str, ...], set[int]] = defaultdict(set)
        prefix: dict[tuple[str, ...], set[int]] = defaultdict(set)
        lengths: set[int] = set()
        for qi, query in enumerate(self.queries):
            positive: set[int] = set()
            negated: set[int] = set()
            for ti, term in enumerate(query.terms):
                code = qi * self._width + ti
                (negated if term.negated else positive).add(code)
                for alt in term.alternatives:
                    if alt.prefix:
                        prefix[alt.words].add(code)
                        lengths.add(len(alt.words[-1]))
                        if len(alt.words) > 1:
                            self._prefix_heads.add(alt.words[:-1])
                    else:
                        exact[alt.words].add(code)
                    # Every proper beginning of a phrase, so that a scan stops as soon as the
                    # words read so far begin no phrase.
                    for n in range(1, len(alt.words)):
                        self._heads.add(alt.words[:n])
            simple = len(positive) == 1 and not negated
            self._checks.append(None if simple else (frozenset(positive), frozenset(negated)))
        self._exact = {words: frozenset(codes) for words, codes in exact.items()}
        self._prefix = {words: frozenset(codes) for words, codes in prefix.items()}
        self._prefix_lengths = sorted(lengths)
        self._head_words = {head[0] for head in self._heads if len(head) == 1}
        self._word_hits = _WordHits(self)

    @classmethod
    def from_toml(cls, *paths: Path, section: str = "concept") -> TopicIndex:
        """Read ``[concept."9.c"] queries = [...]`` tables (``label`` optional) from one or more
        files; a concept may be defined in one file only."""
        queries: list[Query] = []
        labels: dict[str, str] = {}
        defined: dict[str, Path] = {}
        for path in paths:
            file_queries, file_labels = read_queries(path, section)
            for concept in sorted({query.concept for query in file_queries}):
                if concept in defined:
                    raise QueryError(
                        f"{path}: concept {concept!r} is also defined in {defined[concept]}"
                    )
                defined[concept] = path
            queries.extend(file_queries)
            labels.update(file_labels)
        return cls(queries, labels, defined)

    def view(self, concepts: Iterable[str]) -> TopicView:
        """The scores of some concepts only (one scheme of a shared index)."""
        return TopicView(self, frozenset(concepts))

    def scheme(self, path: Path) -> TopicView:
        """The view of the concepts one of the index's files defines."""
        concepts = [concept for concept, origin in self.origins.items() if origin == path]
        if not concepts:
            raise QueryError(f"{path}: the index defines no concept from this file")
        return self.view(concepts)

    @property
    def concepts(self) -> list[str]:
        return sorted({q.concept for q in self.queries})

    def _single(self, word: str) -> frozenset[int]:
        """What one word satisfies: exact one-word alternatives, one-word prefixes, and (for a
        hyphenated word) its parts ("ICT-enabled" has "ict")."""
        codes = set(self._exact.get((word,), ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            codes.update(self._prefix.get((word[:length],), ()))
        if "-" in word:
            for part in word.split("-"):
                codes.update(self._exact.get((part,), ()))
        return frozenset(codes)

    def matching_queries(self, text: str) -> list[Query]:
        """The queries that match one passage."""
        words = _passage_tokens(text)
        # What single words satisfy depends on the word only: once per distinct word.
        satisfied: set[int] = set().union(*map(self._word_hits.__getitem__, set(words)))
        count = len(words)
        head_words = self._head_words
        # Longer phrases, from the words some phrase begins with: extend while the words so
        # far begin some phrase.
        for i in [i for i, word in enumerate(words) if word in head_words]:
            gram: tuple[str, ...] = (words[i],)
            j = i + 1
            while j < count and len(gram) < MAX_PHRASE_WORDS and gram in self._heads:
                following = words[j]
                if gram in self._prefix_heads:
                    for length in self._prefix_lengths:
                        if length > len(following):
                            break
                        hits = self._prefix.get((*gram, following[:length]))
                        if hits:
                            satisfied.update(hits)
                gram = (*gram, following)
                hits = self._exact.get(gram)
                if hits:
                    satisfied.update(hits)
                j += 1
        matched: list[Query] = []
        checks = self._checks
        # Only the queries a satisfied term belongs to can match: all their positive terms
        # satisfied, none of their negated ones.
        for qi in sorted({code // self._width for code in satisfied}):
            check = checks[qi]
            if check is None or (check[0] <= satisfied and check[1].isdisjoint(satisfied)):
                matched.append(self.queries[qi])
        return matched

    def score(self, text: str) -> dict[str, float]:
        """Concept -> score in (0, 1] for one passage (concepts with no match are absent).

        >>> index = TopicIndex([parse_query("9.c", "broadband & afford*", 0.8)])
        >>> index.score("Broadband must be affordable.")
        {'9.c': 0.8}
        """
        cached = self._scores.get(text)
        if cached is not None:
            return dict(cached)
        remaining: dict[str, float] = {}
        for query in self.matching_queries(text):
            remaining[query.concept] = remaining.get(query.concept, 1.0) * (1.0 - query.weight)
        result = {concept: round(1.0 - rest, 6) for concept, rest in remaining.items()}
        # A document's calls are scored again sentence by sentence: keep the last few thousand.
        if len(self._scores) >= 4096:
            self._scores.clear()
        self._scores[text] = result
        return dict(result)


@dataclass(frozen=True)
class TopicView:
    """Some concepts of a :class:`TopicIndex` (the SDG targets, the WSIS action lines): the
    index scores a passage for all its concepts once and keeps the result, so schemes that read
    the same sentences share the work."""

    index: TopicIndex
    concept_set: frozenset[str]

    @property
    def concepts(self) -> list[str]:
        return sorted(self.concept_set)

    @property
    def queries(self) -> list[Query]:
        return [query for query in self.index.queries if query.concept in self.concept_set]

    def score(self, text: str) -> dict[str, float]:
        """Concept -> score, for this view's concepts (see :meth:`TopicIndex.score`)."""
        return {c: s for c, s in self.index.score(text).items() if c in self.concept_set}

    def matching_queries(self, text: str) -> list[Query]:
        return [q for q in self.index.matching_queries(text) if q.concept in self.concept_set]


def combine(scores: Iterable[float]) -> float:
    """Noisy-OR of independent pieces of evidence.

    >>> combine([0.5, 0.5])
    0.75
    """
    rest = 1.0
    for value in scores:
        rest *= 1.0 - value
    return round(1.0 - rest, 6)
