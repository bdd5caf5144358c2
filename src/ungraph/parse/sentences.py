"""Paragraphs and sentences of a body, as offsets into the document text."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Abbreviations after which a full stop does not end a sentence in UN prose.
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "h.e", "st", "no", "nos", "vol", "art", "para", "paras",
        "e.g", "i.e", "etc", "vs", "cf", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "u.n", "u.s", "u.k", "rev", "corr", "add", "amb", "gen",
        "col", "lt", "sen", "rep", "gov", "approx", "inc", "ltd", "co", "jr", "sr",
    }
)  # fmt: skip
# A sentence ends at . ! ? (possibly doubled, as in "benefits..") and any closing quotes or
# brackets, when what follows starts a new sentence.
_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9À-Ý]|\s*$)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def paragraphs(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Non-blank lines of ``text[start:end]`` as stripped spans.

    >>> list(paragraphs("a b\\n\\n  c  \\n"))
    [(0, 3), (7, 8)]
    """
    stop = len(text) if end is None else end
    position = start
    while position < stop:
        newline = text.find("\n", position, stop)
        line_end = stop if newline == -1 else newline
        line = text[position:line_end]
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            yield position + lead, position + lead + len(stripped)
        position = line_end + 1


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]``: within each paragraph, split after . ! ? when the next
    word starts a sentence and the full stop does not close an abbreviation or a number.

    >>> t = "Mr. Ban spoke. He said 3.7 billion people “matter.” Let us act!\\nNew line"
    >>> [t[s:e] for s, e in sentences(t)]
    ['Mr. Ban spoke.', 'He said 3.7 billion people “matter.”', 'Let us act!', 'New line']
    """
    found: list[tuple[int, int]] = []
    for para_start, para_end in paragraphs(text, start, end):
        sentence_start = para_start
        for match in _END.finditer(text, para_start, para_end):
            if match.group(0).startswith(".") and _is_abbreviation(
                text, sentence_start, match.start()
            ):
                continue
            stop = match.end()
            if text[sentence_start:stop].strip():
                found.append(_strip(text, sentence_start, stop))
            sentence_start = stop
        if text[sentence_start:para_end].strip():
            found.append(_strip(text, sentence_start, para_end))
    return found


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word = _WORD_BEFORE.search(text, sentence_start, dot)
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # Initials ("John W. Ashe") are single upper-case letters.
    return len(token) == 1 and word.group(1).isupper()


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
