"""What a sidecar or a JSON line may say about a document, checked field by field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from ungraph.sources.model import SourceError

# Keys with a meaning; every other key whose value is a string is kept in ``extra``.
KNOWN_KEYS = ("source_url", "published", "title", "symbols", "doc_type")

_ISO_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
_ISO_DATETIME = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ][0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class Metadata:
    """Checked values: ``source_url`` is an absolute http(s) address, ``published`` an ISO date
    (``2017-12-18``, ``2012-05`` or ``2017``)."""

    source_url: str | None = None
    published: str | None = None
    title: str | None = None
    symbols: tuple[str, ...] = ()
    doc_type: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def iso_date(value: str) -> str | None:
    """The ISO date (full or partial) a value states, or None if it is not one.

    A date-time keeps its date as written (the publisher's local date).

    >>> iso_date("2017-12-18"), iso_date("2012-05"), iso_date("2017")
    ('2017-12-18', '2012-05', '2017')
    >>> iso_date("2023-10-08T12:00:00Z")
    '2023-10-08'
    >>> iso_date("2023-02-30"), iso_date("3/5/2005"), iso_date("2023-13")
    (None, None, None)
    """
    text = value.strip()
    timed = _ISO_DATETIME.match(text)
    if timed:
        text = timed.group(1)
    match = _ISO_DATE.match(text)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return text


def absolute_url(value: str) -> str | None:
    """The value if it is an absolute http(s) address, else None.

    >>> absolute_url("https://press.un.org/en/2015/sgsm17419.doc.htm")
    'https://press.un.org/en/2015/sgsm17419.doc.htm'
    >>> absolute_url("press.un.org (SG/SM/21983)") is None
    True
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme in {"http", "https"} and parts.netloc and not any(c.isspace() for c in text):
        return text
    return None


def metadata_from_json(
    values: Mapping[str, object], origin: str, *, skip: frozenset[str] = frozenset()
) -> Metadata:
    """Check the known keys of a sidecar or JSON line and collect the other string values.

    Raises :class:`SourceError` naming ``origin`` and the field for a value of the wrong type
    or an unreadable date. Empty strings count as absent. A ``source_url`` that is a string
    but not an absolute http(s) address (a note such as ``press.un.org (SG/SM/21983)``) is
    kept verbatim in ``extra["source_note"]`` rather than passed on as an address. Unknown keys
    with non-string values are ignored; ``skip`` names keys the caller handles itself.
    """
    source_url = _optional_string(values, "source_url", origin)
    published = _optional_string(values, "published", origin)
    extra: dict[str, str] = {}
    url = None
    if source_url is not None:
        url = absolute_url(source_url)
        if url is None:
            extra["source_note"] = source_url
    date_value = None
    if published is not None:
        date_value = iso_date(published)
        if date_value is None:
            raise SourceError(
                origin,
                f"field 'published' must be an ISO date (YYYY-MM-DD, YYYY-MM or YYYY), "
                f"got {published!r}",
            )
    symbols = values.get("symbols")
    if symbols is None:
        symbol_tuple: tuple[str, ...] = ()
    elif isinstance(symbols, list) and all(isinstance(s, str) for s in symbols):
        symbol_tuple = tuple(s.strip() for s in symbols if isinstance(s, str) and s.strip())
    else:
        raise SourceError(
            origin, f"field 'symbols' must be a list of strings, got {json_type_name(symbols)}"
        )
    for key, value in values.items():
        if key not in KNOWN_KEYS and key not in skip and isinstance(value, str):
            extra.setdefault(key, value)
    return Metadata(
        source_url=url,
        published=date_value,
        title=_optional_string(values, "title", origin),
        symbols=symbol_tuple,
        doc_type=_optional_string(values, "doc_type", origin),
        extra=extra,
    )


def _optional_string(values: Mapping[str, object], key: str, origin: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(origin, f"field {key!r} must be a string, got {json_type_name(value)}")
    return value.strip() or None


def json_type_name(value: object) -> str:
    """JSON's name for a Python value's type, for messages.

    >>> json_type_name(3), json_type_name([1]), json_type_name({}), json_type_name(True)
    ('a number', 'an array', 'an object', 'a boolean')
    """
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else type(value).__name__
