"""Dates as UN documents write them, turned into ISO 8601 values that may be partial.

A value is ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or, when a text gives a day without a year
("observed on 17 May"), the XSD month-day form ``--MM-DD`` until a year is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ungraph.months import MONTHS

_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DAY = r"(?P<day>0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)[0-9]{2})"

# Order matters: the longest forms first, so "17 May 2019" is not read as "17 May".
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(rf"\b{_YEAR}-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])\b")),
    # UN press releases write day/month/year: 3/5/2005 is 3 May 2005.
    (
        "numeric",
        re.compile(
            rf"(?<![\d/])(?P<day>0?[1-9]|[12][0-9]|3[01])/(?P<month>0?[1-9]|1[0-2])/{_YEAR}\b"
        ),
    ),
    ("day-month-year", re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b")),
    ("month-day-year", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b")),
    ("month-year", re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b")),
    ("day-month", re.compile(rf"\b{_DAY}\s+{_MONTH}(?![a-z])")),
    ("month-day", re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*(?:per\s*cent|%|million|billion))")),
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date found in a text: its offsets, the ISO value and which written form it had."""

    start: int
    end: int
    value: str
    form: str

    @property
    def has_year(self) -> bool:
        return not self.value.startswith("--")


def _value(form: str, match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month_text = groups.get("month")
    month = None
    if month_text is not None:
        month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower().rstrip(".")]
    day = int(groups["day"]) if groups.get("day") else None
    year = int(groups["year"]) if groups.get("year") else None
    if month is None:
        return None
    if day is not None and not _valid_day(year or 2000, month, day):
        return None
    if year is None:
        return f"--{month:02d}-{day:02d}" if day is not None else None
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMatch]:
    """Every date written in ``text[start:end]``, longest forms first, without overlaps.

    >>> [d.value for d in find_dates("Geneva, 18 December 2017; opens 17 May")]
    ['2017-12-18', '--05-17']
    >>> [d.value for d in find_dates("3/5/2005")]
    ['2005-05-03']
    >>> [d.value for d in find_dates("in July 2026 in Geneva and 2027")]
    ['2026-07']
    >>> find_dates("May we all")
    []
    """
    stop = len(text) if end is None else end
    taken: list[tuple[int, int]] = []
    found: list[DateMatch] = []
    for form, pattern in _PATTERNS:
        for match in pattern.finditer(text, start, stop):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            if form == "month-day" and match.group("month").lower() == "may":
                continue  # "May 5" is rare in UN prose; "May we" / "may 2" are not dates
            value = _value(form, match)
            if value is None:
                continue
            taken.append((match.start(), match.end()))
            found.append(DateMatch(match.start(), match.end(), value, form))
    return sorted(found, key=lambda d: d.start)


def with_year(value: str, year: int) -> str:
    """Give a month-day value a year; other values are returned as they are.

    >>> with_year("--12-16", 2015)
    '2015-12-16'
    >>> with_year("2017-05", 2020)
    '2017-05'
    """
    if value.startswith("--") and _valid_day(year, int(value[2:4]), int(value[5:7])):
        return f"{year:04d}{value[1:]}"
    return value


def year_of(value: str | None) -> int | None:
    """The year of a (possibly partial) ISO date, or None.

    >>> year_of("2012-05"), year_of("--05-17"), year_of(None)
    (2012, None, None)
    """
    if not value or value.startswith("--"):
        return None
    return int(value[:4])


def is_iso_date(value: str) -> bool:
    """True for ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` that name a real date.

    >>> is_iso_date("2017-02-30"), is_iso_date("2012-05"), is_iso_date("2012-13")
    (False, True, False)
    """
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not match:
        return False
    year, month, day = match.groups()
    if month is None:
        return True
    if not 1 <= int(month) <= 12:
        return False
    return day is None or _valid_day(int(year), int(month), int(day))


_ADDRESS_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0[1-9]|1[0-2])/(?P<d>0[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0[1-9]|1[0-2])(?:/|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?:/|$)"),
)


def date_from_address(url: str | None) -> str | None:
    """The date (or year, or month) a source address carries in its path.

    >>> date_from_address("https://press.un.org/en/2015/sgsm17419.doc.htm")
    '2015'
    >>> date_from_address("http://news.un.org/en/story/2012/05/411192-ban-stresses")
    '2012-05'
    >>> date_from_address("https://www.un.org/sg/en/content/sg/statement/2017-12-18/message")
    '2017-12-18'
    >>> date_from_address("https://example.org/page") is None
    True
    """
    if not url:
        return None
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]+", "", url.strip(), flags=re.IGNORECASE)
    for pattern in _ADDRESS_DATES:
        match = pattern.search(path)
        if match:
            parts = match.groupdict()
            value = parts["y"]
            if parts.get("m"):
                value += f"-{parts['m']}"
            if parts.get("d"):
                value += f"-{parts['d']}"
            if is_iso_date(value):
                return value
    return None


def refines(candidate: str, known: str) -> bool:
    """True when ``candidate`` is a more precise date inside ``known``.

    >>> refines("2015-12-16", "2015"), refines("2015-12-16", "2016"), refines("2015", "2015")
    (True, False, False)
    """
    return len(candidate) > len(known) and candidate.startswith(known)
