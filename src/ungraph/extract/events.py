"""Events a document is addressed to, and events it mentions, as series + edition.

The addressed event is where the lead-in, the title or the opening of an observance message
says the text goes: "message, delivered by ..., to the second World Internet Conference, in
Wuzhen, China, today", "video message for Internet Governance Forum", "On this World
Telecommunication and Information Society Day, ...". Names are matched to the registry's event
series (with aliases: "Wuzhen Summit" is the World Internet Conference), editions by ordinal or
year, and the edition's place and dates fill what the text leaves out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ungraph.extract.context import Context, Draft
from ungraph.extract.model import EventMention
from ungraph.extract.patterns import LOWER, UPPER
from ungraph.parse.dates import find_dates, with_year, year_of
from ungraph.registry import Edition

_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEENS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
          "seventeenth", "eighteenth", "nineteenth"]  # fmt: skip
_TENS = ["twent", "thirt", "fort", "fift", "sixt", "sevent", "eight", "ninet"]
# "first" .. "ninety-ninth", as UN texts write sessions and editions ("seventy-eighth session").
_ORDINAL_WORDS = {
    "inaugural": 1,
    **{word: n for n, word in enumerate(_UNITS, start=1)},
    **{word: n for n, word in enumerate(_TEENS, start=10)},
    **{f"{ten}ieth": 10 * t for t, ten in enumerate(_TENS, start=2)},
    **{
        f"{ten}y-{unit}": 10 * t + u
        for t, ten in enumerate(_TENS, start=2)
        for u, unit in enumerate(_UNITS, start=1)
    },
}
_ORDINAL = (
    r"(?:\d{1,3}(?:st|nd|rd|th)|" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + ")"
)
_CAP = rf"(?:[{UPPER}0-9][\w{LOWER}'’&-]*)"
_SP = r"[ \t\u00a0]+"  # event names never run across lines
_CONNECTOR = r"(?:of|on|for|and|the|to|de|du|la|an|a|&|in(?=[ \t]+(?:ICT|Technology|Science)))"
# Lower-case words that may open an event name ("the ministerial event on ...").
_EVENT_OPENERS = (
    r"(?:(?:high-level|ministerial|annual|global|regional|international|special|opening|closing"
    r"|plenary|virtual|hybrid|informal)\s+)*(?:event|meeting|session|segment|ceremony|launch"
    r"|dialogue|celebration|observance|commemoration|conference|forum|summit|gathering)"
)
_CAPS = rf"{_CAP}(?:{_SP}(?:(?:{_CONNECTOR}){_SP})*{_CAP})*"
_QUOTED = r"[“\"‘][^”\"’\n]{3,200}[”\"’]"
# A lower-case tail naming the kind of meeting after a capitalised organ or event: "United
# Nations General Assembly high-level side event on Chad", "Security Council open debate on “...”".
_EVENT_TAIL = (
    rf"(?:{_SP}(?:(?:high-level|ministerial|open|side|special|annual|plenary|informal|thematic)[ \t-]+)*"
    rf"(?:event|debate|meeting|session|briefing|segment|dialogue|summit|forum|conference|consultation"
    rf"|ceremony|celebration|commemoration|launch|panel|roundtable|retreat)"
    rf"(?:{_SP}(?:on|of|titled|entitled){_SP}(?:the{_SP})?(?:{_QUOTED}|{_CAPS}))?)?"
)
_EVENT_PHRASE = (
    rf"(?:(?P<ordinal>{_ORDINAL})(?:{_SP}(?:annual|edition of(?:{_SP}the)?))?{_SP})?"
    rf"(?P<name>(?:{_EVENT_OPENERS}{_SP}(?:{_CONNECTOR}{_SP})*)?{_CAPS}{_EVENT_TAIL})"
)
# "the opening of the seventy-eighth session of the General Assembly".
_SESSION_OF = re.compile(
    rf"\b(?:(?:the{_SP})?opening{_SP}of{_SP})?(?:the{_SP})?(?P<ordinal>{_ORDINAL}){_SP}"
    rf"(?P<name>(?:(?:regular|special|emergency special|resumed){_SP})?session{_SP}of{_SP}the{_SP}{_CAPS})"
)
_EVENT_KEYWORDS = re.compile(
    r"\b(?:Forum|Conference|Summit|Day|Days|Meeting|Session|Commission|Dialogue|Assembly|"
    r"Council|Congress|Observance|Event|event|meeting|Symposium|Week|Year|Decade|Celebration|"
    r"Festival|Expo|Fair|Convention|Ceremony|Launch|Panel|Workshop|Seminar|Roundtable|Retreat|"
    r"Review|Segment|Hackathon|Games|Olympics|Exhibition|Gathering|Consultation)\b"
)
# In a lead-in, after the kind noun: "message (delivered by ...) to|for|at the <event>".
_ADDRESSED_IN_LEAD = re.compile(
    rf"\b(?:to|for|at|on|before|with)\s+(?:the\s+|this\s+)?{_EVENT_PHRASE}"
)
# "WTISD 2017: Message from ITU Secretary-General": the event, then a colon and the kind.
_TITLE_EVENT_FIRST = re.compile(
    rf"^{_EVENT_PHRASE}\s*(?:(?:19|20)\d{{2}})?\s*:\s*(?:(?:video|written)\s+)?(?:Message|Statement|Remarks|Address)\b",
    re.MULTILINE,
)
# Reported messages: "said in a message to mark the World Telecommunication ... Day".
_MESSAGE_TO_MARK = re.compile(
    rf"\b(?:message|statement|remarks|address)\s+(?:to mark|marking|on the occasion of|for the observance of|"
    rf"commemorating|celebrating)\s+(?:the\s+)?{_EVENT_PHRASE}"
)
_TITLE_ADDRESSED = re.compile(
    rf"\b(?:message|remarks|statement|address|greetings|speech)\s+(?:to|for|on|at)\s+(?:the\s+)?{_EVENT_PHRASE}",
    re.IGNORECASE,
)
# After the event: ", in Wuzhen, China," / " in Shanghai, China, today" / ", in Geneva today".
_PLACE_WORD = rf"[{UPPER}][\w{LOWER}'’.-]*"
_PLACE_NAME = (
    rf"{_PLACE_WORD}(?:[\s-]+(?:(?:de|do|da|dos|del|el|es|la|al|upon|on)\s+)?{_PLACE_WORD}){{0,3}}"
)
_PLACE_AFTER = re.compile(
    rf"^\s*(?:\([^)]*\)\s*)?,?\s*(?:(?:as\s+delivered\s+)?in|held\s+in)\s+(?P<place>{_PLACE_NAME})"
    rf"(?:,\s+(?P<country>{_PLACE_NAME}))?"
)
_TIME_AFTER = re.compile(
    r"^[^:;.]{0,80}?\b(?P<when>today|(?:to be )?observed(?: on)?|held on|on)\b"
)
# Observance messages open with the day: "On this World Telecommunication ... Day, ...",
# "On International Women's Day, we ...", "Today we celebrate the 50th anniversary of the ...".
_OBSERVANCE_OPENINGS = (
    re.compile(
        rf"(?:On|As we (?:mark|celebrate|observe))\s+(?:this\s+|the\s+)?(?:year[’']s\s+)?{_EVENT_PHRASE}"
    ),
    re.compile(
        rf"Today,?\s+we\s+(?:celebrate|mark|observe|commemorate)\s+(?:the\s+)?"
        rf"(?:{_ORDINAL}\s+anniversary\s+of\s+the\s+)?{_EVENT_PHRASE}"
    ),
)
_THIS_YEARS = re.compile(rf"\b[Tt]his\s+year[’']s\s+{_EVENT_PHRASE}")
# Meeting coverage: "as the General Assembly held its 10-year review of the World Summit ...".
_HELD_ITS = re.compile(
    r"\b(?:the\s+)?(?P<organ>General Assembly|Security Council|Economic and Social Council|"
    r"Human Rights Council|Commission[\w\s]{0,40}?)\s+(?:held|holds|began|opened|concluded|"
    r"continued|convened)\s+its\s+(?P<name>[^.;:]{6,120}?)(?=[.;:]|,\s+(?:with|as|during))"
)
_TRAILING_STOP = re.compile(r"(?:\s+(?:of|on|for|and|the|to|de|du|la|an|a|&|in))+$")


@dataclass
class _Candidate:
    name: str
    start: int  # span of the event phrase in the text
    end: int
    ordinal_text: str | None
    relation: str
    confidence: float
    tail_start: int  # where the text after the phrase starts (for place and time)


def _ordinal_value(text: str | None) -> int | None:
    if not text:
        return None
    lowered = text.lower()
    if lowered in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[lowered]
    digits = re.match(r"\d+", lowered)
    return int(digits.group(0)) if digits else None


def _clean_name(name: str) -> str:
    name = _TRAILING_STOP.sub("", name.strip(" ,;:.!?"))
    # A trailing year belongs to the edition, not the name: "International Finance Forum 2019".
    return re.sub(r"\s+(?:19|20)\d{2}$", "", name)


def _candidates(ctx: Context, pattern: re.Pattern[str], start: int, end: int, relation: str, confidence: float,
                skip: list[tuple[int, int]] | None = None) -> list[_Candidate]:  # fmt: skip
    text = ctx.text
    found: list[_Candidate] = []
    for match in pattern.finditer(text, start, end):
        if match.group("name") is None:
            continue
        name_start, name_end = match.start("name"), match.end("name")
        if skip and any(s <= name_start < e for s, e in skip):
            continue
        raw = text[name_start:name_end]
        name = _clean_name(raw)
        if not name or len(name) < 4:
            continue
        name_end = name_start + raw.find(name) + len(name) if name in raw else name_end
        phrase_start = match.start("ordinal") if match.group("ordinal") else name_start
        found.append(
            _Candidate(
                name, phrase_start, name_end, match.group("ordinal"), relation, confidence, name_end
            )
        )
    return found


def _is_event_name(ctx: Context, name: str) -> bool:
    return bool(_EVENT_KEYWORDS.search(name)) or ctx.registry.match_series(name) is not None


def _place_and_time(
    ctx: Context, candidate: _Candidate, limit: int
) -> tuple[str | None, str | None, str | None, int]:
    """Place, country and date written right after an event phrase; returns the end offset."""
    text = ctx.text
    tail = text[candidate.tail_start : limit]
    place = country = when = None
    end = candidate.end
    match = _PLACE_AFTER.match(tail)
    if match:
        place = match.group("place")
        country = match.group("country")
        end = candidate.tail_start + match.end()
        if country and ctx.registry.match_country(country) is None:
            country = None
            end = candidate.tail_start + match.end("place")
        if place and ctx.registry.match_country(place) is not None and not country:
            country, place = place, None
    rest = text[end:limit]
    timing = _TIME_AFTER.match(rest)
    if timing:
        if timing.group("when") == "today":
            when = ctx.date
            end += timing.end()
        else:
            dates = find_dates(text, end + timing.end(), min(limit, end + timing.end() + 30))
            if dates:
                when = dates[0].value
                year = year_of(ctx.date)
                if not dates[0].has_year and year is not None:
                    when = with_year(when, year)
                end = dates[0].end
    return place, country, when, end


def edition_date(edition: Edition) -> str | None:
    """The most precise date an edition's span allows: its day when it lasts one day, its month
    when it lies within one month, else its year."""
    if edition.start is None:
        return str(edition.year)
    end = edition.end or edition.start
    if end == edition.start:
        return edition.start
    if end[:7] == edition.start[:7]:
        return edition.start[:7]
    return edition.start[:4]


def _edition_at(ctx: Context, series_key: str, place: str, year: int | None) -> Edition | None:
    """The edition of a series held at a place (the year closest to ``year`` when known)."""
    known = ctx.registry.match_place(place)
    if known is None:
        return None
    editions = [e for e in ctx.registry.editions(series_key) if e.place == known.key]
    if not editions:
        return None
    if year is None:
        return editions[-1] if len(editions) == 1 else None
    return min(editions, key=lambda e: abs(e.year - year))


def _country_code(ctx: Context, name: str | None) -> str | None:
    if not name:
        return None
    country = ctx.registry.match_country(name)
    return country.iso3 if country is not None else None


def _to_mention(ctx: Context, candidate: _Candidate, limit: int) -> EventMention:
    registry = ctx.registry
    place, country_name, when, end = _place_and_time(ctx, candidate, limit)
    series = registry.match_series(candidate.name)
    ordinal = _ordinal_value(candidate.ordinal_text)
    year = year_of(when) if when else None
    trailing_year = re.search(
        r"\b((?:19|20)\d{2})\b", ctx.text[candidate.start : candidate.end + 6]
    )
    if year is None and trailing_year:
        year = int(trailing_year.group(1))
    if year is None and candidate.relation == "addressed":
        year = year_of(ctx.date)
    country = _country_code(ctx, country_name)
    if place and country is None:
        known_place = registry.match_place(place)
        if known_place is not None:
            country = known_place.country
    edition = None
    if series is not None:
        edition = registry.edition(
            series.key, year=year if ordinal is None else None, ordinal=ordinal
        )
        if edition is None and ordinal is not None:
            edition = registry.edition(series.key, year=year)
        if edition is None and place and candidate.relation == "addressed":
            edition = _edition_at(ctx, series.key, place, year)
    if edition is not None:
        ordinal = ordinal or edition.ordinal
        year = edition.year
        if place is None and edition.place is not None and edition.place in registry.places:
            place = registry.places[edition.place].name
        country = country or edition.country
        if when is None:
            when = edition_date(edition)
    evidence_end = max(end, candidate.end)
    return EventMention(
        name=candidate.name,
        relation=candidate.relation,  # type: ignore[arg-type]
        evidence=ctx.evidence(candidate.start, evidence_end),
        series=series.key if series is not None else None,
        ordinal=ordinal,
        ordinal_text=candidate.ordinal_text,
        year=year,
        place=place,
        country=country,
        date=when,
        confidence=candidate.confidence
        if series is not None
        else round(candidate.confidence * 0.85, 3),
    )


def _addressed(ctx: Context, draft: Draft) -> list[EventMention]:
    header = ctx.header
    # Roles of the speakers and deliverers in the lead-in are not events ("for Economic and
    # Social Affairs").
    skip = [(m.evidence.start, m.evidence.end) for m in [*draft.speakers, *draft.delivered_by]]
    lead = header.lead_in
    if lead is not None:
        for pattern in (_SESSION_OF, _ADDRESSED_IN_LEAD):
            for candidate in _candidates(ctx, pattern, lead[0], lead[1], "addressed", 1.0, skip):
                if _is_event_name(ctx, candidate.name):
                    return [_to_mention(ctx, candidate, lead[1])]
    title = header.title
    span: tuple[int, int] | None
    if title is not None and title.evidence is not None:
        span = (title.evidence.start, title.evidence.end)
    elif title is not None:
        position = ctx.find(title.value, 0, header.body[0] or None)
        span = (position, position + len(title.value)) if position >= 0 else None
    else:
        span = None
    if span is not None:
        for pattern in (_TITLE_ADDRESSED, _TITLE_EVENT_FIRST):
            for candidate in _candidates(ctx, pattern, span[0], span[1], "addressed", 0.95):
                if _is_event_name(ctx, candidate.name):
                    mention = _to_mention(ctx, candidate, span[1])
                    return [_with_dateline(ctx, mention)]
    body_start, body_end = header.body
    for candidate in _candidates(ctx, _MESSAGE_TO_MARK, body_start, body_end, "addressed", 0.9):
        if _is_event_name(ctx, candidate.name):
            return [_to_mention(ctx, candidate, body_end)]
    if header.kind == "meeting-coverage":
        for match in _HELD_ITS.finditer(ctx.text, body_start, body_end):
            name = _clean_name(match.group("name"))
            candidate = _Candidate(
                name,
                match.start("name"),
                match.start("name") + len(name),
                None,
                "addressed",
                0.8,
                match.end("name"),
            )
            return [_to_mention(ctx, candidate, body_end)]
    for sentence_start, sentence_end in ctx.body_sentences[:3] + ctx.body_sentences[-2:]:
        for pattern in _OBSERVANCE_OPENINGS:
            for candidate in _candidates(
                ctx, pattern, sentence_start, sentence_end, "addressed", 0.85
            ):
                # Only the sentence's opening words say which day the message is for.
                if candidate.start > sentence_start + 40 or not _is_event_name(ctx, candidate.name):
                    continue
                return [_with_dateline(ctx, _to_mention(ctx, candidate, sentence_end))]
    for candidate in _candidates(ctx, _THIS_YEARS, body_start, body_end, "addressed", 0.75):
        if (
            _is_event_name(ctx, candidate.name)
            and ctx.registry.match_series(candidate.name) is not None
        ):
            return [_with_dateline(ctx, _to_mention(ctx, candidate, body_end))]
    return []


def _with_dateline(ctx: Context, mention: EventMention) -> EventMention:
    """A message dated and placed by its dateline ("Geneva, Switzerland / 18 December 2017")
    was given at the event it is addressed to, there and then."""
    place_field = ctx.header.place
    if place_field is None:
        return mention
    parts = [p.strip() for p in place_field.value.split(",")]
    if parts[0].lower() in {"united nations", "un headquarters"} and len(parts) > 1:
        parts = parts[1:]  # "United Nations, New York": the building, then the city
    place = parts[0]
    country = _country_code(ctx, parts[-1]) if len(parts) > 1 else None
    if country is None:
        known = ctx.registry.match_place(place)
        country = known.country if known is not None else _country_code(ctx, place)
    date = mention.date
    dated_by_text = ctx.header.date is not None and ctx.header.date.source == "text"
    if (
        dated_by_text
        and ctx.date
        and (date is None or (len(ctx.date) > len(date) and ctx.date.startswith(date)))
    ):
        date = ctx.date  # the dateline's day, inside the edition's span
    if mention.place is not None:
        place, country = mention.place, mention.country
    return replace(mention, place=place, country=mention.country or country, date=date)


def _mentioned(ctx: Context, addressed: list[EventMention]) -> list[EventMention]:
    registry = ctx.registry
    found: list[EventMention] = []
    taken = [(e.evidence.start, e.evidence.end) for e in addressed]
    addressed_series = {e.series for e in addressed if e.series}
    start, end = ctx.header.body
    for found_start, found_end, series in registry.find_series(ctx.text[start:end]):
        m_start, m_end = start + found_start, start + found_end
        if any(s <= m_start < e for s, e in taken) or series.key in addressed_series:
            continue
        if any(f.series == series.key for f in found):
            continue
        name = ctx.text[m_start:m_end]
        year = None
        window = ctx.text[max(start, m_start - 40) : min(end, m_end + 40)]
        years = re.findall(r"\b((?:19|20)\d{2})\b", window)
        if len(years) == 1:
            year = int(years[0])
        candidate = _Candidate(name, m_start, m_end, None, "mentioned", 0.8, m_end)
        mention = _to_mention(ctx, candidate, min(end, m_end + 60))
        found.append(replace(mention, year=year or mention.year if mention.date else year))
        taken.append((m_start, m_end))
    return found


def _refine_date(ctx: Context, addressed: list[EventMention]) -> None:
    """A message read out "today" at an edition whose dates the registry knows is dated by it
    when the header gives no day (only the year, or nothing)."""
    if not addressed or ctx.header.lead_in is None:
        return
    if not re.search(r"\btoday\b", ctx.lead_in_text):
        return
    event = addressed[0]
    if event.date is None or event.date.startswith("--"):
        return
    current = ctx.date
    if current is None or (len(event.date) > len(current) and event.date.startswith(current)):
        ctx.date = event.date


GENERAL_DEBATE = "general-assembly-general-debate"
"""The registry's series of the General Assembly's general debates (session N in 1945 + N)."""


def _general_debate(ctx: Context) -> list[EventMention]:
    """A General Debate statement is addressed to the general debate of its session (the file
    name gives it), an edition the registry derives; dated by the session's opening when the
    registry knows that day, else by the year."""
    session = ctx.source.extra.get("session", "")
    series = ctx.registry.series.get(GENERAL_DEBATE)
    if series is None or not session.isdigit():
        return []
    edition = ctx.registry.edition(series.key, ordinal=int(session))
    if edition is None:
        return []
    if edition.start is not None:
        ctx.date = edition.start
    place = ctx.registry.places.get(edition.place) if edition.place else None
    return [
        EventMention(
            name=series.name,
            relation="addressed",
            evidence=ctx.evidence(0, 0),  # from the file name, not from a passage
            series=series.key,
            ordinal=edition.ordinal,
            year=edition.year,
            place=place.name if place is not None else None,
            country=edition.country,
            date=edition_date(edition),
        )
    ]


def extract(ctx: Context, draft: Draft) -> None:
    """Fill ``draft.events``: the addressed event first, then the mentioned ones."""
    if ctx.source.format == "ungd":
        addressed = _general_debate(ctx)
    else:
        addressed = _addressed(ctx, draft)
        _refine_date(ctx, addressed)
    draft.events = addressed + _mentioned(ctx, addressed)
