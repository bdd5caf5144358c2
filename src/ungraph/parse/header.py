"""The header of a UN document: which lines are chrome, symbols, datelines, titles and the
lead-in, where the body starts and ends, and the symbols, date, title and kind they give."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ungraph.parse.dates import (
    date_from_address,
    find_dates,
    is_iso_date,
    refines,
    with_year,
    year_of,
)
from ungraph.parse.model import Evidence, Header, HeaderField, HeaderLine
from ungraph.parse.symbols import (
    find_symbols,
    is_press_address,
    is_press_symbol,
    symbol_from_address,
)
from ungraph.sources.model import SourceDocument

# Site chrome of press.un.org, un.org, UNIS Vienna, ITU and UN News pages as text copies keep
# it: navigation, disclaimers, end marks. Matched against a whole stripped line, ignoring case.
_CHROME = re.compile(
    r"^(?:in progress at unhq|press release|back to top|skip to main content|"
    r"welcome to the united nations\.?(?: it'?s your world\.?)?|"
    r"for information media\b.*|for information only\b.*|"
    r"department of public information\b.*|meetings coverage and press releases|"
    r"committed to connecting the world|global perspective,? human stories|"
    r"watch the video(?: message)?|listen|print|share|subscribe|"
    r"[*\s]*\*[*\s]*|[|\s]+|.*#\w+.*)$",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(
    r"^(?:Following (?:is|are)\b|The following\b|Below (?:is|are)\b)", re.IGNORECASE
)
_SESSION = re.compile(
    r"^(?:[A-Z][a-z]+(?:-[a-z]+)? Session,?|\d+(?:st|nd|rd|th)?(?: & \d+(?:st|nd|rd|th)?)? "
    r"Meetings?\b.*)$"
)
_ROLE_LINE = re.compile(
    r"^(?:The (?:Deputy )?Secretary-General|Statement (?:attributable|by)\b.*|"
    r"(?:Message|Statement|Remarks) (?:from|of|by) (?:the )?[A-Z][\w-]*(?: [A-Z][\w-]*)*)$"
)
_SALUTATION = re.compile(
    r"^(?:Excellenc|Ladies|Dear |Distinguished|Mr\.? President|Madam|Friends|Colleagues)"
)
_PLACE_LINE = re.compile(
    r"^[A-Z][\w'’.-]*(?:[ -][A-Z][\w'’.-]*){0,3}(?:, [A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}){0,2}$"
)
_SENTENCE_END = re.compile(r"[.!?:;\"”’')]\s*$")
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
_PROSE_WORD = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|we|our|you|it|its)\b")


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    text: str  # stripped

    @property
    def blank(self) -> bool:
        return not self.text


def _lines(text: str) -> Iterator[_Line]:
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        yield _Line(offset + lead, offset + lead + len(stripped), stripped)
        offset += len(raw) + 1


def _lowercase_ratio(text: str) -> float:
    words = _WORD.findall(text)
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].islower()) / len(words)


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.9


def _is_symbol_line(text: str) -> bool:
    found = find_symbols(text)
    if not found:
        return False
    rest = text
    for start, end, _ in reversed(found):
        rest = rest[:start] + rest[end:]
    # What is left may be separators or a glued "Secretary-General" of old layouts.
    return re.fullmatch(r"[\s,;–—-]*(?:(?:Deputy )?Secretary-General)?[\s,;–—-]*", rest) is not None


def _is_date_line(text: str) -> bool:
    dates = [d for d in find_dates(text) if d.has_year]
    if not dates or len(text) > 80:
        return False
    rest = text[: dates[0].start] + text[dates[0].end :]
    return _PLACE_LINE.match(rest.strip(" ,;–—-")) is not None or not rest.strip(" ,;–—-")


def _is_body(text: str) -> bool:
    """A body paragraph: prose that ends like a sentence, or a salutation."""
    if _SALUTATION.match(text):
        return True
    words = _WORD.findall(text)
    if len(words) < 4:
        return False
    if not _SENTENCE_END.search(text):
        return False
    # Titles are capitalised; prose has lower-case words, and a verb or pronoun even when full
    # of proper names ("This year's International Women's Day has the theme ...").
    if _lowercase_ratio(text) >= 0.5 or len(text) > 220:
        return True
    return len(words) >= 6 and _PROSE_WORD.search(text) is not None


def _classify(line: _Line, following: _Line | None) -> str:
    text = line.text
    if _CHROME.match(text):
        return "chrome"
    if _LEAD_IN.match(text):
        return "lead-in"
    if _is_symbol_line(text):
        return "symbol"
    if _is_date_line(text):
        return "dateline"
    if _SESSION.match(text):
        return "session"
    if _ROLE_LINE.match(text):
        return "role"
    if (
        _PLACE_LINE.match(text)
        and len(text) <= 40
        and following is not None
        and _is_date_line(following.text)
    ):
        return "dateline"
    if _is_body(text):
        return "body"
    return "title"


@dataclass(frozen=True)
class _Layout:
    header: tuple[HeaderLine, ...]
    body_start: int
    body_end: int
    lead_in: tuple[int, int] | None


def _layout(text: str) -> _Layout:
    lines = [line for line in _lines(text) if not line.blank]
    classified: list[HeaderLine] = []
    body_start: int | None = None
    lead_in: tuple[int, int] | None = None
    # The header is short: a body that has not started within the first lines never will.
    for index, line in enumerate(lines[:40]):
        following = lines[index + 1] if index + 1 < len(lines) else None
        kind = _classify(line, following)
        if kind == "lead-in":
            classified.append(HeaderLine("lead-in", line.start, line.end))
            lead_in = (line.start, line.end)
            body_start = following.start if following is not None else line.end
            break
        if kind == "body":
            body_start = line.start
            break
        classified.append(HeaderLine(kind, line.start, line.end))
    if body_start is None:
        # No prose at all (a header-only copy): everything after the header lines is body.
        body_start = classified[-1].end if classified else 0
    body_end = len(text)
    for line in reversed(lines):
        if line.start < body_start:
            break
        if _CHROME.match(line.text):
            body_end = line.start
            continue
        body_end = line.end
        break
    body_end = max(body_start, body_end)
    return _Layout(tuple(classified), body_start, body_end, lead_in)


def _symbols(text: str, layout: _Layout, source: SourceDocument) -> tuple[HeaderField, ...]:
    seen: dict[str, HeaderField] = {}
    for line in layout.header:
        if line.kind != "symbol":
            continue
        for start, end, symbol in find_symbols(text[line.start : line.end]):
            if symbol not in seen:
                evidence = Evidence.of(text, line.start + start, line.start + end)
                seen[symbol] = HeaderField(symbol, "text", evidence)
    for symbol in source.page_symbols:
        if symbol not in seen:
            seen[symbol] = HeaderField(symbol, "page")
    if not seen:
        derived = symbol_from_address(source.source_url)
        if derived:
            seen[derived] = HeaderField(derived, "address")
    fields = list(seen.values())
    # The primary symbol is the document's own series (SG/SM before OBV and PI).
    fields.sort(key=lambda f: 0 if f.value.split("/")[0] not in {"OBV", "PI"} else 1)
    return tuple(fields)


_TODAY_DATE = re.compile(r"\btoday,?\s+(?:the\s+)?", re.IGNORECASE)
_OPENING = re.compile(
    r"\b(?:marks the opening of|opens?|opening of|begins?|starts?)\b", re.IGNORECASE
)


def _date(text: str, layout: _Layout, source: SourceDocument) -> HeaderField | None:
    # 1. A date printed in the header block (dateline or date line).
    for line in layout.header:
        if line.kind != "dateline":
            continue
        for found in find_dates(text, line.start, line.end):
            if found.has_year:
                return HeaderField(found.value, "text", Evidence.of(text, found.start, found.end))
    # 2. What the page structure or the sidecar says.
    if source.published and is_iso_date(source.published[:10]):
        origin = "page" if source.format == "html" else "sidecar"
        return HeaderField(source.published[:10], origin)
    address_date = date_from_address(source.source_url)
    lead = layout.lead_in
    if lead is not None:
        # 3. A dated lead-in: "... on 8 September 2013:", "... today, 12 November, by ...".
        for found in find_dates(text, lead[0], lead[1]):
            if found.has_year:
                return HeaderField(found.value, "text", Evidence.of(text, found.start, found.end))
            year = year_of(address_date)
            preceding = text[max(lead[0], found.start - 20) : found.start]
            if year is not None and _TODAY_DATE.search(preceding):
                value = with_year(found.value, year)
                return HeaderField(value, "text", Evidence.of(text, found.start, found.end))
    if address_date is None:
        return None
    # 4. The address gives the year (or month); a message read out "today" at an event whose
    # opening day the text gives ("December 16 marks the opening of ...") pins the day.
    year = year_of(address_date)
    if lead is not None and year is not None and re.search(r"\btoday\b", text[lead[0] : lead[1]]):
        body = text[layout.body_start : layout.body_end]
        for sentence in re.split(r"(?<=[.!?])\s+", body):
            if not _OPENING.search(sentence):
                continue
            offset = layout.body_start + body.index(sentence)
            for found in find_dates(text, offset, offset + len(sentence)):
                candidate = with_year(found.value, year)
                if refines(candidate, address_date):
                    evidence = Evidence.of(text, found.start, found.end)
                    return HeaderField(candidate, "text", evidence)
    return HeaderField(address_date, "address")


def _title_groups(text: str, layout: _Layout) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    previous: HeaderLine | None = None
    for line in layout.header:
        if line.kind != "title":
            previous = None if line.kind != "chrome" else previous
            continue
        line_text = text[line.start : line.end]
        if previous is not None and groups:
            prev_text = text[previous.start : previous.end]
            joins = (
                prev_text.rstrip().endswith((",", ":", "—", "–", "-"))
                or line_text[:1].islower()
                or (_is_upper(prev_text) and _is_upper(line_text))
            )
            if joins:
                groups[-1] = (groups[-1][0], line.end)
                previous = line
                continue
        groups.append((line.start, line.end))
        previous = line
    return groups


def _title(text: str, layout: _Layout, source: SourceDocument) -> HeaderField | None:
    if source.title and source.title.strip():
        return HeaderField(
            " ".join(source.title.split()), "page" if source.format == "html" else "sidecar"
        )
    groups = _title_groups(text, layout)
    if not groups:
        return None
    # Layouts repeat the title (once whole, once wrapped); the longest group is the whole one.
    start, end = max(groups, key=lambda g: (len(" ".join(text[g[0] : g[1]].split())), -g[0]))
    value = " ".join(text[start:end].split())
    return HeaderField(value, "text", Evidence.of(text, start, end))


# The word that names what a document is; in a lead-in the first such word wins ("message for
# the International Day for Countering Hate Speech" is a message, not a speech).
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "statement",
        re.compile(r"\bstatement (?:was )?(?:issued|attributable)|\bstatement by the spokes", re.I),
    ),
    ("remarks", re.compile(r"\b(?:remarks|address|speech|opening statement)\b", re.I)),
    ("message", re.compile(r"\bmessage\b", re.I)),
    ("statement", re.compile(r"\bstatement\b", re.I)),
)


def _first_kind(probe: str) -> str | None:
    found = [
        (m.start(), i, kind)
        for i, (kind, pattern) in enumerate(_KIND_WORDS)
        for m in [pattern.search(probe)]
        if m
    ]
    return min(found)[2] if found else None


def _kind(text: str, layout: _Layout, source: SourceDocument, title: HeaderField | None) -> str:
    if source.format == "ungd":
        return "general-debate-statement"
    if any(line.kind == "session" for line in layout.header):
        return "meeting-coverage"
    if source.source_url and re.search(r"news\.un\.org/.+/story/", source.source_url):
        return "news-story"
    probes: list[str] = []
    if layout.lead_in:
        probes.append(text[layout.lead_in[0] : layout.lead_in[1]])
    probes += [text[line.start : line.end] for line in layout.header if line.kind == "role"]
    if title:
        probes.append(title.value)
    if source.page_kind:
        probes.append(source.page_kind)
    if source.source_url:
        probes.append(re.sub(r"[-_/]", " ", source.source_url))
    for probe in probes:
        kind = _first_kind(probe)
        if kind is not None:
            return kind
    return "message"


_ENGLISH = re.compile(r"\b(?:the|and|of|to|is|that|for|with)\b")
_FRENCH = re.compile(r"\b(?:le|la|les|et|des|est|pour|une|dans)\b")
_SPANISH = re.compile(r"\b(?:el|los|las|y|del|es|para|una|en)\b")


def _language(text: str) -> str:
    sample = text[:4000].lower()
    scores = {
        "en": len(_ENGLISH.findall(sample)),
        "fr": len(_FRENCH.findall(sample)),
        "es": len(_SPANISH.findall(sample)),
    }
    return max(scores, key=lambda k: scores[k]) if any(scores.values()) else "en"


def _place(text: str, layout: _Layout) -> HeaderField | None:
    for line in layout.header:
        if line.kind != "dateline":
            continue
        line_text = text[line.start : line.end]
        dates = find_dates(line_text)
        rest_start, rest_end = 0, len(line_text)
        if dates:
            first = dates[0]
            if first.start > 0:
                rest_end = first.start
            else:
                rest_start = first.end
        chunk = line_text[rest_start:rest_end].strip(" ,;–—-")
        if not chunk:
            continue
        start = line.start + line_text.index(chunk, rest_start)
        return HeaderField(chunk, "text", Evidence.of(text, start, start + len(chunk)))
    return None


def _statement_header(source: SourceDocument) -> Header:
    """A General Debate statement begins with the speech itself: there is no symbol, title,
    dateline or lead-in to find, and reading its first lines as a header would take an opening
    such as "It gives me" for a title. The whole text is the body; the date is the session's
    year, which the file name gives."""
    text = source.text
    start = len(text) - len(text.lstrip())
    end = max(start, len(text.rstrip()))
    date = HeaderField(source.published, "file-name") if source.published else None
    return Header(
        date=date,
        kind="general-debate-statement",
        language=_language(text),
        body=(start, end),
    )


def parse_header(source: SourceDocument) -> Header:
    """Read the header of a document: symbols, date, title, kind, body span, lead-in."""
    if source.format == "ungd":
        return _statement_header(source)
    text = source.text
    layout = _layout(text)
    symbols = _symbols(text, layout, source)
    title = _title(text, layout, source)
    press = any(is_press_symbol(s.value) for s in symbols) or is_press_address(source.source_url)
    return Header(
        symbols=symbols,
        date=_date(text, layout, source),
        title=title,
        kind=_kind(text, layout, source, title),
        is_press_release=press,
        language=_language(text),
        body=(layout.body_start, layout.body_end),
        lead_in=layout.lead_in,
        lines=layout.header,
        place=_place(text, layout),
    )
