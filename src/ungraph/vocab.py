"""Vocabularies as data: the UN SDG KOS, WSIS action lines, population groups, ICT themes,
extraction methods, the registry and the WSIS–SDG matrix, as Python objects and as RDF graphs."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, SKOS
from rdflib.term import Node

from ungraph.config import Settings
from ungraph.iris import Minter, sdg_iri
from ungraph.namespaces import SCHEMA, SDGO, UNBIS, UNG, WD, bind_prefixes
from ungraph.registry import (
    PARTIAL_DATE,
    Registry,
    VocabularyError,
    display_path,
    entries,
    normalize_phrase,
    read_toml,
)
from ungraph.resources import data_dir

SDG_KOS_FILE = "sdg-kos/sdg-kos-goals-targets-indicators.ttl"
SDG_VOID_FILE = "sdg-kos/void.ttl"
UNBIS_FILE = "unbis_ict_subset.tsv"
MATRIX_FILE = "wsis_sdg_matrix.tsv"
SDG_SCHEME = sdg_iri("2030-agenda")
SDG_CODE_COMPACT = SDGO.SDGCodeCompact
ACTION_LINES = 11
SUB_LINES = 8


# ---------------------------------------------------------------------------------------------
# The UN SDG KOS (read by path; its text never enters the repository)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Goal:
    code: str
    iri: URIRef
    label: str
    short_label: str | None
    exact_matches: tuple[URIRef, ...]


@dataclass(frozen=True)
class Target:
    code: str
    goal: str
    iri: URIRef
    label: str
    exact_matches: tuple[URIRef, ...]


@dataclass(frozen=True)
class SdgKos:
    """Goals and targets of the KOS, and the KOS graph as published (see :func:`load_sdg`)."""

    goals: Mapping[str, Goal]
    targets: Mapping[str, Target]
    graph: Graph
    source: Path


def load_sdg(settings: Settings) -> SdgKos:
    """The SDG KOS from ``reference/sdg-kos/``: 17 goals and 169 targets under their UN IRIs.

    A missing dump is a :class:`~ungraph.config.SettingError` naming the ``reference`` setting.
    Where the dump gives a concept two English preferred labels (target 12.3 carries a truncated
    duplicate), the longest is kept, in the objects and in the graph, so that SKOS's "one
    prefLabel per language" holds.
    """
    path = settings.require_file("reference", SDG_KOS_FILE)
    return _load_sdg(path.resolve())


@lru_cache(maxsize=4)
def _load_sdg(path: Path) -> SdgKos:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several parser-specific types
        raise VocabularyError(f"{path}: not valid Turtle ({error})") from error
    _drop_duplicate_pref_labels(graph)
    goals: dict[str, Goal] = {}
    targets: dict[str, Target] = {}
    for iri in sorted(set(graph.subjects(RDF.type, SDGO.Goal)), key=str):
        code = _code(graph, iri)
        goals[code] = Goal(
            code=code,
            iri=_uri(iri),
            label=_english(graph, iri, SKOS.prefLabel) or code,
            short_label=_english(graph, iri, SKOS.altLabel),
            exact_matches=_sorted_uris(graph.objects(iri, SKOS.exactMatch)),
        )
    for iri in sorted(set(graph.subjects(RDF.type, SDGO.Target)), key=str):
        code = _code(graph, iri)
        parent = graph.value(iri, SDGO.isTargetOf) or graph.value(iri, SKOS.broader)
        targets[code] = Target(
            code=code,
            goal=_code(graph, parent) if parent is not None else code.split(".")[0],
            iri=_uri(iri),
            label=_english(graph, iri, SKOS.prefLabel) or code,
            exact_matches=_sorted_uris(graph.objects(iri, SKOS.exactMatch)),
        )
    if not goals or not targets:
        raise VocabularyError(f"{path}: no sdgo:Goal or sdgo:Target found (not the SDG KOS?)")
    return SdgKos(goals=goals, targets=targets, graph=graph, source=path)


def _drop_duplicate_pref_labels(graph: Graph) -> None:
    by_subject: dict[tuple[Node, str | None], list[Literal]] = {}
    for subject, label in graph.subject_objects(SKOS.prefLabel):
        if isinstance(label, Literal):
            by_subject.setdefault((subject, label.language), []).append(label)
    for (subject, _language), labels in by_subject.items():
        for extra in sorted(labels, key=lambda lit: (len(str(lit)), str(lit)))[:-1]:
            graph.remove((subject, SKOS.prefLabel, extra))


def _code(graph: Graph, iri: object) -> str:
    for notation in graph.objects(iri, SKOS.notation):  # type: ignore[arg-type]
        if isinstance(notation, Literal) and notation.datatype == SDG_CODE_COMPACT:
            return str(notation)
    return str(iri).rsplit("/", 1)[-1]


def _english(graph: Graph, iri: object, prop: URIRef) -> str | None:
    labels = [
        str(o)
        for o in graph.objects(iri, prop)  # type: ignore[arg-type]
        if isinstance(o, Literal) and o.language == "en"
    ]
    return max(labels, key=len) if labels else None


def _uri(node: object) -> URIRef:
    if not isinstance(node, URIRef):
        raise VocabularyError(f"expected an IRI, got {node!r}")
    return node


def _sorted_uris(nodes: Iterable[object]) -> tuple[URIRef, ...]:
    return tuple(sorted((n for n in nodes if isinstance(n, URIRef)), key=str))


def sdg_graph(kos: SdgKos, minter: Minter) -> Graph:
    """The KOS as the UN gives it (goals, targets, indicators, with their ``skos:exactMatch`` to
    SDGIO and Wikidata), plus its origin, stated about the named graph ``{base}graph/sdg``."""
    graph = bind_prefixes(Graph())
    for triple in kos.graph:
        graph.add(triple)
    about = minter.graph("sdg")
    graph.add((about, PROV.wasDerivedFrom, SDG_SCHEME))
    graph.add(
        (
            about,
            RDFS.comment,
            Literal(
                "The UN SDG Knowledge Organization System, reused under its own IRIs "
                "(http://metadata.un.org/sdg); not re-minted.",
                lang="en",
            ),
        )
    )
    void = kos.source.parent / Path(SDG_VOID_FILE).name
    if void.is_file():
        described = Graph().parse(void, format="turtle")
        dumps = set(described.objects(None, URIRef("http://rdfs.org/ns/void#dataDump")))
        for dump in sorted(dumps, key=str):
            graph.add((about, DCTERMS.source, dump))
        for licence in sorted(set(described.objects(None, DCTERMS.license)), key=str):
            graph.add((about, DCTERMS.license, licence))
    return graph


# ---------------------------------------------------------------------------------------------
# Hand-written schemes: WSIS action lines, groups, themes, methods
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionLine:
    code: str
    title: str
    itu_title: str | None = None
    parent: str | None = None
    lead: tuple[str, ...] = ()
    co: tuple[str, ...] = ()


@dataclass(frozen=True)
class Concept:
    """A concept of a hand-written SKOS scheme (group, theme or method)."""

    key: str
    label: str
    definition: str
    alt_labels: tuple[str, ...] = ()
    broader: str | None = None
    close_matches: tuple[URIRef, ...] = ()

    @property
    def phrases(self) -> tuple[str, ...]:
        """The label and alternative labels: what a lexicon matches."""
        return (self.label, *self.alt_labels)


def vocab_file(name: str) -> Path:
    return data_dir("vocab") / name


def load_action_lines(registry: Registry, path: Path | None = None) -> tuple[ActionLine, ...]:
    """C1–C11 and C7.1–C7.8 from ``vocab/wsis.toml``; facilitators are registry organizations."""
    path = path or vocab_file("wsis.toml")
    lines: dict[str, ActionLine] = {}
    for entry in entries(path, read_toml(path), "action_line"):
        entry.allow("code", "title", "itu_title", "parent", "lead", "co")
        code = entry.text("code")
        entry.label = f"action_line '{code}'"
        try:
            Minter("https://example.org/").action_line(code)
        except ValueError as error:
            raise entry.error(str(error)) from error
        if code in lines:
            raise entry.error("code is used twice")
        lead, co = entry.texts("lead"), entry.texts("co")
        for key in (*lead, *co):
            if key not in registry.organizations:
                raise entry.error(f"facilitator '{key}' is not an organization key of the registry")
        parent = entry.optional_text("parent")
        if (parent is None) != ("." not in code) or (parent and not code.startswith(parent + ".")):
            raise entry.error(f"parent must be given exactly for sub-lines ({code} → {parent})")
        lines[code] = ActionLine(
            code, entry.text("title"), entry.optional_text("itu_title"), parent, lead, co
        )
    for line in lines.values():
        if line.parent and line.parent not in lines:
            raise VocabularyError(
                f"{display_path(path)}: action_line '{line.code}': "
                f"parent '{line.parent}' is not listed"
            )
    tops = [c for c, line in lines.items() if line.parent is None]
    if len(tops) != ACTION_LINES or len(lines) - len(tops) != SUB_LINES:
        raise VocabularyError(
            f"{display_path(path)}: expected {ACTION_LINES} action lines and "
            f"{SUB_LINES} sub-lines, found {len(tops)} and {len(lines) - len(tops)}"
        )
    return tuple(sorted(lines.values(), key=lambda a: _action_line_order(a.code)))


def _action_line_order(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code[1:].split("."))


def load_unbis(settings: Settings) -> dict[str, URIRef]:
    """UNBIS concepts of the reference subset, by English label and by id, to their IRIs."""
    path = settings.require_file("reference", UNBIS_FILE)
    found: dict[str, URIRef] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            iri = URIRef(row["uri"].strip())
            if not str(iri).startswith(str(UNBIS)):
                raise VocabularyError(f"{path}: {row['uri']!r} is not a UNBIS Thesaurus IRI")
            found[row["label_en"].strip()] = iri
            found[row["unbis_id"].strip()] = iri
    return found


def load_concepts(
    name: str, kind: str, unbis: Mapping[str, URIRef] | None = None, path: Path | None = None
) -> tuple[Concept, ...]:
    """The concepts of ``vocab/{name}`` (``[[kind]]`` tables); ``unbis`` labels resolved to IRIs."""
    path = path or vocab_file(name)
    concepts: dict[str, Concept] = {}
    tables = list(entries(path, read_toml(path), kind))
    for entry in tables:
        allowed = ["key", "label", "alt_labels", "broader", "definition"]
        entry.allow(*allowed, *(["unbis"] if unbis is not None else []))
        key = entry.key()
        if key in concepts:
            raise entry.error(f"key '{key}' is used twice")
        matches = []
        for label in entry.texts("unbis"):
            if unbis is None or label not in unbis:
                raise entry.error(f"unbis '{label}' is not a concept of reference/{UNBIS_FILE}")
            matches.append(unbis[label])
        concepts[key] = Concept(
            key=key,
            label=entry.text("label"),
            definition=entry.text("definition"),
            alt_labels=entry.texts("alt_labels"),
            broader=entry.optional_text("broader"),
            close_matches=tuple(dict.fromkeys(matches)),
        )
    for entry in tables:
        broader = entry.optional_text("broader")
        if broader is not None and broader not in concepts:
            raise entry.error(f"broader '{broader}' is not a {kind} of {name}")
    _check_phrases(path, concepts.values())
    return tuple(concepts.values())


def _check_phrases(path: Path, concepts: Iterable[Concept]) -> None:
    # A lexicon phrase that two concepts share could never be resolved: refuse it at load time.
    owner: dict[str, str] = {}
    for concept in concepts:
        for phrase in concept.phrases:
            key = normalize_phrase(phrase)
            if owner.get(key, concept.key) != concept.key:
                raise VocabularyError(
                    f"{display_path(path)}: '{phrase}' is a phrase of both "
                    f"'{owner[key]}' and '{concept.key}'"
                )
            owner[key] = concept.key


def load_groups(path: Path | None = None) -> tuple[Concept, ...]:
    return load_concepts("groups.toml", "group", path=path)


def load_themes(settings: Settings, path: Path | None = None) -> tuple[Concept, ...]:
    return load_concepts("themes.toml", "theme", unbis=load_unbis(settings), path=path)


def load_methods(path: Path | None = None) -> tuple[Concept, ...]:
    return load_concepts("methods.toml", "method", path=path)


# ---------------------------------------------------------------------------------------------
# The WSIS–SDG matrix (a third-party transcription)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatrixRow:
    action_line: str
    goal: str
    target: str | None
    rationale: str
    source: str
    line: int

    @property
    def repository(self) -> str:
        """The transcription's repository address, from the row's ``source`` column."""
        return "https://" + self.source.split("@", 1)[0].split(" ", 1)[0]


def load_matrix(
    settings: Settings, kos: SdgKos, action_lines: Sequence[ActionLine]
) -> tuple[MatrixRow, ...]:
    """Every row of ``reference/wsis_sdg_matrix.tsv``; a row naming an unknown action line,
    goal or target (or a target of another goal) is an error naming the line."""
    path = settings.require_file("reference", MATRIX_FILE)
    codes = {line.code for line in action_lines}
    rows: list[MatrixRow] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(reader, 2):
            where = f"{path}:{number}"
            code, goal = row["action_line"].strip(), row["sdg_goal"].strip()
            target = (row["sdg_target"] or "").strip() or None
            if code not in codes:
                raise VocabularyError(f"{where}: unknown action line {code!r}")
            if goal not in kos.goals:
                raise VocabularyError(f"{where}: unknown SDG goal {goal!r}")
            if target is not None and (
                target not in kos.targets or kos.targets[target].goal != goal
            ):
                raise VocabularyError(f"{where}: {target!r} is not a target of goal {goal}")
            for column in ("sdg_goal_uri", "sdg_target_uri"):
                iri = (row[column] or "").strip().replace("https://", "http://")
                expected = sdg_iri(goal if column == "sdg_goal_uri" else target or goal)
                if iri and iri != str(expected):
                    raise VocabularyError(f"{where}: {column} {iri} is not {expected}")
            rows.append(
                MatrixRow(
                    code,
                    goal,
                    target,
                    (row["rationale"] or "").strip(),
                    (row["source"] or "").strip(),
                    number,
                )
            )
    return tuple(rows)


# ---------------------------------------------------------------------------------------------
# RDF
# ---------------------------------------------------------------------------------------------
def date_literal(value: str) -> Literal:
    """An ISO date as ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` by its precision.

    >>> date_literal("2014-05").datatype == XSD.gYearMonth
    True
    """
    m = PARTIAL_DATE.match(value)
    if not m:
        raise ValueError(f"not an ISO date: {value!r}")
    kind = XSD.date if m[3] else XSD.gYearMonth if m[2] else XSD.gYear
    return Literal(value, datatype=kind)


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def _scheme(graph: Graph, scheme: URIRef, title: str, description: str) -> None:
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, _en(title)))
    graph.add((scheme, RDFS.label, _en(title)))
    graph.add((scheme, DCTERMS.title, _en(title)))
    graph.add((scheme, DCTERMS.description, _en(description)))


def _concepts(
    graph: Graph,
    scheme: URIRef,
    kind: URIRef,
    concepts: Sequence[Concept],
    mint: Callable[[str], URIRef],
) -> None:
    for concept in concepts:
        node = mint(concept.key)
        graph.add((node, RDF.type, kind))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme))
        graph.add((node, SKOS.prefLabel, _en(concept.label)))
        graph.add((node, RDFS.label, _en(concept.label)))
        graph.add((node, SKOS.definition, _en(concept.definition)))
        for alt in concept.alt_labels:
            graph.add((node, SKOS.altLabel, _en(alt)))
        for match in concept.close_matches:
            graph.add((node, SKOS.closeMatch, match))
        if concept.broader:
            parent = mint(concept.broader)
            graph.add((node, SKOS.broader, parent))
            graph.add((parent, SKOS.narrower, node))
        else:
            graph.add((node, SKOS.topConceptOf, scheme))
            graph.add((scheme, SKOS.hasTopConcept, node))


def vocabulary_graph(
    minter: Minter,
    registry: Registry,
    action_lines: Sequence[ActionLine],
    groups: Sequence[Concept],
    themes: Sequence[Concept],
    methods: Sequence[Concept],
) -> Graph:
    """The WSIS action lines (``{base}id/wsis/C7.3``), population groups (``{base}id/group/…``),
    ICT themes (``{base}id/theme/…``, ``skos:closeMatch`` to UNBIS) and extraction methods
    (``{base}id/method/…``) as SKOS schemes, every type written out."""
    graph = bind_prefixes(Graph())
    wsis = minter.action_line_scheme()
    _scheme(
        graph,
        wsis,
        "WSIS action lines",
        "The action lines of the Geneva Plan of Action (WSIS, 2003) and the eight ICT "
        "applications of action line C7 (codes C7.1–C7.8 are this project's).",
    )
    for line in action_lines:
        node = minter.action_line(line.code)
        for kind in (UNG.ActionLine, SKOS.Concept):
            graph.add((node, RDF.type, kind))
        graph.add((node, SKOS.inScheme, wsis))
        graph.add((node, SKOS.prefLabel, _en(line.title)))
        graph.add((node, RDFS.label, _en(f"{line.code} {line.title}")))
        if line.itu_title and line.itu_title != line.title:
            graph.add((node, SKOS.altLabel, _en(line.itu_title)))
        graph.add((node, SKOS.notation, Literal(line.code)))
        graph.add((node, UNG.code, Literal(line.code)))
        if line.parent:
            parent = minter.action_line(line.parent)
            graph.add((node, SKOS.broader, parent))
            graph.add((parent, SKOS.narrower, node))
        else:
            graph.add((node, SKOS.topConceptOf, wsis))
            graph.add((wsis, SKOS.hasTopConcept, node))
        for key in line.lead:
            graph.add((node, UNG.leadFacilitator, minter.organization(key)))
            graph.add((node, UNG.facilitator, minter.organization(key)))
        for key in line.co:
            graph.add((node, UNG.facilitator, minter.organization(key)))
    for scheme, kind, concepts, mint, title, description in (
        (
            minter.group_scheme(),
            UNG.PopulationGroup,
            groups,
            minter.group,
            "Population groups",
            "Groups of people that UN texts on ICT single out.",
        ),
        (
            minter.theme_scheme(),
            UNG.IctTheme,
            themes,
            minter.theme,
            "ICT themes",
            "Subjects of UN texts on information and communication technologies.",
        ),
        (
            minter.method_scheme(),
            UNG.ExtractionMethod,
            methods,
            minter.method,
            "Extraction methods",
            "How each extracted link of the graph was obtained.",
        ),
    ):
        _scheme(graph, scheme, title, description)
        _concepts(graph, scheme, kind, concepts, mint)
    return graph


def registry_graph(registry: Registry, minter: Minter) -> Graph:
    """People, posts, terms of office, organizations, event series and editions, places and
    countries (``{base}id/{person|post|post-holding|organization|event-series|event|place|
    country}/…``). ``owl:sameAs`` to Wikidata only for entries joined to a verified row of
    ``wikidata_ids.tsv``, with that row's sources kept on a reified statement."""
    graph = bind_prefixes(Graph())

    def named(node: URIRef, label: str, aliases: Iterable[str], *kinds: URIRef) -> None:
        for kind in kinds:
            graph.add((node, RDF.type, kind))
        graph.add((node, RDFS.label, _en(label)))
        graph.add((node, SCHEMA.name, _en(label)))
        for alias in aliases:
            if alias != label:
                graph.add((node, SCHEMA.alternateName, _en(alias)))

    def same_as(node: URIRef, ref: str | None) -> None:
        if ref is None:
            return
        row = registry.wikidata_rows[ref]
        graph.add((node, OWL.sameAs, WD[row.qid]))
        link = URIRef(f"{node}#wikidata")
        graph.add((link, RDF.type, RDF.Statement))
        graph.add((link, RDF.subject, node))
        graph.add((link, RDF.predicate, OWL.sameAs))
        graph.add((link, RDF.object, WD[row.qid]))
        graph.add(
            (
                link,
                RDFS.comment,
                Literal(
                    f"verified identifier: reference/wikidata_ids.tsv row {ref} "
                    f"(line {row.line}), confidence {row.confidence or 'unstated'}"
                ),
            )
        )
        for source in row.sources:
            graph.add((link, DCTERMS.source, Literal(source)))

    for country in registry.countries.values():
        node = minter.country(country.iso3)
        named(
            node,
            country.name,
            country.aliases,
            UNG.Country,
            UNG.Place,
            SCHEMA.Country,
            SCHEMA.Place,
        )
        graph.add((node, UNG.iso3166Alpha3, Literal(country.iso3)))
        same_as(node, country.wikidata_ref)
    for place in registry.places.values():
        node = minter.place(place.key)
        named(node, place.name, place.aliases, UNG.Place, SCHEMA.Place)
        graph.add((node, UNG.country, minter.country(place.country)))
        same_as(node, place.wikidata_ref)
    for org in registry.organizations.values():
        node = minter.organization(org.key)
        named(
            node,
            org.name,
            org.aliases,
            UNG.Organization,
            ORG.Organization,
            FOAF.Organization,
            SCHEMA.Organization,
            PROV.Agent,
        )
        if org.part_of:
            graph.add((node, ORG.subOrganizationOf, minter.organization(org.part_of)))
        same_as(node, org.wikidata_ref)
    for post in registry.posts.values():
        node = minter.post(post.key)
        named(node, post.label, post.aliases, UNG.Post, ORG.Post)
        graph.add((node, UNG.postIn, minter.organization(post.organization)))
        graph.add((node, ORG.postIn, minter.organization(post.organization)))
    for person in registry.people.values():
        node = minter.person(person.key)
        named(node, person.name, person.aliases, UNG.Person, FOAF.Person, SCHEMA.Person, PROV.Agent)
        graph.add((node, FOAF.name, Literal(person.name)))
        same_as(node, person.wikidata_ref)
    for holding in registry.holdings:
        node = minter.post_holding(holding.post, holding.person, holding.start)
        holder, post_node = minter.person(holding.person), minter.post(holding.post)
        for kind in (UNG.PostHolding, SCHEMA.Role, PROV.Entity):
            graph.add((node, RDF.type, kind))
        holder_name = registry.people[holding.person].name
        graph.add((node, RDFS.label, _en(f"{holder_name}, {registry.posts[holding.post].label}")))
        graph.add((node, UNG.holder, holder))
        graph.add((node, UNG.post, post_node))
        graph.add((node, UNG.startDate, date_literal(holding.start)))
        if holding.end:
            graph.add((node, UNG.endDate, date_literal(holding.end)))
        if holding.note:
            graph.add((node, SKOS.note, _en(holding.note)))
        graph.add((holder, UNG.holds, post_node))
        graph.add((holder, ORG.holds, post_node))
    for series in registry.series.values():
        node = minter.event_series(series.key)
        named(node, series.name, series.aliases, UNG.EventSeries, SCHEMA.EventSeries)
        if series.organizer:
            graph.add((node, UNG.organizer, minter.organization(series.organizer)))
        for edition in registry.editions(series.key):
            event = minter.event(series.key, edition.year)
            label = edition.name or f"{series.name} {edition.year}"
            named(event, label, (), UNG.Event, SCHEMA.Event)
            graph.add((event, UNG.inSeries, node))
            graph.add((event, SCHEMA.superEvent, node))
            graph.add((event, UNG.year, Literal(str(edition.year), datatype=XSD.gYear)))
            if edition.ordinal:
                graph.add(
                    (event, UNG.edition, Literal(edition.ordinal, datatype=XSD.positiveInteger))
                )
            if edition.place:
                graph.add((event, UNG.location, minter.place(edition.place)))
            if edition.country:
                graph.add((event, UNG.country, minter.country(edition.country)))
            if edition.start:
                graph.add((event, SCHEMA.startDate, date_literal(edition.start)))
            if edition.end:
                graph.add((event, SCHEMA.endDate, date_literal(edition.end)))
            if edition.online:
                graph.add((event, SCHEMA.eventAttendanceMode, SCHEMA.OnlineEventAttendanceMode))
            if series.organizer:
                graph.add((event, UNG.organizer, minter.organization(series.organizer)))
    return graph


def matrix_graph(rows: Sequence[MatrixRow], minter: Minter) -> Graph:
    """Every matrix row as an ``ung:MatrixLink`` (``{base}id/wsis/{code}/matrix/{goal|target}``)
    plus the direct ``ung:relatedGoal``/``ung:relatedTarget`` links, all marked as coming from
    the uwidcit/WSIS-SDG-Matrix transcription, not from ITU's own file."""
    graph = bind_prefixes(Graph())
    about = minter.graph("matrix")
    note = _en(
        "A third-party, machine-readable transcription (uwidcit/WSIS-SDG-Matrix) of "
        "ITU's WSIS–SDG Matrix; not ITU's own file."
    )
    graph.add((about, RDFS.comment, note))
    for repository in sorted({row.repository for row in rows}):
        graph.add((about, PROV.wasDerivedFrom, URIRef(repository)))
        graph.add((about, DCTERMS.source, URIRef(repository)))
    for row in rows:
        line = minter.action_line(row.action_line)
        concept = row.target or row.goal
        node = URIRef(f"{line}/matrix/{concept}")
        graph.add((node, RDF.type, UNG.MatrixLink))
        graph.add((node, RDF.type, PROV.Entity))
        graph.add((node, RDFS.label, _en(f"{row.action_line} → SDG {concept}")))
        graph.add((node, UNG.matrixActionLine, line))
        graph.add((node, UNG.matrixGoal, sdg_iri(row.goal)))
        graph.add((line, UNG.relatedGoal, sdg_iri(row.goal)))
        if row.target:
            graph.add((node, UNG.matrixTarget, sdg_iri(row.target)))
            graph.add((line, UNG.relatedTarget, sdg_iri(row.target)))
        if row.rationale:
            # Quoted third-party text: a plain string, as for text quoted from documents.
            graph.add((node, UNG.rationale, Literal(row.rationale)))
        graph.add((node, PROV.wasDerivedFrom, URIRef(row.repository)))
        graph.add((node, DCTERMS.source, Literal(row.source)))
        graph.add((node, RDFS.comment, note))
    return graph


def vocabulary_graphs(settings: Settings, minter: Minter) -> dict[str, Graph]:
    """The shared graphs by name (``sdg``, ``vocabulary``, ``registry``, ``matrix``), to be
    loaded as the named graphs ``{base}graph/{name}``."""
    registry = Registry.load(settings)
    kos = load_sdg(settings)
    action_lines = load_action_lines(registry)
    return {
        "sdg": sdg_graph(kos, minter),
        "vocabulary": vocabulary_graph(
            minter, registry, action_lines, load_groups(), load_themes(settings), load_methods()
        ),
        "registry": registry_graph(registry, minter),
        "matrix": matrix_graph(load_matrix(settings, kos, action_lines), minter),
    }


__all__ = [
    "ActionLine",
    "Concept",
    "Goal",
    "MatrixRow",
    "SdgKos",
    "Target",
    "load_action_lines",
    "load_groups",
    "load_matrix",
    "load_methods",
    "load_sdg",
    "load_themes",
    "load_unbis",
    "vocabulary_graphs",
]
