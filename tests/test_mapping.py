"""Mapping an extraction to its document graph: every node typed, every link twice (direct triple
and evidence annotation), deterministic IRIs, and a graph the shapes accept."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from ungraph.config import Settings
from ungraph.extract.model import (
    AgentMention,
    CallToAction,
    ConceptMention,
    EntityMention,
    EventMention,
    Evidence,
    Extraction,
    Header,
    HeaderField,
    SdgLink,
    WsisLink,
)
from ungraph.iris import Minter, sdg_iri
from ungraph.mapping import (
    DeferredIndexMemory,
    MappedDocument,
    Run,
    class_types,
    map_document,
    map_extraction,
)
from ungraph.namespaces import OA, SCHEMA, UNDO, UNG
from ungraph.registry import Registry
from ungraph.resources import ontology_path
from ungraph.validate import GraphValidator, TypeIndex, type_index
from ungraph.vocab import vocabulary_graphs

BASE = "https://w3id.org/ungraph/"
MINTER = Minter(BASE)
RUN = Run.create(
    MINTER, "test-run", version="9.9.9", started=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
)
DOC = MINTER.document("SG/SM/99999", None, "x")

# Our own sentences in the register of a UN message (not a corpus document).
TEXT = (
    "SG/SM/99999\n"
    "3 May 2016\n"
    "MESSAGE ON CONNECTING EVERYONE\n"
    "Following is UN Secretary-General Ban Ki-moon's message to the third World Internet "
    "Conference, in Wuzhen, China, delivered by Wu Hongbo, Under-Secretary-General for Economic "
    "and Social Affairs:\n"
    "The 2030 Agenda for Sustainable Development asks us to connect everyone. Broadband must "
    "reach rural communities and women and girls. I call on the International Telecommunication "
    "Union to help close the digital divide. Cybersecurity matters to the Government of France "
    "and to Jane Example, a teacher. We will report on target 9.9 next year."
)


def span(passage: str, after: int = 0) -> Evidence:
    start = TEXT.index(passage, after)
    return Evidence.of(TEXT, start, start + len(passage))


def field(value: str, passage: str | None = None, source: str = "text") -> HeaderField:
    return HeaderField(value, source, span(passage) if passage else None)


@pytest.fixture(scope="module")
def registry(settings: Settings) -> Registry:
    return Registry.load(settings)


@pytest.fixture(scope="module")
def types(settings: Settings) -> TypeIndex:
    graphs = vocabulary_graphs(settings, MINTER)
    return type_index(graphs[name] for name in ("sdg", "vocabulary", "registry"))


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    call = span(
        "I call on the International Telecommunication Union to help close the digital divide."
    )
    return Extraction(
        doc_id="test-message",
        origin="tests/test-message.txt",
        text=TEXT,
        header=Header(
            symbols=(field("SG/SM/99999", "SG/SM/99999"),),
            date=field("2016-05-03", "3 May 2016"),
            title=field("MESSAGE ON CONNECTING EVERYONE", "MESSAGE ON CONNECTING EVERYONE"),
            kind="message",
            is_press_release=True,
            language="en",
        ),
        source_url="https://press.un.org/en/2016/sgsm99999.doc.htm",
        content_hash="a" * 64,
        speakers=(
            AgentMention(
                "Ban Ki-moon",
                "UN Secretary-General",
                span("UN Secretary-General Ban Ki-moon"),
                person_key="ban-ki-moon",
                post_key="un-secretary-general",
            ),
        ),
        delivered_by=(
            AgentMention(
                "Wu Hongbo",
                "Under-Secretary-General for Economic and Social Affairs",
                span("delivered by Wu Hongbo"),
                person_key="wu-hongbo",
                post_key="usg-economic-and-social-affairs",
            ),
        ),
        events=(
            EventMention(
                "World Internet Conference",
                "addressed",
                span("third World Internet Conference, in Wuzhen, China"),
                series="world-internet-conference",
                ordinal=3,
                year=2016,
                place="Wuzhen",
                country="CHN",
            ),
        ),
        entities=(
            EntityMention("Wuzhen", "place", span("Wuzhen"), "wuzhen"),
            EntityMention("China", "country", span("China"), "CHN"),
            EntityMention(
                "Government of France",
                "organization",
                span("Government of France"),
                "government:FRA",
            ),
            EntityMention("Jane Example", "person", span("Jane Example")),
            EntityMention("Ban Ki-moon", "person", span("Ban Ki-moon"), "ban-ki-moon"),
        ),
        sdg=(
            SdgLink("2030-agenda", True, 1.0, span("2030 Agenda for Sustainable Development")),
            SdgLink(
                "9.c",
                False,
                0.62,
                span("Broadband must reach rural communities and women and girls."),
                "topic-tagger",
            ),
            SdgLink("9.9", True, 1.0, span("target 9.9")),
        ),
        wsis=(WsisLink("C5", 0.8, span("Cybersecurity matters")),),
        groups=(
            ConceptMention("rural-communities", "rural communities", span("rural communities")),
            ConceptMention("women-and-girls", "women and girls", span("women and girls")),
        ),
        themes=(
            ConceptMention("cybersecurity", "Cybersecurity", span("Cybersecurity")),
            ConceptMention("digital-divide", "digital divide", span("digital divide")),
            # The same theme again, later: one annotation keeps the first passage.
            ConceptMention("cybersecurity", "Cybersecurity", span("Cybersecurity matters")),
        ),
        calls_to_action=(
            CallToAction(
                call.exact,
                "call",
                call,
                actor="Ban Ki-moon",
                actor_key="ban-ki-moon",
                addressee="the International Telecommunication Union",
                sdg=("9.c",),
                groups=(),
                themes=("digital-divide",),
                confidence=0.95,
            ),
        ),
        ict_related=True,
        ict_score=0.91234567,
    )


@pytest.fixture(scope="module")
def mapped(extraction: Extraction, registry: Registry, types: TypeIndex) -> MappedDocument:
    return map_document(extraction, MINTER, RUN, registry=registry, known=types.__contains__)


@pytest.fixture(scope="module")
def graph(mapped: MappedDocument) -> Graph:
    return mapped.graph


def annotations_of(graph: Graph, subject: URIRef, prop: URIRef) -> Iterator[URIRef]:
    for annotation in graph.subjects(UNG.evidenceFor, subject):
        if (annotation, UNG.linkProperty, prop) in graph:
            assert isinstance(annotation, URIRef)
            yield annotation


def test_document_iri_and_graph_name_follow_the_uri_policy(mapped: MappedDocument) -> None:
    assert str(mapped.iri) == f"{BASE}id/document/sg-sm-99999"
    assert str(mapped.graph_name) == f"{BASE}graph/document/sg-sm-99999"


def test_the_document_carries_every_type_explicitly(graph: Graph) -> None:
    kinds = set(graph.objects(DOC, RDF.type))
    assert {UNG.Document, UNG.Message, UNG.PressRelease, UNDO.PressRelease} <= kinds
    assert {SCHEMA.CreativeWork, PROV.Entity} <= kinds
    assert set(class_types(UNG.PressRelease)) <= kinds


def test_document_description(graph: Graph) -> None:
    assert graph.value(DOC, UNG.primarySymbol) == Literal("SG/SM/99999")
    assert Literal("SG/SM/99999") in set(graph.objects(DOC, UNG.symbol))
    assert graph.value(DOC, DCTERMS.title) == Literal("MESSAGE ON CONNECTING EVERYONE", lang="en")
    assert graph.value(DOC, DCTERMS.date) == Literal("2016-05-03", datatype=XSD.date)
    assert graph.value(DOC, DCTERMS.language) == Literal("en")
    assert graph.value(DOC, UNG.sourceAddress) == URIRef(
        "https://press.un.org/en/2016/sgsm99999.doc.htm"
    )
    assert graph.value(DOC, UNG.text) == Literal(TEXT)
    assert graph.value(DOC, UNG.contentHash) == Literal("a" * 64)
    assert graph.value(DOC, UNG.isIctRelated) == Literal(True)
    score = graph.value(DOC, UNG.ictScore)
    assert isinstance(score, Literal) and score.datatype == XSD.decimal
    assert score.toPython() == Decimal("0.9123")


@pytest.mark.parametrize(
    ("value", "datatype"),
    [("2014-05", XSD.gYearMonth), ("2017", XSD.gYear), ("2017-12-18", XSD.date)],
)
def test_dates_keep_their_precision(extraction: Extraction, value: str, datatype: URIRef) -> None:
    header = replace(extraction.header, date=HeaderField(value, "sidecar"))
    graph = map_extraction(replace(extraction, header=header), MINTER, RUN)
    assert graph.value(DOC, DCTERMS.date) == Literal(value, datatype=datatype)
    # A date from the sidecar has no passage in the text, hence no annotation.
    assert not list(annotations_of(graph, DOC, DCTERMS.date))


def test_the_speech_act_records_speaker_role_deliverer_and_event(graph: Graph) -> None:
    act = MINTER.document_part(DOC, "speech", 1)
    ban, wu = MINTER.person("ban-ki-moon"), MINTER.person("wu-hongbo")
    event = MINTER.event("world-internet-conference", 2016)
    assert (DOC, UNG.recordsSpeechAct, act) in graph
    assert (act, UNG.recordedIn, DOC) in graph
    assert (act, RDF.type, UNG.SpeechAct) in graph
    assert (act, UNG.speaker, ban) in graph and (DOC, UNG.speaker, ban) in graph
    assert (act, PROV.wasAssociatedWith, ban) in graph
    assert (act, UNG.speakerRole, MINTER.post("un-secretary-general")) in graph
    assert graph.value(act, UNG.speakerRoleLabel) == Literal("UN Secretary-General")
    assert (act, UNG.deliveredBy, wu) in graph and (DOC, UNG.deliveredBy, wu) in graph
    assert (act, UNG.delivererRole, MINTER.post("usg-economic-and-social-affairs")) in graph
    assert (act, UNG.addressedTo, event) in graph and (DOC, UNG.addressedTo, event) in graph


def test_people_are_described_minimally_with_registry_names(graph: Graph) -> None:
    ban = MINTER.person("ban-ki-moon")
    assert set(class_types(UNG.Person)) <= set(graph.objects(ban, RDF.type))
    assert graph.value(ban, RDFS.label) == Literal("Ban Ki-moon", lang="en")
    # A person the registry does not know gets an IRI from the normalised name.
    stranger = URIRef(f"{BASE}id/person/jane-example")
    assert (DOC, UNG.mentionsPerson, stranger) in graph
    assert graph.value(stranger, RDFS.label) == Literal("Jane Example", lang="en")
    # Speakers are not also "mentioned".
    assert (DOC, UNG.mentionsPerson, ban) not in graph


def test_registry_edition_of_an_event(graph: Graph) -> None:
    event = MINTER.event("world-internet-conference", 2016)
    series = MINTER.event_series("world-internet-conference")
    assert (event, RDF.type, UNG.Event) in graph
    assert (event, UNG.inSeries, series) in graph
    assert graph.value(event, UNG.year) == Literal("2016", datatype=XSD.gYear)
    assert graph.value(series, RDFS.label) is not None


def test_an_event_outside_the_registry_keeps_what_the_text_says(extraction: Extraction) -> None:
    mention = EventMention(
        "Forum on Digital Futures",
        "mentioned",
        span("digital divide"),
        ordinal=4,
        year=2016,
        place="Wuzhen",
        country="CHN",
        date="2016-05",
        theme="Connecting everyone",
    )
    graph = map_extraction(replace(extraction, events=(mention,)), MINTER, RUN)
    event = URIRef(f"{BASE}id/event/forum-on-digital-futures-2016")
    series = URIRef(f"{BASE}id/event-series/forum-on-digital-futures")
    assert (DOC, UNG.mentionsEvent, event) in graph
    assert graph.value(event, UNG.edition) == Literal(4, datatype=XSD.positiveInteger)
    # An ordinal implies a series, even one the registry does not list.
    assert (event, UNG.inSeries, series) in graph
    assert (series, RDF.type, UNG.EventSeries) in graph
    assert graph.value(event, UNG.location) == URIRef(f"{BASE}id/place/wuzhen")
    assert graph.value(event, UNG.country) == MINTER.country("CHN")
    # The date the text gives is the day of the statement, not the event's start: two
    # documents from two days of one event would otherwise give it two start dates.
    assert graph.value(event, SCHEMA.startDate) is None
    assert graph.value(event, UNG.theme) == Literal("Connecting everyone", lang="en")


def test_places_countries_and_organizations(graph: Graph) -> None:
    china, wuzhen = MINTER.country("CHN"), MINTER.place("wuzhen")
    france = URIRef(f"{BASE}id/organization/government-fra")
    assert (DOC, UNG.mentionsPlace, china) in graph and (DOC, UNG.mentionsPlace, wuzhen) in graph
    assert graph.value(china, UNG.iso3166Alpha3) == Literal("CHN")
    assert (wuzhen, UNG.country, china) in graph
    assert (DOC, UNG.mentionsOrganization, france) in graph
    assert graph.value(france, RDFS.label) == Literal("Government of France", lang="en")


def test_concept_links_go_to_the_un_and_vocabulary_iris(graph: Graph) -> None:
    assert (DOC, UNG.refersTo2030Agenda, sdg_iri("2030-agenda")) in graph
    assert (DOC, UNG.addressesTarget, sdg_iri("9.c")) in graph
    assert (DOC, UNG.addressesActionLine, MINTER.action_line("C5")) in graph
    assert (DOC, UNG.concernsGroup, MINTER.group("women-and-girls")) in graph
    assert (DOC, UNG.hasTheme, MINTER.theme("cybersecurity")) in graph


def test_links_to_concepts_the_vocabulary_lacks_are_left_out_and_reported(
    mapped: MappedDocument,
) -> None:
    assert (DOC, UNG.addressesTarget, sdg_iri("9.9")) not in mapped.graph
    assert any("9.9" in dropped for dropped in mapped.dropped)


def test_the_call_to_action(graph: Graph) -> None:
    call = MINTER.document_part(DOC, "call", 1)
    assert {UNG.Call, UNG.CallToAction} <= set(graph.objects(call, RDF.type))
    assert (call, UNG.inDocument, DOC) in graph
    assert (call, UNG.actor, MINTER.person("ban-ki-moon")) in graph
    assert graph.value(call, UNG.actorLabel) == Literal("Ban Ki-moon")
    assert graph.value(call, UNG.addresseeLabel) == Literal(
        "the International Telecommunication Union"
    )
    # The whole phrase names a registry organization: the addressee resolves to it.
    assert (call, UNG.addressee, MINTER.organization("itu")) in graph
    assert (call, UNG.addressesTarget, sdg_iri("9.c")) in graph
    assert (call, UNG.hasTheme, MINTER.theme("digital-divide")) in graph


LINKS = (
    UNG.speaker,
    UNG.deliveredBy,
    UNG.addressedTo,
    UNG.speakerRole,
    UNG.delivererRole,
    UNG.mentionsEvent,
    UNG.mentionsPlace,
    UNG.mentionsOrganization,
    UNG.mentionsPerson,
    UNG.refersTo2030Agenda,
    UNG.addressesGoal,
    UNG.addressesTarget,
    UNG.addressesActionLine,
    UNG.concernsGroup,
    UNG.hasTheme,
    UNG.actor,
    UNG.addressee,
    UNG.inDocument,
)


def test_every_link_has_an_annotation_carrying_its_evidence(graph: Graph) -> None:
    checked = 0
    for prop in LINKS:
        for subject, value in graph.subject_objects(prop):
            assert isinstance(subject, URIRef)
            found = [
                a for a in annotations_of(graph, subject, prop) if (a, OA.hasBody, value) in graph
            ]
            assert found, f"no evidence for {subject} {prop} {value}"
            for annotation in found:
                assert_annotation(graph, annotation)
            checked += 1
    assert checked >= 20


def assert_annotation(graph: Graph, annotation: URIRef) -> None:
    assert {UNG.EvidenceAnnotation, OA.Annotation} <= set(graph.objects(annotation, RDF.type))
    assert graph.value(annotation, PROV.wasGeneratedBy) == RUN.iri
    assert graph.value(annotation, OA.motivatedBy) in {OA.identifying, OA.classifying, OA.tagging}
    method = graph.value(annotation, UNG.method)
    assert isinstance(method, URIRef) and method.startswith(f"{BASE}id/method/")
    confidence = graph.value(annotation, UNG.confidence)
    assert isinstance(confidence, Literal) and confidence.datatype == XSD.decimal
    assert 0 <= confidence.toPython() <= 1
    target = graph.value(annotation, OA.hasTarget)
    assert (target, RDF.type, OA.SpecificResource) in graph
    assert graph.value(target, OA.hasSource) == DOC
    selectors = set(graph.objects(target, OA.hasSelector))
    (quote,) = [s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph]
    (position,) = [s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph]
    start, end = (graph.value(position, p) for p in (OA.start, OA.end))
    assert isinstance(start, Literal) and start.datatype == XSD.nonNegativeInteger
    assert isinstance(end, Literal) and end.datatype == XSD.nonNegativeInteger
    a, b = int(start), int(end)
    assert str(graph.value(quote, OA.exact)) == TEXT[a:b]
    prefix, suffix = graph.value(quote, OA.prefix), graph.value(quote, OA.suffix)
    assert prefix is None or str(prefix) == TEXT[max(0, a - 32) : a]
    assert suffix is None or str(suffix) == TEXT[b : b + 32]


def test_a_literal_link_is_annotated_with_a_body_value(graph: Graph) -> None:
    (annotation,) = annotations_of(graph, DOC, UNG.symbol)
    assert graph.value(annotation, OA.bodyValue) == Literal("SG/SM/99999")
    assert graph.value(annotation, UNG.method) == MINTER.method("header-rule")


def test_methods_and_motivations_tell_explicit_mentions_from_tagger_output(graph: Graph) -> None:
    (agenda,) = annotations_of(graph, DOC, UNG.refersTo2030Agenda)
    assert graph.value(agenda, UNG.method) == MINTER.method("explicit-mention")
    assert graph.value(agenda, OA.motivatedBy) == OA.classifying
    (tagged,) = annotations_of(graph, DOC, UNG.addressesTarget)
    assert graph.value(tagged, UNG.method) == MINTER.method("topic-tagger")
    assert graph.value(tagged, OA.motivatedBy) == OA.tagging
    assert graph.value(tagged, UNG.confidence) == Literal(Decimal("0.62"), datatype=XSD.decimal)


def test_one_annotation_per_link_keeps_the_first_passage(graph: Graph) -> None:
    theme = MINTER.theme("cybersecurity")
    found = [a for a in annotations_of(graph, DOC, UNG.hasTheme) if (a, OA.hasBody, theme) in graph]
    assert len(found) == 1
    target = graph.value(found[0], OA.hasTarget)
    assert str(target).endswith(
        f"/target/{TEXT.index('Cybersecurity')}-{TEXT.index('Cybersecurity') + 13}"
    )


def test_passages_share_their_target_and_selectors(graph: Graph) -> None:
    call_passage = span("I call on the International")
    targets = {
        t
        for t in graph.subjects(RDF.type, OA.SpecificResource)
        if f"/target/{call_passage.start}-" in str(t)
    }
    assert len(targets) == 1
    assert len(set(graph.subjects(OA.hasTarget, targets.pop()))) >= 4


def test_the_run_and_its_software_agent_are_described(graph: Graph) -> None:
    assert (RUN.iri, RDF.type, UNG.ExtractionRun) in graph
    assert graph.value(RUN.iri, PROV.wasAssociatedWith) == RUN.agent
    assert str(RUN.agent) == f"{BASE}id/agent/ungraph-9-9-9"
    assert graph.value(RUN.agent, SCHEMA.softwareVersion) == Literal("9.9.9")
    assert graph.value(RUN.iri, PROV.startedAtTime) == Literal(
        "2020-01-02T03:04:05+00:00", datatype=XSD.dateTime
    )


def test_mapping_is_deterministic(extraction: Extraction, registry: Registry) -> None:
    one = map_extraction(extraction, MINTER, RUN, registry=registry)
    two = map_extraction(extraction, MINTER, RUN, registry=registry)
    assert set(one) == set(two)
    assert isomorphic(one, two)


def test_a_delegation_speaks_for_its_country(extraction: Extraction) -> None:
    delegation = AgentMention(None, None, span("Government of France"), country="FRA")
    graph = map_extraction(
        replace(extraction, speakers=(delegation,), delivered_by=()), MINTER, RUN
    )
    node = MINTER.delegation("FRA")
    assert (MINTER.document_part(DOC, "speech", 1), UNG.speaker, node) in graph
    assert {UNG.Delegation, UNG.Organization} <= set(graph.objects(node, RDF.type))
    assert graph.value(node, UNG.ofCountry) == MINTER.country("FRA")


def test_a_speaker_nobody_can_be_named_makes_no_speech_act(extraction: Extraction) -> None:
    unknown = AgentMention(None, "Special Envoy", span("Cybersecurity matters"))
    mapped = map_document(replace(extraction, speakers=(unknown,), delivered_by=()), MINTER, RUN)
    assert not list(mapped.graph.subjects(RDF.type, UNG.SpeechAct))
    assert any("Special Envoy" in dropped for dropped in mapped.dropped)


def test_a_document_without_symbol_or_address_keeps_its_source_id(extraction: Extraction) -> None:
    bare = replace(extraction, header=replace(extraction.header, symbols=()), source_url=None)
    graph = map_extraction(bare, MINTER, RUN)
    document = URIRef(f"{BASE}id/document/test-message")
    assert graph.value(document, DCTERMS.identifier) == Literal("test-message")


def test_an_address_with_spaces_becomes_a_valid_iri(extraction: Extraction) -> None:
    graph = map_extraction(replace(extraction, source_url="https://un.org/a page"), MINTER, RUN)
    assert graph.value(DOC, UNG.sourceAddress) == URIRef("https://un.org/a%20page")


def test_unknown_kinds_are_errors_not_silent_guesses(extraction: Extraction) -> None:
    odd = replace(extraction, header=replace(extraction.header, kind="poem"))
    with pytest.raises(ValueError, match="unknown document kind 'poem'"):
        map_extraction(odd, MINTER, RUN)


def test_the_mapped_graph_conforms_to_the_shapes(graph: Graph, types: TypeIndex) -> None:
    validation = GraphValidator(types=types).validate(graph, "test")
    assert validation.conforms, "\n".join(r.describe() for r in validation.results)


def test_a_quote_that_is_not_the_text_between_its_offsets_is_caught(
    extraction: Extraction, types: TypeIndex
) -> None:
    wrong = Evidence(span("Cybersecurity").start, span("Cybersecurity").end, "Cyber-security")
    bad = replace(extraction, wsis=(WsisLink("C5", 0.8, wrong),))
    validation = GraphValidator(types=types).validate(map_extraction(bad, MINTER, RUN), "bad")
    assert not validation.conforms
    assert any(
        r.shape and r.shape.endswith("EvidencePassageShape") and "Cyber-security" in r.message
        for r in validation.results
    )


def test_every_term_the_mapping_writes_is_defined_in_the_ontology(graph: Graph) -> None:
    ontology = Graph().parse(ontology_path(), format="turtle")
    defined = {s for s in ontology.subjects() if isinstance(s, URIRef)}
    used = {p for p in graph.predicates()} | set(graph.objects(None, RDF.type))
    # The mapping's own terms all come from the ontology; others (oa:, prov:...) are aligned to.
    missing = sorted((t for t in used if str(t).startswith(str(UNG)) and t not in defined), key=str)
    assert not missing
    assert len([t for t in used if str(t).startswith(str(UNG))]) >= 40


def test_deferred_index_memory_answers_like_simple_memory() -> None:
    rng = random.Random(7)
    terms: list[Node] = [URIRef(f"http://example.org/{i}") for i in range(6)]
    terms += [Literal(i) for i in range(3)]
    deferred = Graph(store=DeferredIndexMemory())
    plain = Graph(store=SimpleMemory())
    for step in range(600):
        s, p = rng.choice(terms[:6]), rng.choice(terms[:4])
        o = rng.choice(terms)
        action = rng.randrange(10)
        if action < 6:
            deferred.add((s, p, o))
            plain.add((s, p, o))
        elif action < 8:
            pattern = (rng.choice([s, None]), rng.choice([p, None]), rng.choice([o, None]))
            deferred.remove(pattern)
            plain.remove(pattern)
        else:
            pattern = (rng.choice([s, None]), rng.choice([p, None]), rng.choice([o, None]))
            assert set(deferred.triples(pattern)) == set(plain.triples(pattern)), step
        assert len(deferred) == len(plain)
        assert set(deferred) == set(plain)
        assert ((s, p, o) in deferred) == ((s, p, o) in plain)
    # Triples come out in the order they went in.
    ordered = Graph(store=DeferredIndexMemory())
    for i in range(5):
        ordered.add((terms[i], terms[0], Literal(i)))
    assert [o for _s, _p, o in ordered] == [Literal(i) for i in range(5)]
