"""Evidence passages laid over a document's text: segments of text, each covered by the passages
whose ``oa:TextPositionSelector`` offsets span it, so that overlapping passages still nest as
well-formed HTML."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """One passage: its number on the page (1-based) and its offsets into the text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same passages.

    ``opens`` are the passages that begin here (the page puts their anchors on this segment),
    ``closes`` those that end here (the page puts their reference links after it).
    """

    text: str
    covered_by: tuple[int, ...] = ()
    opens: tuple[int, ...] = ()
    closes: tuple[int, ...] = ()


def placed(text: str, start: int, end: int, exact: str | None) -> bool:
    """Whether a passage's offsets fall inside ``text`` and, when its quote is known, select it.

    Offsets count Unicode code points, as Python slices do (and as SPARQL's SUBSTR does).

    >>> placed("Digital divide", 0, 7, "Digital")
    True
    >>> placed("Digital divide", 0, 7, "digital")
    False
    >>> placed("short", 2, 40, None)
    False
    """
    if not 0 <= start < end <= len(text):
        return False
    return exact is None or text[start:end] == exact


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """Cut ``text`` at every passage boundary; each piece lists the passages that cover it.

    Spans must already be :func:`placed`; empty input gives one uncovered segment.

    >>> for s in segments("We must close the divide.", [Span(1, 3, 7), Span(2, 3, 24), Span(3, 18, 24)]):
    ...     print(repr(s.text), s.covered_by, s.opens, s.closes)
    'We ' () () ()
    'must' (1, 2) (1, 2) (1,)
    ' close the ' (2,) () ()
    'divide' (2, 3) (3,) (2, 3)
    '.' () () ()
    """
    cuts = {0, len(text)}
    for span in spans:
        cuts.add(span.start)
        cuts.add(span.end)
    bounds = sorted(cuts)
    pieces: list[Segment] = []
    for left, right in itertools.pairwise(bounds):
        if left == right:
            continue
        covering = tuple(s.number for s in spans if s.start <= left and s.end >= right)
        pieces.append(
            Segment(
                text[left:right],
                covering,
                tuple(s.number for s in spans if s.start == left),
                tuple(s.number for s in spans if s.end == right),
            )
        )
    if not pieces:
        pieces.append(Segment(text))
    return pieces
