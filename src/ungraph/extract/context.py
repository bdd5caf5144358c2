"""What every extractor sees (the document, its header, the registry) and what they fill in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ungraph.extract.model import (
    AgentMention,
    CallToAction,
    ConceptMention,
    EntityMention,
    EventMention,
    Evidence,
    Header,
    SdgLink,
    WsisLink,
)
from ungraph.parse.sentences import paragraphs, sentences
from ungraph.sources.model import SourceDocument

if TYPE_CHECKING:
    from ungraph.extract.knowledge import Knowledge
    from ungraph.registry import Registry


@dataclass
class Context:
    """One document under extraction. ``date`` starts as the header's date and may be refined
    (e.g. from the edition of the event a message was read out at)."""

    source: SourceDocument
    header: Header
    knowledge: Knowledge
    date: str | None = None

    @property
    def registry(self) -> Registry:
        return self.knowledge.registry

    @property
    def text(self) -> str:
        return self.source.text

    @cached_property
    def body_sentences(self) -> list[tuple[int, int]]:
        start, end = self.header.body
        return sentences(self.text, start, end)

    @cached_property
    def body_paragraphs(self) -> list[tuple[int, int]]:
        start, end = self.header.body
        return list(paragraphs(self.text, start, end))

    @cached_property
    def lead_in_text(self) -> str:
        if self.header.lead_in is None:
            return ""
        start, end = self.header.lead_in
        return self.text[start:end]

    def evidence(self, start: int, end: int) -> Evidence:
        return Evidence.of(self.text, start, end)

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The body sentence holding ``offset`` (or the paragraph, outside the body)."""
        for start, end in self.body_sentences:
            if start <= offset < end:
                return start, end
        for start, end in paragraphs(self.text):
            if start <= offset < end:
                return start, end
        return offset, offset

    def find(self, needle: str, start: int = 0, end: int | None = None) -> int:
        """Offset of ``needle`` in the text (case-sensitive first, then case-insensitive), -1."""
        stop = len(self.text) if end is None else end
        position = self.text.find(needle, start, stop)
        if position >= 0:
            return position
        return self.text.lower().find(needle.lower(), start, stop)


@dataclass
class Draft:
    """The facts found so far; extractors run in order and may read what earlier ones found."""

    speakers: list[AgentMention] = field(default_factory=list)
    delivered_by: list[AgentMention] = field(default_factory=list)
    events: list[EventMention] = field(default_factory=list)
    entities: list[EntityMention] = field(default_factory=list)
    sdg: list[SdgLink] = field(default_factory=list)
    wsis: list[WsisLink] = field(default_factory=list)
    groups: list[ConceptMention] = field(default_factory=list)
    themes: list[ConceptMention] = field(default_factory=list)
    calls_to_action: list[CallToAction] = field(default_factory=list)
    ict_related: bool = False
    ict_score: float = 0.0
