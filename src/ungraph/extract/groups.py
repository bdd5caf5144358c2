"""Population groups the text names ("women and girls", "persons with disabilities", ...).

Phrases come from the group scheme (``vocab/groups.toml``: labels and the phrasings UN texts
use). A mention keeps a qualifier that narrows the group to a place or field ("girls in
Afghanistan", "women and girls in developing countries"); each distinct phrase is one mention,
evidenced by its first occurrence.
"""

from __future__ import annotations

import re

from ungraph.extract.context import Context, Draft
from ungraph.extract.lexicon import Lexicon
from ungraph.extract.model import ConceptMention

# "... in Afghanistan", "... in developing countries", "... in technology", "... in rural areas".
_QUALIFIER = re.compile(
    r"\s+in\s+(?:the\s+)?(?P<what>least developed countries|developing countries|developing nations|"
    r"low- and middle-income countries|rural areas|remote areas|conflict zones|technology|science|"
    r"the ICT sector|the digital economy|[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})\b"
)
_REGIONS = frozenset(
    {
        "Africa",
        "Asia",
        "Europe",
        "Latin America",
        "the Caribbean",
        "the Pacific",
        "the Arab region",
        "the Middle East",
    }
)


def _name_spans(ctx: Context, draft: Draft) -> list[tuple[int, int]]:
    """Spans of names that contain group words but are not groups: events ("International
    Girls in ICT Day") and organizations ("UN Women")."""
    start, end = ctx.header.body
    body = ctx.text[start:end]
    spans = [(start + s, start + e) for s, e, _ in ctx.registry.find_series(body)]
    spans += [(start + s, start + e) for s, e, _ in ctx.registry.find_organizations(body)]
    spans += [(e.evidence.start, e.evidence.end) for e in draft.events]
    return spans


def _inside_a_name(ctx: Context, start: int, end: int) -> bool:
    """A capitalised group word inside a sentence belongs to a title or a name ("Empowering
    Women, Empowering Humanity"), unless the lexicon phrase is itself an acronym (LDCs)."""
    phrase = ctx.text[start:end]
    if not phrase[:1].isupper() or phrase.isupper():
        return False
    sentence_start, _ = ctx.sentence_at(start)
    opening = ctx.text[sentence_start:start].strip(" “\"‘'(")
    return bool(opening)


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.groups``, in text order, one mention per distinct phrase."""
    start, end = ctx.header.body
    seen: set[tuple[str, str]] = set()
    mentions: list[ConceptMention] = []
    names = _name_spans(ctx, draft)
    for hit in ctx.knowledge.group_lexicon.find(ctx.text, start, end):
        if any(s <= hit.start < e for s, e in names) or _inside_a_name(ctx, hit.start, hit.end):
            continue
        stop = hit.end
        qualifier = _QUALIFIER.match(ctx.text, hit.end, end)
        if qualifier is not None:
            what = qualifier.group("what")
            if (
                what[0].islower()
                or what in _REGIONS
                or ctx.registry.match_country(what) is not None
            ):
                stop = qualifier.end()
        phrase = ctx.text[hit.start : stop]
        identity = (hit.key, Lexicon.normalize(phrase))
        if identity in seen:
            continue
        seen.add(identity)
        mentions.append(ConceptMention(hit.key, phrase, ctx.evidence(hit.start, stop)))
    draft.groups = mentions
