"""ICT themes the text names (cybersecurity, digital divide, artificial intelligence, ...).

Phrases come from the theme scheme (``vocab/themes.toml``); a theme that corresponds to a UNBIS
Thesaurus concept carries its URI. Each distinct phrase is one mention, evidenced by its first
occurrence.
"""

from __future__ import annotations

from ungraph.extract.context import Context, Draft
from ungraph.extract.lexicon import Lexicon
from ungraph.extract.model import ConceptMention


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.themes``, in text order, one mention per distinct phrase."""
    start, end = ctx.header.body
    seen: set[str] = set()
    mentions: list[ConceptMention] = []
    uris = ctx.knowledge.theme_uris
    for hit in ctx.knowledge.theme_lexicon.find(ctx.text, start, end):
        phrase = ctx.text[hit.start : hit.end]
        identity = Lexicon.normalize(phrase)
        if identity in seen:
            continue
        seen.add(identity)
        mentions.append(
            ConceptMention(hit.key, phrase, ctx.evidence(hit.start, hit.end), uris.get(hit.key))
        )
    draft.themes = mentions
