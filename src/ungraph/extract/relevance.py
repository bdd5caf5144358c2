"""Whether a document is about ICT at all.

Many UN messages mention technology in passing (a girls' day message with one paragraph on the
digital divide); a document is ICT-related when a substantial share of its body is about ICT, or
when it is addressed to an ICT event (the IGF, WSIS, World Telecommunication and Information
Society Day) and says something about ICT. The score is transparent: the share of body
sentences that name an ICT term (strong terms count fully, generic "technology" half), plus a
bonus for an ICT event or title.
"""

from __future__ import annotations

import re

from ungraph.extract.context import Context, Draft
from ungraph.extract.patterns import Guarded

THRESHOLD = 0.22

_STRONG = Guarded.by_literals(
    re.compile(
        r"\b(?:ICTs?|information (?:and|&) communications? technolog(?:y|ies)|information technolog(?:y|ies)|"
        r"Internet|internet|online|offline|digital|digitally|digitiz\w*|digitis\w*|cyber\w*|broadband|"
        r"telecommunications?|mobile (?:phones?|telephon\w*|networks?|money|broadband)|smartphones?|"
        r"artificial intelligence|AI|algorithm\w*|big data|data protection|personal data|"
        r"computers?|software|e-commerce|e-government|e-learning|e-health|connectivity|"
        r"unconnected|connected|5G|Internet of Things|social media|platforms?|misinformation|"
        r"disinformation|information integrity|hate speech online|WSIS|World Summit on the "
        r"Information Society|Internet Governance Forum|ITU|International Telecommunication Union|"
        r"information society|electronic|satellites?|networks?|open-source|web|websites?)\b"
    )
)  # tried only on sentences holding one of the texts its terms begin with
_WEAK = re.compile(
    r"\b(?:technolog(?:y|ies)|technological|innovation|data|STEM|science, technology)\b", re.I
)
_ICT_TITLE = re.compile(
    r"\b(?:ICT|Internet|digital|telecommunication|information society|broadband|cyber|"
    r"artificial intelligence|AI|technolog(?:y|ies))\b",
    re.I,
)
# Event series whose business is ICT: the registry keys of these series count as ICT events.
ICT_SERIES = frozenset(
    {
        "internet-governance-forum",
        "world-internet-conference",
        "world-summit-on-the-information-society",
        "wsis-forum",
        "wsis-10-review",
        "wsis-plus-10-review",
        "world-telecommunication-and-information-society-day",
        "world-telecommunication-day",
        "international-girls-in-ict-day",
        "girls-in-ict-day",
        "world-artificial-intelligence-conference",
        "ai-for-good-global-summit",
        "global-dialogue-on-ai-governance",
        "broadband-commission",
        "broadband-commission-for-sustainable-development",
    }
)


def score(ctx: Context, draft: Draft) -> float:
    """The ICT-relatedness score of a document, between 0 and 1."""
    spans = ctx.body_sentences
    if not spans:
        return 0.0
    weight = 0.0
    body_start, body_end = ctx.header.body  # the text the sentences are parts of
    strong = _STRONG.within(ctx.text[body_start:body_end])
    for start, end in spans:
        sentence = ctx.text[start:end]
        if strong.search(sentence):
            weight += 1.0
        elif _WEAK.search(sentence):
            weight += 0.5
    share = weight / len(spans)
    bonus = 0.0
    addressed = [e for e in draft.events if e.relation == "addressed"]
    if any(e.series in ICT_SERIES for e in addressed):
        bonus += 0.25
    title = ctx.header.title.value if ctx.header.title else ""
    if _ICT_TITLE.search(title):
        bonus += 0.1
    return round(min(1.0, share + bonus), 4)


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.ict_related`` and ``draft.ict_score``."""
    draft.ict_score = score(ctx, draft)
    draft.ict_related = draft.ict_score >= THRESHOLD
