"""WSIS action lines (C1–C11 and C7's sub-lines) that passages address, by the topic tagger.

Queries per action line are in ``vocab/wsis_topics.toml``. A document is linked to an action line
when its sentences' noisy-OR score reaches the threshold; the best sentence is the evidence. C7
itself is tagged only for passages about ICT applications in general; a sub-line (C7.4 E-health)
is a link of its own, and C7 is reached from it through ``skos:broader`` in the vocabulary.
"""

from __future__ import annotations

from functools import cache

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import WsisLink
from ungraph.extract.sdg import tag_passages, topic_index
from ungraph.extract.topics import TopicView
from ungraph.resources import vocab_path


@cache
def wsis_index() -> TopicView:
    """The team's phrase queries for the action lines (in the index shared with the SDGs)."""
    return topic_index().scheme(vocab_path("wsis_topics.toml"))


def _order(code: str) -> tuple[int, int]:
    main, _, sub = code[1:].partition(".")
    return int(main), int(sub or 0)


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.wsis``, in action-line order."""
    tagged = tag_passages(wsis_index(), ctx.body_sentences, ctx.text, set())
    links: list[WsisLink] = []
    for code in sorted(tagged, key=_order):
        score, (start, end) = tagged[code]
        links.append(WsisLink(code, score, ctx.evidence(start, end), "topic-tagger"))
    draft.wsis = links
