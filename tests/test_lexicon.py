"""The phrase lexicon's word reading: offsets and words exactly as a scan word by word finds
them, whatever the text and the bounds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ungraph.extract.lexicon import _LAST_WORDS, Lexicon, _words

_WORD = re.compile(r"[^\W_]+")
_PIECES = [*"ab Zé_-’'.,\n\t1İßΣ", "women", "girls", "and", "young"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@given(_TEXT, st.data())
def test_words_are_where_a_scan_finds_them(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    stop = data.draw(st.integers(start, len(text)))
    _LAST_WORDS.clear()
    starts, ends, words = _words(text, start, stop)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text, start, stop)]
    assert list(zip(starts, ends, strict=True)) == spans
    assert words == [text[s:e].lower() for s, e in spans]


def test_a_phrase_is_found_at_its_offsets_within_bounds() -> None:
    lexicon = Lexicon([("women-and-girls", "women and girls"), ("girls", "girls")])
    text = "Xx: young Women and girls, and girls."
    hits = list(lexicon.find(text, 4, len(text) - 1))
    assert [(h.key, text[h.start : h.end]) for h in hits] == [
        ("women-and-girls", "Women and girls"),
        ("girls", "girls"),
    ]
