"""The extract stage: from a parsed document to facts, each with the passage it came from.

Extractors run in the order of :data:`EXTRACTORS`; each reads the document (``Context``) and
what earlier extractors found, and fills its own fields of the ``Draft``. See ``README.md`` in
this package for how to add one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ungraph.extract import (
    calls,
    entities,
    events,
    groups,
    relevance,
    sdg,
    speakers,
    themes,
    wsis,
)
from ungraph.extract.context import Context, Draft
from ungraph.extract.knowledge import Knowledge
from ungraph.extract.model import Extraction
from ungraph.parse import Header, HeaderField, parse_header
from ungraph.sources import DEFAULT_MAX_BYTES, read_sources
from ungraph.sources.model import SourceDocument, SourceError

Extractor = Callable[[Context, Draft], None]

# Order matters: events need the speakers (their roles are not events) and may refine the date;
# calls need the concepts found in their sentences; relevance looks at the addressed event.
EXTRACTORS: dict[str, Extractor] = {
    "speakers": speakers.extract,
    "events": events.extract,
    "entities": entities.extract,
    "sdg": sdg.extract,
    "wsis": wsis.extract,
    "groups": groups.extract,
    "themes": themes.extract,
    "calls_to_action": calls.extract,
    "relevance": relevance.extract,
}


class ExtractionError(Exception):
    """An extractor failed on a document; names the document and the extractor."""

    def __init__(self, origin: str, extractor: str, cause: BaseException) -> None:
        super().__init__(
            f"{origin}: extractor '{extractor}' failed: {type(cause).__name__}: {cause}"
        )
        self.origin = origin
        self.extractor = extractor


def extract_document(
    source: SourceDocument, knowledge: Knowledge, header: Header | None = None
) -> Extraction:
    """Parse (unless ``header`` is given) and run every extractor on one document."""
    parsed = header if header is not None else parse_header(source)
    ctx = Context(source, parsed, knowledge, parsed.date.value if parsed.date else None)
    draft = Draft()
    for name, extractor in EXTRACTORS.items():
        try:
            extractor(ctx, draft)
        except Exception as error:  # an extractor bug must name the document, not kill the run
            raise ExtractionError(source.origin, name, error) from error
    if ctx.date and (parsed.date is None or ctx.date != parsed.date.value):
        # The date was refined from the registry (the edition of the event addressed "today").
        parsed = _with_date(parsed, HeaderField(ctx.date, "registry"))
    return Extraction(
        doc_id=source.doc_id,
        origin=source.origin,
        text=source.text,
        header=parsed,
        source_url=source.source_url,
        content_hash=source.content_hash,
        speakers=tuple(draft.speakers),
        delivered_by=tuple(draft.delivered_by),
        events=tuple(draft.events),
        entities=tuple(draft.entities),
        sdg=tuple(draft.sdg),
        wsis=tuple(draft.wsis),
        groups=tuple(draft.groups),
        themes=tuple(draft.themes),
        calls_to_action=tuple(draft.calls_to_action),
        ict_related=draft.ict_related,
        ict_score=draft.ict_score,
        extra=dict(source.extra),
    )


def extract_sources(
    specs: Iterable[str | Path], knowledge: Knowledge, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Extraction | SourceError | ExtractionError]:
    """Read every document the specs name and extract it; unreadable documents and extractor
    failures come out as errors (naming the file) in their place, and the rest go on."""
    for item in read_sources(specs, max_bytes=max_bytes):
        if isinstance(item, SourceError):
            yield item
            continue
        try:
            yield extract_document(item, knowledge)
        except ExtractionError as error:
            yield error


def _with_date(header: Header, date: HeaderField) -> Header:
    from dataclasses import replace

    return replace(header, date=date)


__all__ = [
    "EXTRACTORS",
    "ExtractionError",
    "Extractor",
    "Knowledge",
    "extract_document",
    "extract_sources",
]
