"""Speakers and who delivered their messages, with roles resolved through the registry.

Where UN documents say who speaks, in order of reliability:
- the lead-in: "Following is UN Secretary-General Ban Ki-moon's message, delivered by Wu Hongbo,
  Under-Secretary-General for Economic and Social Affairs, to ..."; "The following statement was
  issued today by the Spokesman for UN Secretary-General António Guterres:";
- the title: "Message of ITU-Secretary-General Houlin Zhao", "Secretary-General's message to the
  Internet Governance Forum (delivered by Mr. Nitin Desai, Special Adviser for ...)";
- a role line of the header: "The Secretary-General", "Statement attributable to the President
  of the General Assembly";
- reported speech in news stories and meeting coverage: "Secretary-General Ban Ki-moon today
  emphasized ...", "Mogens Lykketoft, General Assembly President, said ...";
- the symbol series: a UNIS/SGSM or SG/SM release in the first person is the Secretary-General's.
A role without a name is resolved to whoever held the post on the document's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import AgentMention, Evidence
from ungraph.extract.patterns import (
    HONORIFIC,
    PERSON_NAME,
    ROLE,
    SPEECH_VERBS,
    clean_role,
    strip_honorific,
    trim_name,
)
from ungraph.parse.symbols import series_of

_NAME = rf"(?:{HONORIFIC})?(?P<name>{PERSON_NAME})"
_POSSESSIVE = r"(?:’s|'s|’|')"
_KIND_NOUN = r"(?:(?:video|written|recorded|opening|closing|keynote)\s+)?(?:message|remarks|statement|address|speech|greetings)"

# "UN Secretary-General Ban Ki-moon’s message", "Secretary-General António Guterres’ video message"
_ROLE_NAME_POSSESSIVE = re.compile(rf"(?P<role>{ROLE})\s+{_NAME}{_POSSESSIVE}\s+{_KIND_NOUN}")
# "the message by UN Secretary-General Kofi Annan", "Message of ITU-Secretary-General Houlin Zhao"
_KIND_BY_ROLE_NAME = re.compile(
    rf"\b(?i:{_KIND_NOUN}\s+(?:by|of|from))\s+(?P<role>{ROLE}|[A-Z]{{2,8}}-?Secretary-General)[,\s]+{_NAME}"
)
# "Ban Ki-moon’s message" without a role.
_NAME_POSSESSIVE = re.compile(rf"{_NAME}{_POSSESSIVE}\s+{_KIND_NOUN}")
# A role alone as the owner: "Secretary-General's video message", "the President's statement".
_ROLE_POSSESSIVE = re.compile(rf"(?P<role>{ROLE}){_POSSESSIVE}\s+{_KIND_NOUN}")
# "Statement attributable to the President of the General Assembly", "The Secretary-General".
_ATTRIBUTABLE = re.compile(rf"(?:attributable to|by)\s+(?P<role>{ROLE})")
_ROLE_ALONE = re.compile(rf"^(?P<role>{ROLE})$")

# "delivered by Wu Hongbo, Under-Secretary-General ...", "as delivered in Rio, today, 12
# November, by Sha Zukang, Under-...:", "(delivered by Mr. Nitin Desai, Special Adviser ...)",
# "read out by ...", "delivered on his behalf by ...".
_DELIVERED_BY = re.compile(
    rf"\b(?:delivered|read(?: out)?|presented|conveyed)\b(?:[^:()]*?)\bby\s+"
    rf"(?:(?:{_NAME})(?:,\s+(?P<role>{ROLE}))?|(?:the\s+)?(?P<role_only>{ROLE}))",
)
# "The following statement was issued today by the Spokesman for UN Secretary-General X:"
_ISSUED_BY = re.compile(
    rf"\b(?:statement|note)\b[^:]*?\bissued\b[^:]*?\bby\s+(?:the\s+)?(?P<role>Spokes(?:man|woman|person)"
    rf"(?:\s+for\s+(?P<for>(?:the\s+)?{ROLE}(?:\s+{_NAME})?))?)",
    re.IGNORECASE,
)
# Reported speech: "Secretary-General Ban Ki-moon today emphasized", "Mogens Lykketoft, General
# Assembly President, said", "Mr. Ban noted".
_ROLE_NAME_SAID = re.compile(
    rf"(?P<role>{ROLE})\s+{_NAME}\s+(?:(?:today|also|then|later|further)\s+)*{SPEECH_VERBS}\b"
)
_NAME_ROLE_SAID = re.compile(
    rf"{_NAME},\s+(?P<role>[^,]{{3,90}}?),\s+(?:(?:today|also|then|later|further)\s+)*{SPEECH_VERBS}\b"
)
_FIRST_PERSON = re.compile(r"\b(?:I|my|me|My)\b")

# Symbol series that are the Secretary-General's own statements and messages.
_SG_SERIES = {"SG/SM": "un-secretary-general", "UNIS/SGSM": "un-secretary-general"}
_DSG_SERIES = {"DSG/SM": "un-deputy-secretary-general"}


@dataclass
class _Found:
    name: str | None
    role: str | None
    start: int
    end: int
    confidence: float


def _span_of(match: re.Match[str], group: str, offset: int) -> tuple[int, int] | None:
    if match.group(group) is None:
        return None
    return offset + match.start(group), offset + match.end(group)


def _name_of(ctx: Context, match: re.Match[str], offset: int) -> str | None:
    span = _span_of(match, "name", offset)
    if span is None:
        return None
    trimmed = trim_name(span[0], span[1], ctx.text)
    if trimmed is None:
        return None
    return strip_honorific(ctx.text[trimmed[0] : trimmed[1]])


def _role_of(match: re.Match[str], group: str = "role") -> str | None:
    value = match.groupdict().get(group)
    return clean_role(value) if value else None


def _title_span(ctx: Context) -> tuple[int, int] | None:
    title = ctx.header.title
    if title is None:
        return None
    if title.evidence is not None:
        return title.evidence.start, title.evidence.end
    position = ctx.find(title.value, 0, ctx.header.body[0] or None)
    if position < 0:
        return None
    return position, position + len(title.value)


def _speakers_in(ctx: Context, start: int, end: int, confidence: float) -> list[_Found]:
    """Speakers named in an attribution passage (lead-in or title)."""
    text = ctx.text[start:end]
    found: list[_Found] = []
    for pattern in (_ROLE_NAME_POSSESSIVE, _KIND_BY_ROLE_NAME):
        for match in pattern.finditer(text):
            found.append(
                _Found(
                    _name_of(ctx, match, start),
                    _role_of(match),
                    start + match.start(),
                    start + match.end(),
                    confidence,
                )
            )
    if found:
        return found
    for match in _NAME_POSSESSIVE.finditer(text):
        name = _name_of(ctx, match, start)
        if name and ctx.registry.match_person(name) is not None:
            found.append(_Found(name, None, start + match.start(), start + match.end(), confidence))
    if found:
        return found
    for match in _ROLE_POSSESSIVE.finditer(text):
        found.append(
            _Found(None, _role_of(match), start + match.start(), start + match.end(), confidence)
        )
    return found


def _delivered_in(ctx: Context, start: int, end: int, confidence: float) -> list[_Found]:
    text = ctx.text[start:end]
    found: list[_Found] = []
    for match in _DELIVERED_BY.finditer(text):
        name = _name_of(ctx, match, start)
        role = _role_of(match) or _role_of(match, "role_only")
        if name is None and role is None:
            continue
        found.append(_Found(name, role, start + match.start(), start + match.end(), confidence))
    return found


def _spokesperson(ctx: Context, start: int, end: int) -> tuple[list[_Found], list[_Found]]:
    """A statement issued by the Spokesperson: delivered by the Spokesperson, spoken by the
    official the statement is attributable to."""
    text = ctx.text[start:end]
    speakers: list[_Found] = []
    deliverers: list[_Found] = []
    for match in _ISSUED_BY.finditer(text):
        deliverers.append(
            _Found(
                None, _role_of(match), start + match.start("role"), start + match.end("role"), 0.95
            )
        )
        if match.group("for"):
            inner = match.group("for")
            inner_offset = start + match.start("for")
            person = re.search(rf"(?P<role>{ROLE})\s+{_NAME}", inner)
            if person is not None:
                name = _name_of(ctx, person, inner_offset)
                speakers.append(
                    _Found(name, _role_of(person), inner_offset, inner_offset + len(inner), 0.95)
                )
            else:
                speakers.append(
                    _Found(None, clean_role(inner), inner_offset, inner_offset + len(inner), 0.9)
                )
    return speakers, deliverers


def _header_roles(ctx: Context) -> list[_Found]:
    found: list[_Found] = []
    for line in ctx.header.lines_of("role"):
        text = ctx.text[line.start : line.end]
        match = _ATTRIBUTABLE.search(text) or _ROLE_ALONE.match(text)
        if match is None:
            continue
        found.append(_Found(None, _role_of(match), line.start, line.end, 0.9))
    return found


def _reported(ctx: Context) -> list[_Found]:
    """Speakers of reported speech in the body."""
    found: list[_Found] = []
    start, end = ctx.header.body
    text = ctx.text[start:end]
    for pattern in (_ROLE_NAME_SAID, _NAME_ROLE_SAID):
        for match in pattern.finditer(text):
            name = _name_of(ctx, match, start)
            role = _role_of(match)
            if role is not None and pattern is _NAME_ROLE_SAID and not re.search(ROLE, role):
                continue
            if name:
                found.append(_Found(name, role, start + match.start(), start + match.end(), 0.85))
    return found


def _from_symbol(ctx: Context) -> list[_Found]:
    """A first-person message in the Secretary-General's symbol series (or on the
    Secretary-General's statement pages) is the Secretary-General's."""
    start, end = ctx.header.body
    first_person = _FIRST_PERSON.search(ctx.text, start, end)
    for field in ctx.header.symbols:
        series = series_of(field.value)
        post = _SG_SERIES.get(series) or _DSG_SERIES.get(series)
        if post is None:
            continue
        if field.evidence is not None:
            return [_Found(None, f"post:{post}", field.evidence.start, field.evidence.end, 0.7)]
        if first_person is not None:
            sentence = ctx.sentence_at(first_person.start())
            return [_Found(None, f"post:{post}", sentence[0], sentence[1], 0.6)]
    url = ctx.source.source_url or ""
    if first_person is not None and re.search(r"un\.org/sg/", url):
        sentence = ctx.sentence_at(first_person.start())
        return [_Found(None, "post:un-secretary-general", sentence[0], sentence[1], 0.6)]
    return []


def _resolve(ctx: Context, found: _Found) -> AgentMention | None:
    registry = ctx.registry
    role = found.role
    post = None
    if role is not None and role.startswith("post:"):
        post = registry.posts.get(role[5:])
        role = post.label if post is not None else None
    elif role is not None:
        post = registry.match_post(role)
    person = registry.match_person(found.name) if found.name else None
    name = found.name
    resolved = False
    if person is None and name is None and post is not None and ctx.date:
        person = registry.holder(post.key, on=ctx.date)
        resolved = person is not None
    if person is not None:
        name = person.name if (resolved or name is None) else name
    if name is None and role is None:
        return None
    return AgentMention(
        name=name,
        role=role,
        evidence=ctx.evidence(found.start, found.end),
        person_key=person.key if person is not None else None,
        post_key=post.key if post is not None else None,
        resolved_from_role=resolved,
        confidence=found.confidence if not resolved else round(found.confidence * 0.95, 3),
    )


def _same(a: AgentMention, b: AgentMention) -> bool:
    if a.person_key and b.person_key:
        return a.person_key == b.person_key
    if a.name and b.name:
        return a.name.lower() == b.name.lower()
    return a.name is None and b.name is None and a.post_key == b.post_key


def _merge(mentions: list[AgentMention]) -> list[AgentMention]:
    merged: list[AgentMention] = []
    for mention in mentions:
        for index, kept in enumerate(merged):
            if _same(kept, mention):
                # Keep the first mention's evidence; fill a missing role or post from later ones.
                if kept.role is None and mention.role is not None:
                    merged[index] = AgentMention(
                        kept.name, mention.role, kept.evidence, kept.person_key,
                        mention.post_key, kept.country, kept.resolved_from_role, kept.confidence,
                    )  # fmt: skip
                break
        else:
            merged.append(mention)
    return merged


def _delegation(ctx: Context) -> list[AgentMention]:
    """The speaker of a General Debate statement: the delegation of the member State the corpus
    files it under (``extra["iso3"]``), whoever stood at the rostrum; the European Union
    (``EU``), an observer, speaks as itself. The attribution comes from the file, not from a
    passage of the text, so its evidence is empty."""
    code = ctx.source.extra.get("iso3", "")
    if not code:
        return []
    evidence = ctx.evidence(0, 0)
    if code not in ctx.registry.countries and len(code) != 3:
        organization = ctx.registry.match_organization(code)
        if organization is not None:
            return [
                AgentMention(organization.name, None, evidence, organization_key=organization.key)
            ]
    return [AgentMention(None, None, evidence, country=code)]


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.speakers`` and ``draft.delivered_by``."""
    if ctx.source.format == "ungd":
        draft.speakers = _delegation(ctx)
        draft.delivered_by = []
        return
    speakers: list[_Found] = []
    deliverers: list[_Found] = []
    lead = ctx.header.lead_in
    if lead is not None:
        spoken, issued = _spokesperson(ctx, *lead)
        speakers += spoken
        deliverers += issued
        if not spoken:
            speakers += _speakers_in(ctx, lead[0], lead[1], 1.0)
        deliverers += _delivered_in(ctx, lead[0], lead[1], 1.0)
    title = _title_span(ctx)
    if title is not None:
        if not speakers:
            speakers += _speakers_in(ctx, title[0], title[1], 0.95)
        if not deliverers:
            deliverers += _delivered_in(ctx, title[0], title[1], 0.95)
    if not speakers:
        speakers += _header_roles(ctx)
    if not speakers or ctx.header.kind in ("news-story", "meeting-coverage"):
        speakers += _reported(ctx)
    if not speakers:
        speakers += _from_symbol(ctx)
    resolved_speakers = [m for m in (_resolve(ctx, f) for f in speakers) if m is not None]
    resolved_deliverers = [m for m in (_resolve(ctx, f) for f in deliverers) if m is not None]
    # Whoever delivers a message is not also its speaker.
    resolved_speakers = [
        s for s in resolved_speakers if not any(_same(s, d) for d in resolved_deliverers)
    ]
    draft.speakers = _merge(resolved_speakers)
    draft.delivered_by = _merge(resolved_deliverers)


__all__ = ["Evidence", "extract"]
