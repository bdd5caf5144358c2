"""Map one document's extraction to its named graph: every link as a direct triple and as a
Web Annotation carrying the passage that supports it.

IRIs come from :class:`~ungraph.iris.Minter` (the URI policy); the run that produced a graph
(software version, build time, run IRI) is injected as a :class:`Run`, so that the same
extraction always maps to the same graph (golden files, skipping unchanged documents).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Protocol
from urllib.parse import quote

from rdflib import RDFS, XSD, Graph, Literal, URIRef
from rdflib.graph import _ContextType, _TriplePatternType, _TripleType
from rdflib.namespace import DCTERMS, PROV
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from ungraph import __version__
from ungraph.extract.model import AgentMention, CallToAction, EventMention, Evidence, Extraction
from ungraph.iris import Minter, sdg_iri
from ungraph.namespaces import OA, RDF_TYPE, SCHEMA, UNG, bind_prefixes
from ungraph.registry import Registry, normalize_phrase
from ungraph.resources import ontology_path
from ungraph.vocab import date_literal

__all__ = [
    "CONTEXT_CHARS",
    "MappedDocument",
    "Run",
    "class_types",
    "map_document",
    "map_extraction",
    "quote_context",
    "safe_iri",
]

CONTEXT_CHARS = 32
"""Characters of text kept on each side of a quoted passage (``oa:prefix``/``oa:suffix``)."""

# Document kinds (``Header.kind``) to classes: docs/architecture.md, "Ontology terms".
KIND_CLASSES: Mapping[str, URIRef] = {
    "message": UNG.Message,
    "statement": UNG.OfficialStatement,
    "remarks": UNG.Remarks,
    "meeting-coverage": UNG.MeetingCoverage,
    "news-story": UNG.NewsStory,
    "general-debate-statement": UNG.GeneralDebateStatement,
}
# Documents named by their corpus's own file ids carry the corpus's name in their IRI, so that
# an id of one corpus never meets another source's: ``…/id/document/ungd-arg-70-2015``.
CORPUS_PREFIXES: Mapping[str, str] = {"general-debate-statement": "ungd"}
CALL_CLASSES: Mapping[str, URIRef] = {
    "call": UNG.Call,
    "commitment": UNG.Commitment,
    "exhortation": UNG.Exhortation,
}
# Where a header value came from (``HeaderField.source``) to the method that found it
# (keys of vocab/methods.toml).
HEADER_METHODS: Mapping[str, str] = {
    "text": "header-rule",
    "page": "page-structure",
    "sidecar": "sidecar",
    "address": "address-derivation",
    "registry": "registry-resolution",
}
# Phrases of a vocabulary or the registry found verbatim in the text: the phrase is certain, so
# the confidence is that of the vocabulary's phrase -> concept assignment, which we assert.
LEXICON_CONFIDENCE = 1.0

Known = Callable[[URIRef], bool]
"""Whether a concept IRI (SDG goal or target, action line, group, theme) exists in the
shared vocabulary graphs; links to unknown concepts are left out and reported."""


# ---------------------------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------------------------
def safe_iri(address: str) -> URIRef:
    """An address as an IRI, with the characters IRIs forbid (spaces, ``<>"{}|\\^```)
    percent-encoded; everything else, non-ASCII letters included, is kept.

    >>> safe_iri("https://www.un.org/press/en/2021/sgsm20724.doc.htm")
    rdflib.term.URIRef('https://www.un.org/press/en/2021/sgsm20724.doc.htm')
    >>> safe_iri(" http://example.org/a b|c ")
    rdflib.term.URIRef('http://example.org/a%20b%7Cc')
    """
    stripped = address.strip()
    return URIRef(re.sub(r'[\x00-\x20<>"{}|\\^`\x7f]', lambda m: quote(m.group(0)), stripped))


def quote_context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The ``width`` characters before and after a passage (fewer at the ends of the text).

    >>> quote_context("Let us bridge the digital divide now.", 7, 13, width=4)
    (' us ', ' the')
    >>> quote_context("abc", 0, 3)
    ('', '')
    """
    return text[max(0, start - width) : start], text[end : end + width]


def _digest(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:16]


# Terms written for every evidence passage, read once: rdflib's defined namespaces look each
# attribute up in Python code (about a microsecond a time).
_XSD_DECIMAL, _XSD_NON_NEGATIVE = XSD.decimal, XSD.nonNegativeInteger
_GENERATED_BY = PROV.wasGeneratedBy


def _decimal(value: float) -> Literal:
    """A score as an ``xsd:decimal`` in [0, 1], four decimals at most, never a bare integer
    (``1.0``, not ``1``: the lexical form Turtle's decimal shorthand reads back the same).

    >>> [str(_decimal(v)) for v in (1, 0.8, 0.912345, -0.2)]
    ['1.0', '0.8', '0.9123', '0.0']
    """
    # Four decimals: what the extraction JSON shows; a float's binary tail would make every
    # rebuild risk a different lexical form.
    text = f"{min(1.0, max(0.0, float(value))):.4f}".rstrip("0")
    return Literal(text + "0" if text.endswith(".") else text, datatype=_XSD_DECIMAL)


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


@cache
def _superclasses() -> Mapping[URIRef, frozenset[URIRef]]:
    """Every class of the ontology with all its superclasses (transitively, IRIs only)."""
    ontology = Graph().parse(ontology_path(), format="turtle")
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closure: dict[URIRef, frozenset[URIRef]] = {}

    def walk(cls: URIRef, seen: frozenset[URIRef]) -> frozenset[URIRef]:
        if cls in closure:
            return closure[cls]
        found: set[URIRef] = set()
        for parent in direct.get(cls, ()):
            if parent not in seen:
                found.add(parent)
                found |= walk(parent, seen | {cls})
        closure[cls] = frozenset(found)
        return closure[cls]

    for cls in direct:
        walk(cls, frozenset())
    return closure


@cache
def class_types(cls: URIRef) -> tuple[URIRef, ...]:
    """A class and every superclass the ontology gives it, sorted: the ``rdf:type`` triples a
    node of that class carries, since validation and queries run without inference.

    >>> [t.n3() for t in class_types(UNG.Country)]  # doctest: +NORMALIZE_WHITESPACE
    ['<http://schema.org/Country>', '<http://schema.org/Place>',
     '<https://w3id.org/ungraph/ontology#Country>', '<https://w3id.org/ungraph/ontology#Place>']
    """
    return tuple(sorted({cls, *_superclasses().get(cls, frozenset())}, key=str))


# ---------------------------------------------------------------------------------------------
# The run and the result
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """The extraction run a document graph comes from: an ``ung:ExtractionRun`` associated with
    the software agent ``{base}id/agent/ungraph-{version}``."""

    iri: URIRef
    agent: URIRef
    version: str
    started: datetime

    @classmethod
    def create(
        cls,
        minter: Minter,
        run_id: str,
        *,
        version: str = __version__,
        started: datetime | None = None,
    ) -> Run:
        """A run named ``{base}id/run/{run_id}``, started now unless ``started`` is given."""
        when = (started or datetime.now(UTC)).replace(microsecond=0)
        return cls(minter.run(run_id), minter.agent(f"ungraph-{version}"), version, when)

    def describe(self, graph: Graph) -> None:
        """Write the run and its software agent into ``graph`` (each document graph carries
        them, so that it validates on its own with the vocabulary graph)."""
        for kind in class_types(UNG.ExtractionRun):
            graph.add((self.iri, RDF_TYPE, kind))
        graph.add(
            (self.iri, RDFS.label, _en(f"ungraph extraction run {self.iri.rsplit('/', 1)[1]}"))
        )
        graph.add((self.iri, PROV.wasAssociatedWith, self.agent))
        graph.add(
            (self.iri, PROV.startedAtTime, Literal(self.started.isoformat(), datatype=XSD.dateTime))
        )
        for kind in class_types(UNG.SoftwareAgent):
            graph.add((self.agent, RDF_TYPE, kind))
        graph.add((self.agent, RDFS.label, _en(f"ungraph {self.version}")))
        graph.add((self.agent, SCHEMA.softwareVersion, Literal(self.version)))


@dataclass(frozen=True)
class MappedDocument:
    """A document's IRI, the name of its graph, the graph, and the links left out (concepts
    the vocabulary does not know, such as a "target 9.9" the text names)."""

    iri: URIRef
    graph_name: URIRef
    graph: Graph
    dropped: tuple[str, ...] = ()


def map_extraction(
    extraction: Extraction,
    minter: Minter,
    run: Run,
    *,
    registry: Registry | None = None,
    known: Known | None = None,
) -> Graph:
    """The content of the document's named graph ``{base}graph/document/{slug}``.

    Emits the document ``{base}id/document/{slug}``, its speech acts ``…/speech/{n}``, calls to
    action ``…/call/{n}``, evidence annotations ``…/annotation/{hash}`` with their targets
    ``…/target/{start}-{end}`` and selectors ``…/selector/{start}-{end}-quote|position``, the
    people, organizations, events, places and countries it links to (type and label; their full
    records live in the registry graph), and the run. See :func:`map_document`.
    """
    return map_document(extraction, minter, run, registry=registry, known=known).graph


def map_document(
    extraction: Extraction,
    minter: Minter,
    run: Run,
    *,
    registry: Registry | None = None,
    known: Known | None = None,
) -> MappedDocument:
    """Map an extraction; ``registry`` gives canonical labels and resolves addressees,
    ``known`` filters concept links (both optional, for tests on hand-made extractions)."""
    mapper = _Mapper(extraction, minter, run, registry, known)
    mapper.map()
    return MappedDocument(
        mapper.document, minter.document_graph(mapper.document), mapper.graph, tuple(mapper.dropped)
    )


# ---------------------------------------------------------------------------------------------
# The mapper
# ---------------------------------------------------------------------------------------------
class _Found(Protocol):
    """A mention with its passage and confidence (speakers, deliverers, events)."""

    @property
    def evidence(self) -> Evidence: ...

    @property
    def confidence(self) -> float: ...


def _attribution(mention: AgentMention) -> str:
    # A speaker the text names only by role was resolved through the registry's terms of office.
    return "registry-resolution" if mention.resolved_from_role else "attribution-pattern"


@dataclass
class _Candidate:
    subject: URIRef
    prop: URIRef
    value: Node
    evidence: Evidence
    method: str
    confidence: float
    motivation: URIRef


class DeferredIndexMemory(SimpleMemory):
    """rdflib's SimpleMemory, indexed only when a query needs the indexes.

    A document graph is written once (~1,200 triples for a General Debate statement), then read
    whole: validated, serialised, loaded. SimpleMemory files every triple into three nested
    indexes as it is added, which was two thirds of the mapping stage; here a triple is added
    to an insertion-ordered set, and the indexes are brought up to date when a pattern with
    some (not all) terms bound is asked for. Iterating over every triple, counting them and
    testing one for membership need no index.
    """

    def __init__(self) -> None:
        super().__init__()
        self._all: dict[_TripleType, None] = {}
        self._unindexed: list[_TripleType] = []

    def add(self, triple: _TripleType, context: _ContextType, quoted: bool = False) -> None:
        if triple not in self._all:
            self._all[triple] = None
            self._unindexed.append(triple)

    def _index(self) -> None:
        if self._unindexed:
            pending, self._unindexed = self._unindexed, []
            for triple in pending:
                SimpleMemory.add(self, triple, None)  # type: ignore[arg-type]

    def remove(
        self, triple_pattern: _TriplePatternType, context: _ContextType | None = None
    ) -> None:
        self._index()
        for triple, _contexts in list(SimpleMemory.triples(self, triple_pattern)):
            # SimpleMemory.remove finds what to remove through self.triples: the triple must
            # still be in the set while it goes.
            SimpleMemory.remove(self, triple, context)
            del self._all[triple]

    def triples(
        self, triple_pattern: _TriplePatternType, context: _ContextType | None = None
    ) -> Iterator[tuple[_TripleType, Iterator[_ContextType | None]]]:
        subject, predicate, obj = triple_pattern
        if subject is None and predicate is None and obj is None:
            for triple in list(self._all):
                yield triple, iter(())
        elif subject is not None and predicate is not None and obj is not None:
            found = (subject, predicate, obj)
            if found in self._all:
                yield found, iter(())
        else:
            self._index()
            yield from SimpleMemory.triples(self, triple_pattern, context)

    def __len__(self, context: _ContextType | None = None) -> int:
        return len(self._all)


@dataclass
class _Mapper:
    extraction: Extraction
    minter: Minter
    run: Run
    registry: Registry | None
    known: Known | None
    graph: Graph = field(default_factory=lambda: bind_prefixes(Graph(store=DeferredIndexMemory())))
    dropped: list[str] = field(default_factory=list)
    _candidates: dict[tuple[URIRef, URIRef, Node, str], _Candidate] = field(default_factory=dict)

    def __post_init__(self) -> None:
        header = self.extraction.header
        self.document = self.minter.document(
            header.symbol,
            self.extraction.source_url,
            self.extraction.doc_id,
            corpus=CORPUS_PREFIXES.get(header.kind),
        )

    # Writing helpers -------------------------------------------------------------------
    def add(self, subject: URIRef, prop: URIRef, value: Node) -> None:
        self.graph.add((subject, prop, value))

    def typed(self, node: URIRef, cls: URIRef) -> URIRef:
        for kind in class_types(cls):
            self.add(node, RDF_TYPE, kind)
        return node

    def link(
        self,
        subject: URIRef,
        prop: URIRef,
        value: Node,
        evidence: Evidence | None,
        method: str,
        confidence: float,
        motivation: URIRef,
    ) -> None:
        """The direct triple, and (when there is a passage) an annotation candidate; one
        annotation per link and method survives, the one with the best passage."""
        self.add(subject, prop, value)
        if evidence is None or evidence.end <= evidence.start:
            return
        key = (subject, prop, value, method)
        found = self._candidates.get(key)
        if found is None or (confidence, -evidence.start) > (
            found.confidence,
            -found.evidence.start,
        ):
            self._candidates[key] = _Candidate(
                subject, prop, value, evidence, method, confidence, motivation
            )

    # Entities --------------------------------------------------------------------------
    def person(self, key: str | None, name: str | None) -> URIRef | None:
        known = self.registry.people.get(key) if self.registry and key else None
        label = known.name if known else name
        if not (key or name) or not label:
            return None
        node = self.minter.person(known.key if known else (key or label))
        self.typed(node, UNG.Person)
        self.add(node, RDFS.label, _en(label))
        return node

    def country(self, iso3: str) -> URIRef | None:
        try:
            node = self.minter.country(iso3)
        except ValueError:
            self.dropped.append(f"country {iso3!r}: not an ISO 3166-1 alpha-3 code")
            return None
        known = self.registry.countries.get(iso3.upper()) if self.registry else None
        self.typed(node, UNG.Country)
        self.add(node, RDFS.label, _en(known.name if known else iso3.upper()))
        self.add(node, UNG.iso3166Alpha3, Literal(iso3.upper()))
        return node

    def delegation(self, iso3: str) -> URIRef | None:
        country = self.country(iso3)
        if country is None:
            return None
        node = self.typed(self.minter.delegation(iso3), UNG.Delegation)
        name = self.graph.value(country, RDFS.label)
        self.add(node, RDFS.label, _en(f"Delegation of {name}"))
        self.add(node, UNG.ofCountry, country)
        return node

    def place(self, key: str | None, name: str) -> URIRef:
        known = None
        if self.registry is not None:
            known = self.registry.places.get(key) if key else self.registry.match_place(name)
        node = self.typed(self.minter.place(known.key if known else (key or name)), UNG.Place)
        self.add(node, RDFS.label, _en(known.name if known else name))
        if known is not None and (country := self.country(known.country)) is not None:
            self.add(node, UNG.country, country)
        return node

    def organization(self, key: str | None, name: str) -> URIRef:
        label = name
        if key and key.startswith("government:"):
            # "the Chinese Government": the government of a country, not in the registry.
            iso3 = key.split(":", 1)[1]
            known_country = self.registry.countries.get(iso3) if self.registry else None
            if known_country is not None:
                label = f"Government of {known_country.name}"
            node = self.minter.organization(f"government-{iso3}")
        else:
            known = self.registry.organizations.get(key) if self.registry and key else None
            if known is not None:
                label = known.name
            node = self.minter.organization(known.key if known else (key or name))
        self.typed(node, UNG.Organization)
        self.add(node, RDFS.label, _en(label))
        return node

    def agent(self, mention: AgentMention) -> URIRef | None:
        """A speaker or deliverer: a registry organization speaking as itself, the registry's
        person, a member State's delegation, or a person minted from the name as written."""
        if mention.organization_key:
            return self.organization(mention.organization_key, mention.name or "")
        if mention.person_key or mention.name:
            return self.person(mention.person_key, mention.name)
        if mention.country:
            return self.delegation(mention.country)
        return None

    def post(self, key: str | None) -> URIRef | None:
        if not key:
            return None
        if self.registry is not None and key not in self.registry.posts:
            self.dropped.append(f"post {key!r}: not in the registry")
            return None
        return self.minter.post(key)

    def event(self, mention: EventMention) -> URIRef:
        """An event by series and year (``{base}id/event/{series}-{year}``), else by name and
        year; registry editions keep the registry's label, other events carry what the text
        says (ordinal, place, country, date, theme)."""
        registry = self.registry
        series = registry.series.get(mention.series) if registry and mention.series else None
        year = mention.year
        edition = None
        if registry is not None and series is not None:
            edition = registry.edition(series.key, year=year, ordinal=mention.ordinal)
            if edition is not None and year is None:
                year = edition.year
        series_key = series.key if series else mention.series
        node = self.minter.event(series_key or mention.name, year)
        self.typed(node, UNG.Event)
        series_node: URIRef | None = None
        if series_key:
            series_node = self.typed(self.minter.event_series(series_key), UNG.EventSeries)
            self.add(series_node, RDFS.label, _en(series.name if series else mention.name))
        elif mention.ordinal:
            # "the tenth X" names an edition of a series the registry does not know yet.
            series_node = self.typed(self.minter.event_series(mention.name), UNG.EventSeries)
            self.add(series_node, RDFS.label, _en(mention.name))
        if series_node is not None:
            self.add(node, UNG.inSeries, series_node)
            self.add(node, SCHEMA.superEvent, series_node)
        if year is not None:
            self.add(node, UNG.year, Literal(f"{year:04d}", datatype=XSD.gYear))
        if edition is not None and series is not None:
            # The registry describes its editions in full; the label is the registry graph's.
            self.add(node, RDFS.label, _en(edition.name or f"{series.name} {edition.year}"))
            return node
        name = series.name if series else mention.name
        self.add(node, RDFS.label, _en(f"{name} {year}" if year else name))
        if mention.ordinal and series_node is not None:
            self.add(node, UNG.edition, Literal(mention.ordinal, datatype=XSD.positiveInteger))
        if mention.place:
            self.add(node, UNG.location, self.place(None, mention.place))
        if mention.country and (country := self.country(mention.country)) is not None:
            self.add(node, UNG.country, country)
        # Not the date the text gives (mention.date): that is the day of this statement ("today"),
        # and statements on two days of one event would give it two start dates.
        if mention.theme:
            self.add(node, UNG.theme, _en(mention.theme))
        return node

    # Concepts --------------------------------------------------------------------------
    def concept_link(self, code: str, scheme: str) -> tuple[URIRef, URIRef] | None:
        """(property, concept) for an SDG code or scheme key, or None (reported) if unknown."""
        try:
            if scheme == "sdg":
                iri = sdg_iri(code)
                if code == "2030-agenda":
                    return UNG.refersTo2030Agenda, iri
                prop = UNG.addressesTarget if "." in code else UNG.addressesGoal
            elif scheme == "wsis":
                iri, prop = self.minter.action_line(code), UNG.addressesActionLine
            elif scheme == "group":
                iri, prop = self.minter.group(code), UNG.concernsGroup
            else:
                iri, prop = self.minter.theme(code), UNG.hasTheme
        except ValueError as error:
            self.dropped.append(f"{scheme} {code!r}: {error}")
            return None
        if self.known is not None and not self.known(iri):
            self.dropped.append(f"{scheme} {code!r}: {iri} is not in the vocabulary")
            return None
        return prop, iri

    # The document ----------------------------------------------------------------------
    def map(self) -> None:
        self.map_document()
        self.map_speech()
        self.map_events()
        self.map_entities()
        self.map_concepts()
        self.map_calls()
        self.run.describe(self.graph)
        self.write_annotations()

    def map_document(self) -> None:
        extraction, doc = self.extraction, self.document
        header = extraction.header
        kind = KIND_CLASSES.get(header.kind)
        if kind is None:
            raise ValueError(f"unknown document kind {header.kind!r}")
        self.typed(doc, kind)
        if header.is_press_release:
            self.typed(doc, UNG.PressRelease)
        for position, symbol in enumerate(header.symbols):
            value = Literal(symbol.value)
            method = HEADER_METHODS.get(symbol.source, "header-rule")
            self.link(doc, UNG.symbol, value, symbol.evidence, method, 1.0, OA.identifying)
            if position == 0:
                self.add(doc, UNG.primarySymbol, value)
        if header.title is not None and header.title.value.strip():
            title = Literal(header.title.value, lang=header.language or None)
            method = HEADER_METHODS.get(header.title.source, "header-rule")
            self.link(doc, DCTERMS.title, title, header.title.evidence, method, 1.0, OA.describing)
        if header.date is not None:
            date = date_literal(header.date.value)
            method = HEADER_METHODS.get(header.date.source, "header-rule")
            self.link(doc, DCTERMS.date, date, header.date.evidence, method, 1.0, OA.describing)
        if header.language:
            self.add(doc, DCTERMS.language, Literal(header.language))
        if extraction.source_url:
            self.add(doc, UNG.sourceAddress, safe_iri(extraction.source_url))
        elif not header.symbols:
            # Neither symbol nor address (a UN General Debate file): the source's own id.
            self.add(doc, DCTERMS.identifier, Literal(extraction.doc_id))
        self.add(doc, UNG.text, Literal(extraction.text))
        if extraction.content_hash:
            self.add(doc, UNG.contentHash, Literal(extraction.content_hash))
        self.add(doc, UNG.isIctRelated, Literal(extraction.ict_related))
        self.add(doc, UNG.ictScore, _decimal(extraction.ict_score))

    def identify(
        self, subject: URIRef, prop: URIRef, value: URIRef, found: _Found, method: str
    ) -> None:
        """A link to an entity the text names, with the mention's passage and confidence."""
        self.link(subject, prop, value, found.evidence, method, found.confidence, OA.identifying)

    def map_speech(self) -> None:
        extraction, doc = self.extraction, self.document
        addressed = [(e, self.event(e)) for e in extraction.events if e.relation == "addressed"]
        deliverers = list(extraction.delivered_by)
        number = 0
        for index, speaker in enumerate(extraction.speakers):
            agent = self.agent(speaker)
            if agent is None:
                # Only a role nobody held on that date: no speech act without a speaker.
                self.dropped.append(f"speaker {speaker.role or '?'!r}: not resolved to an agent")
                continue
            number += 1
            act = self.typed(self.minter.document_part(doc, "speech", number), UNG.SpeechAct)
            self.add(doc, UNG.recordsSpeechAct, act)
            self.add(act, UNG.recordedIn, doc)
            self.agent_links(
                act, speaker, agent, UNG.speaker, UNG.speakerRole, UNG.speakerRoleLabel
            )
            self.identify(doc, UNG.speaker, agent, speaker, _attribution(speaker))
            self.add(act, PROV.wasAssociatedWith, agent)
            # Deliverers pair with speakers in order; a message has one speaker and at most
            # one deliverer, and extra deliverers stay on the document only.
            if index < len(deliverers) and (by := self.agent(deliverers[index])) is not None:
                roles = (UNG.deliveredBy, UNG.delivererRole, UNG.delivererRoleLabel)
                self.agent_links(act, deliverers[index], by, *roles)
            for event, node in addressed:
                self.identify(act, UNG.addressedTo, node, event, "event-pattern")
        for deliverer in deliverers:
            if (agent := self.agent(deliverer)) is not None:
                self.identify(doc, UNG.deliveredBy, agent, deliverer, _attribution(deliverer))
        for event, node in addressed:
            self.identify(doc, UNG.addressedTo, node, event, "event-pattern")

    def agent_links(
        self,
        act: URIRef,
        mention: AgentMention,
        agent: URIRef,
        link: URIRef,
        role_link: URIRef,
        role_label: URIRef,
    ) -> None:
        """The speaker (or deliverer) of a speech act, the post they spoke in, the role as
        written."""
        self.identify(act, link, agent, mention, _attribution(mention))
        if mention.role:
            self.add(act, role_label, Literal(mention.role))
        if (role := self.post(mention.post_key)) is not None:
            self.identify(act, role_link, role, mention, "registry-resolution")

    def map_events(self) -> None:
        for event in self.extraction.events:
            if event.relation == "mentioned":
                node = self.event(event)
                self.identify(self.document, UNG.mentionsEvent, node, event, "event-pattern")

    def map_entities(self) -> None:
        doc = self.document
        speaking = {
            self.minter.person(a.person_key or a.name or "-")
            for a in (*self.extraction.speakers, *self.extraction.delivered_by)
            if a.person_key or a.name
        }
        for entity in self.extraction.entities:
            node: URIRef | None
            if entity.kind == "person":
                node = self.person(entity.key, entity.label)
                if node is None or node in speaking:
                    continue
                prop = UNG.mentionsPerson
            elif entity.kind == "organization":
                node, prop = self.organization(entity.key, entity.label), UNG.mentionsOrganization
            elif entity.kind == "country":
                node, prop = self.country(entity.key or entity.label), UNG.mentionsPlace
                if node is None:
                    continue
            else:
                node, prop = self.place(entity.key, entity.label), UNG.mentionsPlace
            self.link(
                doc, prop, node, entity.evidence, "gazetteer", LEXICON_CONFIDENCE, OA.identifying
            )

    def map_concepts(self) -> None:
        doc = self.document
        for sdg in self.extraction.sdg:
            if (found := self.concept_link(sdg.code, "sdg")) is not None:
                motivation = OA.classifying if sdg.explicit else OA.tagging
                self.link(doc, *found, sdg.evidence, sdg.method, sdg.score, motivation)
        for wsis in self.extraction.wsis:
            if (found := self.concept_link(wsis.code, "wsis")) is not None:
                self.link(doc, *found, wsis.evidence, wsis.method, wsis.score, OA.tagging)
        for scheme, mentions, method in (
            ("group", self.extraction.groups, "group-lexicon"),
            ("theme", self.extraction.themes, "theme-lexicon"),
        ):
            for mention in mentions:
                if (found := self.concept_link(mention.key, scheme)) is not None:
                    self.link(
                        doc, *found, mention.evidence, method, LEXICON_CONFIDENCE, OA.classifying
                    )

    def map_calls(self) -> None:
        calls = sorted(
            self.extraction.calls_to_action, key=lambda c: (c.evidence.start, c.evidence.end)
        )
        for number, call in enumerate(calls, 1):
            self.map_call(self.minter.document_part(self.document, "call", number), call)

    def map_call(self, node: URIRef, call: CallToAction) -> None:
        kind = CALL_CLASSES.get(call.kind)
        if kind is None:
            raise ValueError(f"unknown call-to-action kind {call.kind!r}")
        self.typed(node, kind)
        evidence, confidence = call.evidence, call.confidence
        self.add(node, UNG.text, Literal(call.text))
        self.link(
            node,
            UNG.inDocument,
            self.document,
            evidence,
            "call-pattern",
            confidence,
            OA.classifying,
        )
        if call.actor:
            self.add(node, UNG.actorLabel, Literal(call.actor))
            if call.actor_key:
                actor = self.person(call.actor_key, call.actor)
            else:
                actor = self.resolve(call.actor)
            if actor is not None:
                self.identify(node, UNG.actor, actor, call, "call-pattern")
        if call.addressee:
            self.add(node, UNG.addresseeLabel, Literal(call.addressee))
            if (addressee := self.resolve(call.addressee)) is not None:
                self.identify(node, UNG.addressee, addressee, call, "call-pattern")
        named = {
            link.code
            for link in self.extraction.sdg
            if link.explicit
            and evidence.start <= link.evidence.start
            and link.evidence.end <= evidence.end
        }
        concerns: Iterable[tuple[str, tuple[str, ...], str]] = (
            ("sdg", call.sdg, ""),
            ("wsis", call.wsis, "topic-tagger"),
            ("group", call.groups, "group-lexicon"),
            ("theme", call.themes, "theme-lexicon"),
        )
        for scheme, codes, method in concerns:
            for code in codes:
                if (found := self.concept_link(code, scheme)) is None:
                    continue
                how = method or ("explicit-mention" if code in named else "topic-tagger")
                motivation = OA.tagging if how == "topic-tagger" else OA.classifying
                self.link(node, *found, evidence, how, confidence, motivation)

    def resolve(self, phrase: str) -> URIRef | None:
        """A registry organization or person the whole phrase names ("the United Nations"),
        never one merely mentioned inside it ("all Member States of the United Nations")."""
        if self.registry is None:
            return None
        wanted = normalize_phrase(phrase)
        org = self.registry.match_organization(phrase)
        if org is not None and wanted in {normalize_phrase(n) for n in (org.name, *org.aliases)}:
            return self.organization(org.key, org.name)
        person = self.registry.match_person(phrase)
        if person is not None and wanted in {
            normalize_phrase(n) for n in (person.name, *person.aliases)
        }:
            return self.person(person.key, person.name)
        return None

    # Evidence --------------------------------------------------------------------------
    def write_annotations(self) -> None:
        doc, text = self.document, self.extraction.text
        for candidate in sorted(
            self._candidates.values(),
            key=lambda c: (c.evidence.start, c.evidence.end, str(c.prop), str(c.value), c.method),
        ):
            start, end = candidate.evidence.start, candidate.evidence.end
            annotation = self.minter.document_part(
                doc,
                "annotation",
                _digest(
                    candidate.subject,
                    candidate.prop,
                    candidate.value.n3(),
                    candidate.method,
                    start,
                    end,
                ),
            )
            target = self.minter.document_part(doc, "target", f"{start}-{end}")
            self.typed(annotation, UNG.EvidenceAnnotation)
            self.add(annotation, OA.hasTarget, target)
            if isinstance(candidate.value, Literal):
                self.add(annotation, OA.bodyValue, Literal(str(candidate.value)))
            else:
                self.add(annotation, OA.hasBody, candidate.value)
            self.add(annotation, UNG.evidenceFor, candidate.subject)
            self.add(annotation, UNG.linkProperty, candidate.prop)
            self.add(annotation, UNG.method, self.minter.method(candidate.method))
            self.add(annotation, UNG.confidence, _decimal(candidate.confidence))
            self.add(annotation, _GENERATED_BY, self.run.iri)
            self.add(annotation, OA.motivatedBy, candidate.motivation)
            self.passage(target, candidate.evidence, text)

    def passage(self, target: URIRef, evidence: Evidence, text: str) -> None:
        """The target and its two selectors, shared by every annotation of the same passage."""
        if (target, RDF_TYPE, OA.SpecificResource) in self.graph:
            return
        start, end = evidence.start, evidence.end
        quote_node = self.minter.document_part(self.document, "selector", f"{start}-{end}-quote")
        position = self.minter.document_part(self.document, "selector", f"{start}-{end}-position")
        self.add(target, RDF_TYPE, OA.SpecificResource)
        self.add(target, OA.hasSource, self.document)
        self.add(target, OA.hasSelector, quote_node)
        self.add(target, OA.hasSelector, position)
        self.add(quote_node, RDF_TYPE, OA.TextQuoteSelector)
        # The extractor's quote, not text[start:end]: the SHACL gate checks that they agree.
        self.add(quote_node, OA.exact, Literal(evidence.exact))
        prefix, suffix = quote_context(text, start, end)
        if prefix:
            self.add(quote_node, OA.prefix, Literal(prefix))
        if suffix:
            self.add(quote_node, OA.suffix, Literal(suffix))
        self.add(position, RDF_TYPE, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(start, datatype=_XSD_NON_NEGATIVE))
        self.add(position, OA.end, Literal(end, datatype=_XSD_NON_NEGATIVE))
