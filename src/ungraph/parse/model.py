"""What parsing produces: the header of a document and the passages it was read from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """A verbatim passage of the document text: ``text[start:end] == exact``."""

    start: int
    end: int
    exact: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Evidence:
        """The passage of ``text`` between two offsets.

        >>> Evidence.of("Let us act.", 0, 6)
        Evidence(start=0, end=6, exact='Let us')
        """
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"evidence offsets {start}..{end} outside a text of {len(text)}")
        return cls(start, end, text[start:end])

    def to_json(self) -> dict[str, Any]:
        return {"exact": self.exact, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class HeaderField:
    """A header value, where it came from, and (when it is in the text) its passage.

    ``source`` is ``text`` (printed in the document), ``page`` (the HTML page's structure),
    ``sidecar`` (the ``.meta.json`` of a harvested page), ``address`` (derived from the source
    address), ``file-name`` (a corpus file's name: a General Debate statement's session year)
    or ``registry``.
    """

    value: str
    source: str
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """One classified line of the header block: ``kind`` is ``chrome``, ``symbol``, ``date``,
    ``dateline`` (place and/or date), ``title``, ``role``, ``session`` or ``lead-in``."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Header:
    """Symbols, date, title and kind of a document, and where its body lies.

    ``kind`` is one of :data:`DOCUMENT_KINDS`. ``symbols`` lists every symbol, the primary one
    first. ``date`` is ISO 8601 and may be partial (``2017``, ``2012-05``). ``body`` is the span
    of the message itself (after the lead-in, before footers); ``lead_in`` the attribution
    paragraph ("Following is ... message, delivered by ..., to ...:") when there is one.
    """

    symbols: tuple[HeaderField, ...] = ()
    date: HeaderField | None = None
    title: HeaderField | None = None
    kind: str = "message"
    is_press_release: bool = False
    language: str = "en"
    body: tuple[int, int] = (0, 0)
    lead_in: tuple[int, int] | None = None
    lines: tuple[HeaderLine, ...] = ()
    place: HeaderField | None = None  # the dateline's place ("Geneva, Switzerland")

    def lines_of(self, kind: str) -> tuple[HeaderLine, ...]:
        return tuple(line for line in self.lines if line.kind == kind)

    @property
    def symbol(self) -> str | None:
        return self.symbols[0].value if self.symbols else None


DOCUMENT_KINDS = (
    "message",  # a written or video message of an official, often read out by someone else
    "statement",  # a statement, including spokesperson statements attributable to an official
    "remarks",  # remarks or an address given in person
    "meeting-coverage",  # coverage of an intergovernmental meeting with many speakers
    "news-story",  # a news story in reported speech
    "general-debate-statement",  # a member state's statement at the General Assembly debate
)
