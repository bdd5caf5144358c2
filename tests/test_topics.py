"""The topic index against the query language read literally: whatever the index does to be
fast, a passage matches exactly the queries whose terms it satisfies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ungraph.extract.sdg import sdg_index
from ungraph.extract.topics import Query, TopicIndex, parse_query, tokens
from ungraph.extract.wsis import wsis_index


def _has(words: list[str], phrase: tuple[str, ...], prefix: bool) -> bool:
    """Whether the passage's words hold the phrase (its last word a prefix if ``prefix``); a
    one-word exact phrase also matches a part of a hyphenated word."""
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if list(phrase[:-1]) != words[i : i + n - 1]:
            continue
        last = words[i + n - 1]
        if last.startswith(phrase[-1]) if prefix else last == phrase[-1]:
            return True
    if n == 1 and not prefix:
        return any(phrase[0] in word.split("-") for word in words if "-" in word)
    return False


def _literal_matches(queries: list[Query], text: str) -> list[Query]:
    words = tokens(text)
    return [
        query
        for query in queries
        if all(
            any(_has(words, alt.words, alt.prefix) for alt in term.alternatives) != term.negated
            for term in query.terms
        )
    ]


_SMALL = [
    parse_query("a", "broadband & afford*"),
    parse_query("a", "internet access|digital divide & !satellite"),
    parse_query("b", "women|girls & mobile phone*", 0.6),
    parse_query("b", "ict"),
    parse_query("c", "e-government|online public service*"),
    parse_query("c", "digital public infrastructure & !military & finance|payment*"),
]


def _vocabulary(queries: list[Query]) -> list[str]:
    """Pieces of passages: every alternative as written (whole phrases, so that they occur),
    their single words, prefixes completed, hyphenated compounds and words no query names."""
    phrases = sorted({" ".join(a.words) for q in queries for t in q.terms for a in t.alternatives})
    words = sorted({w for phrase in phrases for w in phrase.split()})
    extra = [f"{w}s" for w in words[:200]] + [f"{w}-based" for w in words[:50]]
    return phrases + words + extra + ["the", "of", "low-cost", "digital-divide", "peace"]


_SMALL_WORDS = _vocabulary(_SMALL)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SMALL_WORDS), max_size=10))
def test_a_small_index_matches_what_the_queries_say(pieces: list[str]) -> None:
    index = TopicIndex(list(_SMALL))
    text = " ".join(pieces)
    assert index.matching_queries(text) == _literal_matches(_SMALL, text)


_SDG = sdg_index()
_WSIS = wsis_index()
_SDG_WORDS = _vocabulary(_SDG.queries)
_WSIS_WORDS = _vocabulary(_WSIS.queries)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_project_indexes_match_what_their_queries_say(data: st.DataObject) -> None:
    for index, vocabulary in ((_SDG, _SDG_WORDS), (_WSIS, _WSIS_WORDS)):
        pieces = data.draw(st.lists(st.sampled_from(vocabulary), max_size=12))
        text = " ".join(pieces)
        assert index.matching_queries(text) == _literal_matches(index.queries, text)


def test_real_passages_match_what_the_queries_say() -> None:
    passages = [
        "We call on all States to close the digital divide and make broadband affordable "
        "for women and girls in rural areas.",
        "Mobile phones and e-government services must reach everyone, not only the rich.",
        "Peace and security remain the first duty of this Organization.",
    ]
    for index in (_SDG, _WSIS):
        found = 0
        for text in passages:
            expected = _literal_matches(index.queries, text)
            assert index.matching_queries(text) == expected
            found += len(expected)
        assert found > 0  # the passages exercise the index, not only its empty answer
