"""What a resource's HTML page shows, gathered from the store: label, types, links both ways,
and per kind of resource its own sections (a document's text with its evidence, a person's
posts and statements, an event's editions, a concept's documents per year)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS, XSD
from rdflib.term import Node

from ungraph.namespaces import SDGO, UNG
from ungraph.stats import compact
from ungraph.store import GraphStore
from ungraph.web import prepared
from ungraph.web.evidence import Segment, Span, placed, segments

INCOMING_PAGE = 50
"""Incoming links shown per page."""
LIST_LIMIT = 200
"""Documents listed at most in a section (the section says how many there are)."""

# Nodes that exist only inside one document (iris.Minter.document_part) and have no label.
DOCUMENT_PARTS = {
    "speech": "speech act",
    "call": "call to action",
    "annotation": "evidence",
    "target": "evidence target",
    "selector": "selector",
}

# In order of preference: a concept's preferred label (an action line's rdfs:label repeats its
# code), an agent's or place's label, a document's title.
_NAMES = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
EVIDENCE_LABELS: tuple[prepared.LabelSpec, ...] = (
    ("subjectLabel", "subject", _NAMES, True),
    ("propertyLabel", "property", (RDFS.label,), True),
    ("bodyLabel", "body", _NAMES, True),
    ("methodLabel", "method", (SKOS.prefLabel,), True),
)
"""The labels a document's evidence rows show (what web/queries/document-evidence.rq joined)."""
CALL_LABELS: tuple[prepared.LabelSpec, ...] = (
    ("actorLabel", "actor", (RDFS.label,), False),
    ("addresseeLabel", "addressee", (RDFS.label,), False),
    ("conceptLabel", "concept", (SKOS.prefLabel,), True),
)
"""The labels a document's calls to action show (what web/queries/document-calls.rq joined)."""

Href = Callable[[str], str]
"""Turns an IRI into the address of its page on this server (or keeps an outside one)."""

CONCEPT_TYPES = frozenset(
    {
        SDGO.Goal,
        SDGO.Target,
        UNG.ActionLine,
        UNG.PopulationGroup,
        UNG.IctTheme,
        SKOS.Concept,
        SKOS.ConceptScheme,
    }
)


def fallback_label(iri: str) -> str:
    """A readable name for an IRI without a label: its compact form or last path segment.

    >>> fallback_label("https://w3id.org/ungraph/id/person/ban-ki-moon")
    'ban-ki-moon'
    >>> fallback_label("http://metadata.un.org/sdg/9.c")
    'sdg:9.c'
    >>> fallback_label("https://w3id.org/ungraph/id/document/sg-sm-1/speech/2")
    'speech act 2'
    """
    head, _, key = iri.rpartition("/")
    part = head.rsplit("/", 1)[-1]
    if part in DOCUMENT_PARTS and key:
        return f"{DOCUMENT_PARTS[part]} {key}"
    short = compact(iri)
    if short != iri:
        return short
    tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail or iri


@dataclass(frozen=True)
class Ref:
    """A resource as the page links it: IRI, label and the address of its page."""

    iri: str
    label: str
    href: str


@dataclass(frozen=True)
class Value:
    """A literal as the page shows it."""

    text: str
    datatype: str | None = None
    lang: str | None = None


Term = Ref | Value


def term_view(term: Node, label: Node | None, href: Href) -> Term:
    """A term of a query row as a link (IRIs, blank nodes) or a value (literals)."""
    if isinstance(term, Literal):
        datatype = compact(str(term.datatype)) if term.datatype is not None else None
        if term.datatype == XSD.string:
            datatype = None
        return Value(str(term), datatype, term.language)
    if isinstance(term, BNode):
        return Ref(f"_:{term}", "(blank node)", "")
    iri = str(term)
    text = str(label) if label is not None else fallback_label(iri)
    return Ref(iri, text, href(iri))


@dataclass(frozen=True)
class Link:
    """One property with the values the resource has for it (or the resources pointing in)."""

    property: Ref
    values: list[Term]


def _links(rows: Iterable[Mapping[str, Node]], node_key: str, href: Href) -> list[Link]:
    grouped: dict[str, tuple[Ref, list[Term]]] = {}
    for row in rows:
        prop = str(row["p"])
        if prop not in grouped:
            label = row.get("propertyLabel")
            grouped[prop] = (
                Ref(prop, str(label) if label is not None else compact(prop), href(prop)),
                [],
            )
        grouped[prop][1].append(term_view(row[node_key], row.get("label"), href))
    return [Link(ref, values) for ref, values in grouped.values()]


@dataclass(frozen=True)
class Fact:
    """A link one evidence passage supports."""

    annotation: Ref
    subject: Ref | None
    property: Ref
    value: Term | None
    method: Ref | None
    confidence: str | None


@dataclass(frozen=True)
class Passage:
    """An evidence passage: number on the page, offsets, quote and the facts it supports."""

    number: int
    start: int
    end: int
    exact: str
    facts: list[Fact]
    placed: bool = True


@dataclass
class DocumentView:
    """A document's own sections."""

    text: str | None
    segments: list[Segment]
    passages: list[Passage]
    speech_acts: list[dict[str, Any]]
    calls: list[dict[str, Any]]

    @property
    def unplaced(self) -> list[Passage]:
        return [p for p in self.passages if not p.placed]


@dataclass(frozen=True)
class Listed:
    """A document in a list: link, date, and what ties it to the page's resource."""

    document: Ref
    date: str | None
    note: str | None = None


@dataclass
class YearGroup:
    """Documents and calls of one year (or of no known date: ``year`` None)."""

    year: str | None
    documents: list[Listed] = field(default_factory=list)
    calls: list[tuple[Ref, str, Listed]] = field(default_factory=list)


@dataclass
class ResourceView:
    """Everything a resource page shows."""

    iri: str
    label: str
    types: list[Ref]
    comments: list[str]
    notations: list[str]
    outgoing: list[Link]
    incoming: list[Link]
    incoming_total: int
    incoming_page: int
    sections: set[str] = field(default_factory=set)
    document: DocumentView | None = None
    posts: list[dict[str, Any]] = field(default_factory=list)
    statements: list[Listed] = field(default_factory=list)
    statements_total: int = 0
    editions: list[dict[str, Any]] = field(default_factory=list)
    event_documents: list[Listed] = field(default_factory=list)
    years: list[YearGroup] = field(default_factory=list)
    concept_documents_total: int = 0
    concept_calls_total: int = 0

    @property
    def incoming_pages(self) -> int:
        return max(1, -(-self.incoming_total // INCOMING_PAGE))


def _first(rows: Iterable[Mapping[str, Node]], key: str) -> Node | None:
    for row in rows:
        if key in row:
            return row[key]
    return None


def _date_text(value: Node | None) -> str | None:
    return str(value) if value is not None else None


def _year_of(date: str | None) -> str | None:
    """The year of an ISO date, year-month or year.

    >>> _year_of("2017-12-18"), _year_of("2015"), _year_of(None)
    ('2017', '2015', None)
    """
    if not date or len(date) < 4 or not date[:4].isdigit():
        return None
    return date[:4]


def describe(store: GraphStore, iri: str, href: Href, incoming_page: int = 1) -> ResourceView:
    """Gather the page of ``iri`` (which the store knows) from the queries in ``web/queries``."""
    this = URIRef(iri)
    summary = prepared.select(store, "resource-summary", this=this)
    labels = [row["label"] for row in summary if "label" in row]
    label = str(_preferred(labels)) if labels else fallback_label(iri)
    types: dict[str, Ref] = {}
    type_nodes: set[Node] = set()
    for row in summary:
        if "type" in row:
            type_nodes.add(row["type"])
            types.setdefault(str(row["type"]), term_view(row["type"], row.get("typeLabel"), href))  # type: ignore[arg-type]
    comments = sorted({str(row["comment"]) for row in summary if "comment" in row})
    notations = sorted({str(row["notation"]) for row in summary if "notation" in row})

    outgoing = _links(prepared.select(store, "resource-outgoing", this=this), "o", href)
    total_rows = prepared.select(store, "resource-incoming-count", this=this)
    incoming_total = int(total_rows[0]["links"].toPython()) if total_rows else 0
    page = max(1, incoming_page)
    incoming = _links(
        prepared.select(
            store,
            "resource-incoming",
            limit=INCOMING_PAGE,
            offset=(page - 1) * INCOMING_PAGE,
            this=this,
        ),
        "s",
        href,
    )
    view = ResourceView(
        iri,
        label,
        sorted(types.values(), key=lambda r: r.label.lower()),
        comments,
        notations,
        outgoing,
        incoming,
        incoming_total,
        page,
    )
    if UNG.Document in type_nodes:
        view.sections.add("document")
        view.document = _document(store, this, href)
    if UNG.Person in type_nodes or UNG.Organization in type_nodes:
        view.sections.add("agent")
        view.posts = _posts(store, this, href)
        view.statements, view.statements_total = _statements(store, this, href)
    if UNG.Event in type_nodes or UNG.EventSeries in type_nodes:
        view.sections.add("event")
        view.editions = _editions(store, this, href)
        if UNG.Event in type_nodes:
            view.event_documents = _event_documents(store, this, href)
    if type_nodes & CONCEPT_TYPES:
        view.sections.add("concept")
        view.years, view.concept_documents_total, view.concept_calls_total = _by_year(
            store, this, href
        )
    return view


def _preferred(labels: list[Node]) -> Node:
    """An English label if there is one, else an untagged one, else the first."""
    for wanted in ("en", None):
        for label in labels:
            if isinstance(label, Literal) and label.language == wanted:
                return label
    return sorted(labels, key=str)[0]


def _document(store: GraphStore, this: URIRef, href: Href) -> DocumentView:
    text_rows = prepared.select(store, "document-text", this=this)
    text = str(text_rows[0]["text"]) if text_rows else None
    by_offsets: dict[tuple[int, int], list[dict[str, Node]]] = defaultdict(list)
    seen: set[tuple[str, int, int]] = set()
    for row in prepared.labelled(
        store, prepared.select(store, "document-evidence", this=this), EVIDENCE_LABELS
    ):
        start, end = int(row["start"].toPython()), int(row["end"].toPython())
        key = (str(row["annotation"]), start, end)
        if key in seen:  # several labels of one linked resource: keep the first row
            continue
        seen.add(key)
        by_offsets[(start, end)].append(row)
    passages: list[Passage] = []
    for number, ((start, end), rows) in enumerate(sorted(by_offsets.items()), start=1):
        exact = _first(rows, "exact")
        facts = [_fact(row, this, href) for row in rows]
        ok = text is not None and placed(text, start, end, None if exact is None else str(exact))
        passages.append(
            Passage(number, start, end, str(exact) if exact is not None else "", facts, ok)
        )
    spans = [Span(p.number, p.start, p.end) for p in passages if p.placed]
    pieces = segments(text, spans) if text is not None else []
    return DocumentView(
        text, pieces, passages, _speech_acts(store, this, href), _calls(store, this, href)
    )


def _fact(row: Mapping[str, Node], document: URIRef, href: Href) -> Fact:
    subject = row.get("subject")
    prop = row.get("property")
    value: Term | None = None
    if "body" in row:
        value = term_view(row["body"], row.get("bodyLabel"), href)
    elif "bodyValue" in row:
        value = term_view(row["bodyValue"], None, href)
    confidence = row.get("confidence")
    return Fact(
        annotation=term_view(row["annotation"], None, href),  # type: ignore[arg-type]
        subject=(
            term_view(subject, row.get("subjectLabel"), href)  # type: ignore[arg-type]
            if subject is not None and subject != document
            else None
        ),
        property=(
            Ref(
                str(prop),
                str(row["propertyLabel"]) if "propertyLabel" in row else compact(str(prop)),
                href(str(prop)),
            )
            if prop is not None
            else Ref("", "link", "")
        ),
        value=value,
        method=(
            term_view(row["method"], row.get("methodLabel"), href)  # type: ignore[arg-type]
            if "method" in row
            else None
        ),
        confidence=str(confidence) if confidence is not None else None,
    )


def _grouped(rows: list[dict[str, Node]], key: str) -> dict[str, list[dict[str, Node]]]:
    groups: dict[str, list[dict[str, Node]]] = {}
    for row in rows:
        groups.setdefault(str(row[key]), []).append(row)
    return groups


def _ref(rows: list[dict[str, Node]], key: str, label_key: str, href: Href) -> Term | None:
    node = _first(rows, key)
    if node is None:
        return None
    label = next((r[label_key] for r in rows if r.get(key) == node and label_key in r), None)
    return term_view(node, label, href)


def _speech_acts(store: GraphStore, this: URIRef, href: Href) -> list[dict[str, Any]]:
    acts = []
    rows = prepared.select(store, "document-speech", this=this)
    for act, group in _grouped(rows, "act").items():
        acts.append(
            {
                "act": Ref(act, fallback_label(act), href(act)),
                "speaker": _ref(group, "speaker", "speakerLabel", href),
                "role": _ref(group, "role", "roleLabel", href),
                "role_text": _first(group, "roleText"),
                "deliverer": _ref(group, "deliverer", "delivererLabel", href),
                "deliverer_role": _ref(group, "delivererRole", "delivererRoleLabel", href),
                "deliverer_role_text": _first(group, "delivererRoleText"),
                "event": _ref(group, "event", "eventLabel", href),
            }
        )
    return acts


def _calls(store: GraphStore, this: URIRef, href: Href) -> list[dict[str, Any]]:
    calls = []
    rows = prepared.labelled(
        store, prepared.select(store, "document-calls", this=this), CALL_LABELS
    )
    for call, group in _grouped(rows, "call").items():
        concepts: dict[str, tuple[str, Term]] = {}
        for row in group:
            if "concept" in row:
                concepts.setdefault(
                    str(row["concept"]),
                    (
                        compact(str(row["property"])),
                        term_view(row["concept"], row.get("conceptLabel"), href),
                    ),
                )
        kind = _first(group, "kind")
        calls.append(
            {
                "call": Ref(call, fallback_label(call), href(call)),
                "kind": fallback_label(str(kind)).removeprefix("ung:") if kind else "Call",
                "text": _first(group, "text"),
                "actor": _ref(group, "actor", "actorLabel", href),
                "actor_text": _first(group, "actorText"),
                "addressee": _ref(group, "addressee", "addresseeLabel", href),
                "addressee_text": _first(group, "addresseeText"),
                "concepts": list(concepts.values()),
            }
        )
    return calls


def _posts(store: GraphStore, this: URIRef, href: Href) -> list[dict[str, Any]]:
    posts = []
    rows = prepared.select(store, "person-posts", this=this)
    for holding, group in _grouped(rows, "holding").items():
        posts.append(
            {
                "holding": Ref(holding, fallback_label(holding), href(holding)),
                "post": _ref(group, "post", "postLabel", href),
                "organization": _ref(group, "organization", "organizationLabel", href),
                "start": _date_text(_first(group, "start")),
                "end": _date_text(_first(group, "end")),
            }
        )
    return posts


def _listed(rows: list[dict[str, Node]], href: Href, note_key: str | None) -> list[Listed]:
    items: dict[str, Listed] = {}
    notes: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        doc = str(row["document"])
        if note_key and note_key in row:
            notes[doc].add(str(row[note_key]))
        if doc not in items:
            items[doc] = Listed(
                term_view(row["document"], row.get("title"), href),  # type: ignore[arg-type]
                _date_text(row.get("date")),
            )
    return [
        Listed(item.document, item.date, ", ".join(sorted(notes[doc])) or None)
        for doc, item in items.items()
    ]


def _statements(store: GraphStore, this: URIRef, href: Href) -> tuple[list[Listed], int]:
    rows = prepared.select(store, "agent-statements", this=this)
    listed = _listed(rows, href, "how")
    return listed[:LIST_LIMIT], len(listed)


def _editions(store: GraphStore, this: URIRef, href: Href) -> list[dict[str, Any]]:
    return [
        {
            "event": term_view(row["event"], row.get("label"), href),
            "year": _date_text(row.get("year")),
            "edition": _date_text(row.get("edition")),
            "place": (
                term_view(row["place"], row.get("placeLabel"), href) if "place" in row else None
            ),
            "documents": int(row["documents"].toPython()) if "documents" in row else 0,
            "current": row["event"] == this,
        }
        for row in prepared.select(store, "event-editions", this=this)
    ]


def _event_documents(store: GraphStore, this: URIRef, href: Href) -> list[Listed]:
    rows = prepared.select(store, "event-documents", this=this)
    return _listed(rows, href, "how")[:LIST_LIMIT]


def _by_year(store: GraphStore, this: URIRef, href: Href) -> tuple[list[YearGroup], int, int]:
    rows = prepared.select(store, "concept-documents", this=this)
    groups: dict[str | None, YearGroup] = {}
    documents: set[str] = set()
    calls: set[str] = set()
    for row in rows:
        date = _date_text(row.get("date"))
        year = _year_of(date)
        group = groups.setdefault(year, YearGroup(year))
        doc = term_view(row["document"], row.get("title"), href)
        assert isinstance(doc, Ref)
        if "call" in row:
            if str(row["call"]) not in calls:
                calls.add(str(row["call"]))
                call = term_view(row["call"], None, href)
                assert isinstance(call, Ref)
                group.calls.append((call, str(row.get("callText", "")), Listed(doc, date)))
        elif doc.iri not in documents:
            documents.add(doc.iri)
            group.documents.append(Listed(doc, date))
    ordered = sorted(groups.values(), key=lambda g: g.year or "", reverse=True)
    return ordered, len(documents), len(calls)
