"""What extraction produces: facts about one document, each with the passage it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ungraph.parse.model import DOCUMENT_KINDS, Evidence, Header, HeaderField, HeaderLine

__all__ = [
    "DOCUMENT_KINDS",
    "AgentMention",
    "CallToAction",
    "ConceptMention",
    "EntityMention",
    "EventMention",
    "Evidence",
    "Extraction",
    "Header",
    "HeaderField",
    "HeaderLine",
    "SdgLink",
    "WsisLink",
]

EventRelation = Literal["addressed", "mentioned"]
CallKind = Literal["call", "commitment", "exhortation"]
EntityKind = Literal["place", "country", "organization", "person"]


@dataclass(frozen=True)
class AgentMention:
    """A speaker, or whoever delivered a message on the speaker's behalf.

    ``name`` is as written, or the registry's name when the text gives only a role
    (``resolved_from_role``). ``person_key``/``post_key`` are registry keys when known.
    ``country`` is an ISO 3166 alpha-3 code for a member-state delegation;
    ``organization_key`` a registry organization speaking as itself (the European Union at the
    General Debate).
    """

    name: str | None
    role: str | None
    evidence: Evidence
    person_key: str | None = None
    post_key: str | None = None
    country: str | None = None
    resolved_from_role: bool = False
    confidence: float = 1.0
    organization_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "person_key": self.person_key,
            "post_key": self.post_key,
            "country": self.country,
            **({"organization_key": self.organization_key} if self.organization_key else {}),
            "resolved_from_role": self.resolved_from_role,
            "confidence": self.confidence,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class EventMention:
    """An event the document is addressed to or mentions, as series + edition where known."""

    name: str
    relation: EventRelation
    evidence: Evidence
    series: str | None = None  # registry key of the event series
    ordinal: int | None = None
    ordinal_text: str | None = None
    year: int | None = None
    place: str | None = None
    country: str | None = None  # ISO 3166 alpha-3
    date: str | None = None  # ISO, possibly partial
    theme: str | None = None
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "series": self.series,
            "ordinal": self.ordinal,
            "ordinal_text": self.ordinal_text,
            "year": self.year,
            "place": self.place,
            "country": self.country,
            "date": self.date,
            "theme": self.theme,
            "relation": self.relation,
            "confidence": self.confidence,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class EntityMention:
    """A place, country, organization or person named in the text."""

    label: str
    kind: EntityKind
    evidence: Evidence
    key: str | None = None  # registry key, or ISO 3166 alpha-3 for countries
    role: str | None = None  # for persons: the role the text gives them

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "key": self.key,
            "role": self.role,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class SdgLink:
    """A link to the 2030 Agenda, an SDG goal or target.

    ``code`` is ``"2030-agenda"``, a goal (``"9"``) or a target (``"9.c"``); ``explicit`` is
    true when the text names it, false when the topic tagger inferred it.
    """

    code: str
    explicit: bool
    score: float
    evidence: Evidence
    method: str = "explicit-mention"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "explicit": self.explicit,
            "score": round(self.score, 4),
            "method": self.method,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class WsisLink:
    """A WSIS action line (``C5``, ``C7.3``) that a passage addresses."""

    code: str
    score: float
    evidence: Evidence
    method: str = "topic-tagger"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": round(self.score, 4),
            "method": self.method,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class ConceptMention:
    """A population group or ICT theme named in the text (``key`` in our SKOS schemes)."""

    key: str
    label: str  # the verbatim phrase
    evidence: Evidence
    uri: str | None = None  # for themes: the UNBIS Thesaurus concept, where one exists

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "uri": self.uri,
            "evidence": self.evidence.exact,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class CallToAction:
    """A sentence in which someone calls on, urges, commits or exhorts.

    ``actor`` is who acts (``"the Secretary-General"``, ``"we"``), ``addressee`` whom the call
    is addressed to, when the sentence says so. The concern lists hold codes (SDG, WSIS) and
    scheme keys (groups, themes).
    """

    text: str
    kind: CallKind
    evidence: Evidence
    actor: str | None = None
    actor_key: str | None = None  # registry person key when the actor resolves to a person
    addressee: str | None = None
    sdg: tuple[str, ...] = ()
    wsis: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "actor": self.actor,
            "actor_key": self.actor_key,
            "addressee": self.addressee,
            "sdg": list(self.sdg),
            "wsis": list(self.wsis),
            "groups": list(self.groups),
            "themes": list(self.themes),
            "confidence": self.confidence,
            "span": [self.evidence.start, self.evidence.end],
        }


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document.

    ``text`` is the document text every :class:`Evidence` points into. ``doc_id`` is the
    source's identifier for the document (file name stem, JSON-lines ``id``); ``origin`` names
    where it was read from (a path, ``path:line``) for error messages.
    """

    doc_id: str
    origin: str
    text: str
    header: Header
    source_url: str | None = None
    content_hash: str = ""
    speakers: tuple[AgentMention, ...] = ()
    delivered_by: tuple[AgentMention, ...] = ()
    events: tuple[EventMention, ...] = ()
    entities: tuple[EntityMention, ...] = ()
    sdg: tuple[SdgLink, ...] = ()
    wsis: tuple[WsisLink, ...] = ()
    groups: tuple[ConceptMention, ...] = ()
    themes: tuple[ConceptMention, ...] = ()
    calls_to_action: tuple[CallToAction, ...] = ()
    ict_related: bool = False
    ict_score: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    def entities_of(self, kind: EntityKind) -> tuple[EntityMention, ...]:
        return tuple(e for e in self.entities if e.kind == kind)

    def to_json(self) -> dict[str, Any]:
        """The ``ungraph extract --json`` contract (README, "Extraction output")."""
        header = self.header
        return {
            "file": self.origin,
            "id": self.doc_id,
            "source_url": self.source_url,
            "symbol": header.symbol,
            "symbols": [s.value for s in header.symbols],
            "symbol_sources": [s.source for s in header.symbols],
            "date": header.date.value if header.date else None,
            "date_source": header.date.source if header.date else None,
            "title": header.title.value if header.title else None,
            "kind": header.kind,
            "is_press_release": header.is_press_release,
            "language": header.language,
            "speakers": [s.to_json() for s in self.speakers],
            "delivered_by": [d.to_json() for d in self.delivered_by],
            "events": [e.to_json() for e in self.events],
            "places": [e.label for e in self.entities if e.kind in ("place", "country")],
            "organizations": [e.label for e in self.entities_of("organization")],
            "persons": [e.to_json() for e in self.entities_of("person")],
            "entities": [e.to_json() for e in self.entities],
            "sdg": [s.to_json() for s in self.sdg],
            "wsis": [w.to_json() for w in self.wsis],
            "groups": [g.to_json() for g in self.groups],
            "themes": [t.to_json() for t in self.themes],
            "calls_to_action": [c.to_json() for c in self.calls_to_action],
            "ict_related": self.ict_related,
            "ict_score": round(self.ict_score, 4),
            **({"extra": self.extra} if self.extra else {}),
        }
