"""Phrase lexicons: find the concepts of a SKOS scheme (groups, themes) by their labels.

Phrases match whole words, case-insensitively, longest first, so "young women and girls" wins
over "women and girls" and "girls". One regular expression per lexicon, built once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class LexiconHit:
    start: int
    end: int
    key: str


class Lexicon:
    """Concept keys by phrase.

    >>> lex = Lexicon([("women-and-girls", "women and girls"), ("girls", "girls")])
    >>> [(h.key, h.start) for h in lex.find("young women and girls, girls")]
    [('women-and-girls', 6), ('girls', 23)]
    """

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._keys: dict[str, str] = {}
        for key, phrase in phrases:
            normalized = self.normalize(phrase)
            if normalized:
                self._keys.setdefault(normalized, key)
        alternatives = sorted(self._keys, key=len, reverse=True)
        # Spaces and hyphens are interchangeable ("health-care workers", "health care workers").
        body = "|".join(r"[\s-]+".join(re.escape(w) for w in p.split(" ")) for p in alternatives)
        self._pattern = (
            re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE) if body else None
        )

    @staticmethod
    def normalize(phrase: str) -> str:
        """Lower case, typographic apostrophes straight, hyphens and runs of spaces as one space.

        >>> Lexicon.normalize("Health-care  Workers’")
        "health care workers'"
        """
        return " ".join(phrase.replace("’", "'").replace("-", " ").lower().split())

    def key_of(self, phrase: str) -> str | None:
        return self._keys.get(self.normalize(phrase))

    def find(self, text: str, start: int = 0, end: int | None = None) -> Iterator[LexiconHit]:
        if self._pattern is None:
            return
        stop = len(text) if end is None else end
        for match in self._pattern.finditer(text.replace("’", "'"), start, stop):
            key = self._keys.get(self.normalize(match.group(0)))
            if key is not None:
                yield LexiconHit(match.start(), match.end(), key)

    def __len__(self) -> int:
        return len(self._keys)
