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


@dataclass
class TopicIndex:
    """Queries of many concepts, indexed so that a passage is matched in one pass."""

    queries: list[Query]
    labels: Mapping[str, str] = field(default_factory=dict)
    _exact: dict[tuple[str, ...], list[tuple[int, int]]] = field(default_factory=dict, init=False)
    _prefix: dict[tuple[str, ...], list[tuple[int, int]]] = field(default_factory=dict, init=False)
    _prefix_lengths: list[int] = field(default_factory=list, init=False)
    _heads: set[tuple[str, ...]] = field(default_factory=set, init=False)
    _head_words: set[str] = field(default_factory=set, init=False)  # one-word heads
    _prefix_heads: set[tuple[str, ...]] = field(default_factory=set, init=False)
    _word_hits: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict, init=False)
    _scores: dict[str, dict[str, float]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # (query index, term index) for every alternative, keyed by its words.
        exact: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
        prefix: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
        lengths: set[int] = set()
        for qi, query in enumerate(self.queries):
            for ti, term in enumerate(query.terms):
                for alt in term.alternatives:
                    if alt.prefix:
                        prefix[alt.words].append((qi, ti))
                        lengths.add(len(alt.words[-1]))
                        if len(alt.words) > 1:
                            self._prefix_heads.add(alt.words[:-1])
                    else:
                        exact[alt.words].append((qi, ti))
                    # Every proper beginning of a phrase, so that a scan stops as soon as the
                    # words read so far begin no phrase.
                    for n in range(1, len(alt.words)):
                        self._heads.add(alt.words[:n])
        self._exact = dict(exact)
        self._prefix = dict(prefix)
        self._prefix_lengths = sorted(lengths)
        self._head_words = {head[0] for head in self._heads if len(head) == 1}

    @classmethod
    def from_toml(cls, path: Path, section: str = "concept") -> TopicIndex:
        """Read ``[concept."9.c"] queries = [...]`` tables (``label`` optional)."""
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
        return cls(queries, labels)

    @property
    def concepts(self) -> list[str]:
        return sorted({q.concept for q in self.queries})

    def _single(self, word: str) -> tuple[tuple[int, int], ...]:
        """What one word satisfies: exact one-word alternatives, one-word prefixes, and (for a
        hyphenated word) its parts ("ICT-enabled" has "ict"). Cached: vocabularies repeat."""
        cached = self._word_hits.get(word)
        if cached is not None:
            return cached
        hits: list[tuple[int, int]] = list(self._exact.get((word,), ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            hits.extend(self._prefix.get((word[:length],), ()))
        if "-" in word:
            for part in word.split("-"):
                hits.extend(self._exact.get((part,), ()))
        result = tuple(hits)
        if len(self._word_hits) < 200_000:
            self._word_hits[word] = result
        return result

    def matching_queries(self, text: str) -> list[Query]:
        """The queries that match one passage."""
        words = _passage_tokens(text)
        satisfied: set[tuple[int, int]] = set()
        cached = self._word_hits.get
        # What single words satisfy depends on the word only: once per distinct word.
        for word in set(words):
            single = cached(word)
            if single is None:
                single = self._single(word)
            if single:
                satisfied.update(single)
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
        candidate_queries = {qi for qi, _ in satisfied}
        matched: list[Query] = []
        for qi in sorted(candidate_queries):
            query = self.queries[qi]
            if all(((qi, ti) in satisfied) != term.negated for ti, term in enumerate(query.terms)):
                matched.append(query)
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


def combine(scores: Iterable[float]) -> float:
    """Noisy-OR of independent pieces of evidence.

    >>> combine([0.5, 0.5])
    0.75
    """
    rest = 1.0
    for value in scores:
        rest *= 1.0 - value
    return round(1.0 - rest, 6)
