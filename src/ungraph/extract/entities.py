"""Places, countries, organizations and persons a document names.

Known names come from the registry's gazetteers (countries with their aliases, host cities,
UN-system organizations, officials). Unknown persons are read by the grammar UN prose uses for
them: a role before the name ("President Xi Jinping", "President Kagame of Rwanda") or an
apposition after it ("Hamadoun Touré, Secretary-General of the International Telecommunication
Union"); unknown organizations by "the Government of X" / "the X Government".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import EntityKind, EntityMention
from ungraph.extract.patterns import (
    HONORIFIC,
    LOWER,
    PERSON_NAME,
    ROLE,
    UPPER,
    clean_role,
    trim_name,
)

_ROLE_THEN_NAME = re.compile(
    rf"\b(?P<role>(?:President|Prime Minister|King|Queen|Emir|Chancellor|Minister|Secretary-General|"
    rf"Director-General|Ambassador|Mr\.|Ms\.|Mrs\.|Dr\.))\s+(?P<name>{PERSON_NAME}|[A-Z][a-z]+(?:-[A-Za-z]+)?)"
    rf"(?:\s+of\s+(?P<of>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){{0,3}}))?"
)
_NAME_COMMA_ROLE = re.compile(rf"(?:{HONORIFIC})?(?P<name>{PERSON_NAME}),\s+(?P<role>{ROLE})")
# The end of every match of _NAME_COMMA_ROLE: a comma and a role (which holds no comma).
_ROLE_AFTER_COMMA = re.compile(rf",\s+(?:{ROLE})")
# Every character an honorific and a name can hold (a comma is not one of them).
_NAME_CHAR = re.compile(rf"[{UPPER}{LOWER}'’.\s-]")
_GOVERNMENT = re.compile(
    r"\b(?:the\s+)?(?:Government(?:s)? (?:and people )?of (?:the )?(?P<of>[A-Z][\w-]+(?: [A-Z][\w-]+){0,3})"
    r"|(?P<adj>[A-Z][a-z]+) Government)\b"
)


def names_with_role(body: str) -> Iterator[re.Match[str]]:
    """The matches of ``_NAME_COMMA_ROLE.finditer(body)``, found without trying the pattern at
    every capital of the text.

    A match is a name (honorific, name words: only ``_NAME_CHAR`` characters) and then a comma
    and a role. So it ends where ``_ROLE_AFTER_COMMA`` matches, and it starts inside the run of
    name characters just before that comma; the pattern is tried on that stretch only, never
    before the end of the previous match (as ``finditer`` goes on). On General Debate
    statements, whose capitals are mostly not names followed by a role, the scan took 2.0 ms.
    """
    done = 0
    for role in _ROLE_AFTER_COMMA.finditer(body):
        first = role.start()
        while first > done and _NAME_CHAR.match(body, first - 1):
            first -= 1
        for match in _NAME_COMMA_ROLE.finditer(body, first, role.end()):
            done = match.end()
            yield match


def _add(found: list[EntityMention], mention: EntityMention) -> None:
    for existing in found:
        if existing.kind == mention.kind and (
            (existing.key is not None and existing.key == mention.key)
            or existing.label == mention.label
        ):
            return
    found.append(mention)


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.entities`` (places and countries, organizations, persons), in text order."""
    registry = ctx.registry
    text = ctx.text
    start, end = ctx.header.body
    body = text[start:end]
    found: list[EntityMention] = []
    taken: list[tuple[int, int]] = []
    # Speakers and deliverers are not "mentioned" persons.
    own = {m.person_key for m in [*draft.speakers, *draft.delivered_by] if m.person_key}
    own_names = {m.name for m in [*draft.speakers, *draft.delivered_by] if m.name}

    for s, e, person in registry.find_people(body):
        if person.key in own:
            continue
        taken.append((start + s, start + e))
        _add(
            found,
            EntityMention(person.name, "person", ctx.evidence(start + s, start + e), person.key),
        )
    for matches in (_ROLE_THEN_NAME.finditer(body), names_with_role(body)):
        for match in matches:
            span = trim_name(start + match.start("name"), start + match.end("name"), text)
            if span is None or any(a < span[1] and span[0] < b for a, b in taken):
                continue
            name = text[span[0] : span[1]]
            if name in own_names or registry.match_country(name) is not None:
                continue
            role: str | None = clean_role(match.group("role")).rstrip(".")
            if role in {"Mr", "Ms", "Mrs", "Dr"}:
                role = None
            elif match.groupdict().get("of"):
                role = f"{role} of {match.group('of')}"
            known_person = registry.match_person(name)
            if known_person is not None and known_person.key in own:
                continue
            taken.append(span)
            key = known_person.key if known_person is not None else None
            _add(
                found,
                EntityMention(
                    known_person.name if known_person else name,
                    "person",
                    ctx.evidence(*span),
                    key,
                    role,
                ),
            )

    for s, e, org in registry.find_organizations(body):
        _add(
            found,
            EntityMention(
                text[start + s : start + e],
                "organization",
                ctx.evidence(start + s, start + e),
                org.key,
            ),
        )
    for match in _GOVERNMENT.finditer(body):
        country = registry.match_country(match.group("of") or match.group("adj") or "")
        if country is None:
            continue
        s, e = start + match.start(), start + match.end()
        label = re.sub(r"^the\s+", "", text[s:e])
        _add(
            found,
            EntityMention(label, "organization", ctx.evidence(s, e), f"government:{country.iso3}"),
        )

    for s, e, place in registry.find_places(body):
        _add(
            found, EntityMention(place.name, "place", ctx.evidence(start + s, start + e), place.key)
        )
    for s, e, country in registry.find_countries(body, adjectives=False):
        _add(
            found,
            EntityMention(
                country.name, "country", ctx.evidence(start + s, start + e), country.iso3
            ),
        )
    # The dateline's place ("Geneva, Switzerland") and the addressed event's place are places of
    # the document too.
    place_field = ctx.header.place
    if place_field is not None and place_field.evidence is not None:
        for part in re.finditer(r"[^,]+", place_field.value):
            label = part.group(0).strip()
            s = (
                place_field.evidence.start
                + part.start()
                + (len(part.group(0)) - len(part.group(0).lstrip()))
            )
            country = registry.match_country(label)
            known = registry.match_place(label)
            if country is not None:
                _add(
                    found,
                    EntityMention(
                        country.name, "country", ctx.evidence(s, s + len(label)), country.iso3
                    ),
                )
            elif known is not None:
                _add(
                    found,
                    EntityMention(known.name, "place", ctx.evidence(s, s + len(label)), known.key),
                )
    for event in draft.events:
        if event.relation != "addressed":
            continue
        evidence_text = event.evidence.exact
        event_place = event.place
        if event_place and event_place in evidence_text:
            s = event.evidence.start + evidence_text.index(event_place)
            host = registry.match_place(event_place)
            is_country = registry.match_country(event_place) is not None
            mention_kind: EntityKind = "country" if is_country else "place"
            host_key = host.key if host is not None else None
            evidence = ctx.evidence(s, s + len(event_place))
            _add(found, EntityMention(event_place, mention_kind, evidence, host_key))
        if event.country:
            country = registry.countries.get(event.country)
            if country is not None:
                for alias in (country.name, *country.aliases):
                    if alias in evidence_text:
                        s = event.evidence.start + evidence_text.index(alias)
                        _add(
                            found,
                            EntityMention(
                                country.name,
                                "country",
                                ctx.evidence(s, s + len(alias)),
                                country.iso3,
                            ),
                        )
                        break
    draft.entities = sorted(found, key=lambda m: m.evidence.start)
