"""Shared lexical patterns: person names, official roles and their grammar in UN prose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _parser  # type: ignore[attr-defined]  # the parse tree of a pattern

_AT, _BRANCH, _LITERAL = _parser.AT, _parser.BRANCH, _parser.LITERAL


class Guarded:
    """A pattern that cannot match without one of ``words`` in the text (a verb, a keyword it
    spells out), tried only when one is there: a substring test is far cheaper than a regular
    expression tried at every character, and most sentences of a speech call for nothing and
    most speeches name no goal, target or indicator."""

    def __init__(self, pattern: re.Pattern[str], words: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.words = words

    @classmethod
    def by_literals(cls, pattern: re.Pattern[str]) -> Guarded:
        """Guard a pattern by the literal text each of its alternatives begins with.

        A pattern that is a choice of alternatives, between word boundaries or not
        (``\\b(?:ICTs?|Internet|digiti[sz]\\w*)\\b``), cannot match where none of the texts
        its alternatives begin with occurs ("ICT", "Internet", "digiti"). Case-insensitive
        patterns, and alternatives that begin with anything but a literal character, are
        refused: no substring test would be sound for them.
        """
        if pattern.flags & re.IGNORECASE:
            raise ValueError(
                f"a case-insensitive pattern has no literal guard: {pattern.pattern!r}"
            )
        ops = [op for op in _parser.parse(pattern.pattern, pattern.flags).data if op[0] is not _AT]
        alternatives = ops[0][1][1] if len(ops) == 1 and ops[0][0] is _BRANCH else [ops]
        words: list[str] = []
        for alternative in alternatives:
            literal = ""
            for op, argument in alternative:
                if op is not _LITERAL:
                    break
                literal += chr(argument)
            if not literal:
                raise ValueError(
                    f"an alternative of {pattern.pattern!r} begins with no literal character"
                )
            words.append(literal)
        # A word that holds another is implied by it.
        kept = [w for w in dict.fromkeys(words) if not any(o != w and o in w for o in words)]
        return cls(pattern, tuple(kept))

    def within(self, text: str) -> Guarded:
        """This pattern, guarded by the words ``text`` holds only: for many searches in parts
        of one text (its sentences), each part is tested for the few words the whole has."""
        return Guarded(self.pattern, tuple(word for word in self.words if word in text))

    def present(self, text: str) -> bool:
        return any(word in text for word in self.words)

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.present(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        """Matches in ``text[pos:endpos]``; the guard reads the whole text (a word absent from
        it is absent from any part of it)."""
        if self.present(text):
            yield from self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)


# Upper- and lower-case letters of the Latin scripts UN texts print names in (Python's re has
# no \p{Lu}): "António", "Lajčák", "Kőrösi", "Bozkır".
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
LOWER = "a-zß-öø-ÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıĳĵķĸĺļľŀłńņňŉŋōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżž"
_NAME_WORD = (
    rf"(?:[{UPPER}][{LOWER}'’]+(?:-[{UPPER}{LOWER}][{LOWER}'’]*)*"  # Ban, Ki-moon, Bogdan-Martin
    rf"|[{UPPER}][{LOWER}]*[{UPPER}][{LOWER}]+"  # McDonald, DiCaprio
    rf"|[{UPPER}]\.)"  # initials: John W. Ashe
)
_PARTICLE = r"(?:de|da|do|dos|das|del|della|van|von|der|den|bin|ibn|al|el|la|le|di|du|y)"
# Two to five name words, particles allowed between them ("Miguel d'Escoto Brockmann").
PERSON_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+|d['’])?{_NAME_WORD}){{1,4}}"
PERSON_NAME_RE = re.compile(PERSON_NAME)

HONORIFIC = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|H\.E|Sir|Dame|Ambassador|His Excellency|Her Excellency)\.?\s+)"
)

# Official roles by their grammar, so that roles the registry does not know are still read:
# "Under-Secretary-General for Economic and Social Affairs", "his Envoy on Youth",
# "Special Adviser for the World Summit on the Information Society", "President of Costa Rica".
_ROLE_HEAD = (
    r"(?:(?:Under|Assistant|Deputy)[- ])?Secretary-General"
    r"|President|Vice-President|Prime Minister|Minister|Director-General|Executive Director"
    r"|Administrator|High Commissioner|High Representative|Special Adviser|Special Envoy"
    r"|Special Representative|Special Rapporteur|Envoy|Spokes(?:man|woman|person)"
    r"|Chair(?:man|woman|person)?|Co-Chair|Head|Director|Coordinator|Ambassador"
    r"|Permanent Representative|Chef de Cabinet|Chief Executive|Commissioner|Rector"
)
_CAPWORD = rf"[{UPPER}][\w'’.&-]*"
# The tail of a role is a run of capitalised words and connectors ("for Economic and Social
# Affairs", "of the International Telecommunication Union"); it ends at the first other word.
_ROLE_TAIL = (
    rf"(?:\s+(?:for|of|on|to)\s+(?:the\s+)?{_CAPWORD}"
    rf"(?:(?:\s+(?:and|of|the|for|on|in|&))*\s+{_CAPWORD})*)?"
)
ROLE = (
    r"(?:(?:his|her|their|the|UN|United Nations|ITU|UNESCO|UNDP|UNCTAD|UNICEF)[\s-]+){0,2}"
    rf"(?:{_ROLE_HEAD}){_ROLE_TAIL}"
)
ROLE_RE = re.compile(ROLE)

SPEECH_VERBS = (
    r"(?:said|says|told|stressed|stresses|noted|notes|emphasized|emphasizes|underlined|"
    r"underscored|added|urged|urges|called|calls|warned|warns|cautioned|pointed out|observed|"
    r"declared|stated|highlighted|recalled|reiterated|welcomed|welcomes|expressed|raised|"
    r"announced|affirmed|argued|explained|remarked|concluded|acknowledged|praised|commended)"
)


_NOT_NAME_WORDS = frozenset(
    {
        "secretary-general", "deputy", "under-secretary-general", "president", "minister",
        "prime", "director-general", "director", "executive", "special", "adviser", "envoy",
        "spokesman", "spokesperson", "spokeswoman", "ambassador", "chair", "chairman",
        "chairperson", "king", "queen", "prince", "princess", "pope", "the", "un", "mr", "mrs",
        "ms", "dr", "prof", "sir", "dame", "his", "her", "excellency", "general", "assembly",
        "secretary", "high", "commissioner", "representative", "vice-president", "premier",
        "following", "message", "statement", "remarks", "today", "in", "on", "at",
    }
)  # fmt: skip


def trim_name(start: int, end: int, text: str) -> tuple[int, int] | None:
    """Trim a name match to the name itself: no leading role words, no possessive ’s.

    >>> t = "UN Secretary-General Ban Ki-moon’s message"
    >>> s, e = trim_name(3, 34, t)
    >>> t[s:e]
    'Ban Ki-moon'
    """
    span = text[start:end]
    for suffix in ("’s", "'s", "’", "'"):
        if span.endswith(suffix):
            span = span[: -len(suffix)]
            break
    tokens = list(re.finditer(r"\S+", span))
    while tokens and tokens[0].group(0).lower().rstrip(".,") in _NOT_NAME_WORDS:
        tokens.pop(0)
    while tokens and tokens[-1].group(0).lower().rstrip(".,") in _NOT_NAME_WORDS:
        tokens.pop()
    if len(tokens) < 1:
        return None
    return start + tokens[0].start(), start + tokens[-1].end()


def strip_honorific(name: str) -> str:
    """Drop titles of address before a name.

    >>> strip_honorific("Mr. Nitin Desai")
    'Nitin Desai'
    >>> strip_honorific("H.E. Xi Jinping")
    'Xi Jinping'
    """
    return re.sub(rf"^{HONORIFIC}+", "", name.strip())


def clean_role(role: str) -> str:
    """A role as written, without leading articles and possessives, and without "UN".

    >>> clean_role("his Envoy on Youth")
    'Envoy on Youth'
    >>> clean_role("UN Secretary-General")
    'Secretary-General'
    """
    cleaned = re.sub(r"^(?:(?:his|her|their|the)\s+)+", "", role.strip(" ,;:"), flags=re.I)
    return re.sub(r"^(?:UN|United Nations)\s+", "", cleaned)
