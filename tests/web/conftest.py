"""Fixtures of the web tests: a small graph shaped like the build's output, a store holding it,
and applications built from the factory on it.

Texts, titles and labels are written for these tests (never copied from UN documents or the SDG
KOS); names of people, posts, events and places are facts. Evidence offsets are computed from the
texts, so they are right by construction; ``oa:exact`` repeats the passage as the mapping does.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from ungraph.iris import Minter, sdg_iri
from ungraph.namespaces import OA, SDGO, UNG
from ungraph.resources import ontology_path
from ungraph.store import begin_build
from ungraph.store.memory import forget_memory_store
from ungraph.web import create_app

DEFAULT_BASE = "https://w3id.org/ungraph/"

TEXT_2015 = (
    "SG/SM/1001\n\n"
    "Secretary-General urges wider broadband access in message to example forum\n\n"
    "The following message from Secretary-General Ban Ki-moon was delivered by Wu Hongbo, "
    "Under-Secretary-General for Economic and Social Affairs, to the World Internet Conference "
    "in Wuzhen, China:\n\n"
    "Broadband networks must reach everyone, including women and girls. I call on all "
    "Governments to invest in affordable access to the Internet by 2020."
)
TEXT_2021 = (
    "SG/SM/2002\n\n"
    "Remarks of the Secretary-General at an example forum on digital cooperation\n\n"
    "Secretary-General António Guterres said today at the Internet Governance Forum that "
    "electronic commerce can lift small firms, and that technology must empower women. "
    "We must close the digital divide together."
)
TEXT_2017 = (
    "SG/SM/3003\n\n"
    "Secretary-General's video message to the Internet Governance Forum\n\n"
    "In a video message, Secretary-General António Guterres told the Internet Governance Forum "
    "that digital skills for women open doors. Let us connect the unconnected."
)


@dataclass
class Fixture:
    """The graphs (named graph IRI -> Graph) and the IRIs the tests look for."""

    base: str
    graphs: dict[str, Graph] = field(default_factory=dict)

    @property
    def minter(self) -> Minter:
        return Minter(self.base)

    def id(self, path: str) -> URIRef:
        return URIRef(f"{self.base}id/{path}")

    def text(self, slug: str) -> str:
        """The text of document ``slug``."""
        document = self.id(f"document/{slug}")
        graph = self.graphs[str(self.minter.document_graph(document))]
        return str(graph.value(document, UNG.text))


class _Doc:
    def __init__(self, fixture: Fixture, slug: str, text: str) -> None:
        self.fixture = fixture
        self.iri = fixture.id(f"document/{slug}")
        self.text = text
        self.graph = Graph()
        self.graph.add((self.iri, UNG.text, Literal(text)))
        self.count = 0
        run = fixture.id("agent/run-test")
        self.run = run
        fixture.graphs[str(fixture.minter.document_graph(self.iri))] = self.graph

    def link(
        self,
        subject: URIRef,
        prop: URIRef,
        body: URIRef,
        exact: str,
        method: str,
        confidence: str = "1.0",
        *,
        nth: int = 0,
    ) -> URIRef:
        """The direct triple and its evidence annotation on the passage ``exact``."""
        start = -1
        for _ in range(nth + 1):
            start = self.text.index(exact, start + 1)
        end = start + len(exact)
        self.count += 1
        key = hashlib.sha256(f"{subject}{prop}{body}{start}{end}".encode()).hexdigest()[:12]
        g = self.graph
        annotation = URIRef(f"{self.iri}/annotation/{key}")
        target = URIRef(f"{self.iri}/target/{key}")
        quote, position = (
            URIRef(f"{self.iri}/selector/{key}q"),
            URIRef(f"{self.iri}/selector/{key}p"),
        )
        g.add((subject, prop, body))
        g.add((annotation, RDF.type, UNG.EvidenceAnnotation))
        g.add((annotation, RDF.type, OA.Annotation))
        g.add((annotation, UNG.evidenceFor, subject))
        g.add((annotation, UNG.linkProperty, prop))
        g.add((annotation, OA.hasBody, body))
        g.add((annotation, UNG.method, self.fixture.id(f"method/{method}")))
        g.add((annotation, UNG.confidence, Literal(confidence, datatype=XSD.decimal)))
        g.add((annotation, OA.motivatedBy, OA.identifying))
        g.add((annotation, PROV.wasGeneratedBy, self.run))
        g.add((annotation, OA.hasTarget, target))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, self.iri))
        g.add((target, OA.hasSelector, quote))
        g.add((target, OA.hasSelector, position))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(exact)))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        g.add((position, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
        return annotation


def _label(g: Graph, node: URIRef, kind: URIRef, label: str, *more: URIRef) -> None:
    g.add((node, RDF.type, kind))
    for extra in more:
        g.add((node, RDF.type, extra))
    g.add((node, RDFS.label, Literal(label)))


def _concept(
    g: Graph, node: URIRef, kind: URIRef, label: str, scheme: URIRef, code: str | None = None
) -> None:
    g.add((node, RDF.type, kind))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    g.add((node, SKOS.inScheme, scheme))
    if code:
        g.add((node, SKOS.notation, Literal(code)))
        if kind == UNG.ActionLine:
            g.add((node, UNG.code, Literal(code)))


def build_fixture(base: str = DEFAULT_BASE) -> Fixture:
    """Three documents (2015, 2017, 2021), their speakers, posts, events, concepts, calls and
    evidence, in named graphs as a build writes them."""
    fx = Fixture(base)
    m = fx.minter
    ontology = Graph().parse(data=ontology_path().read_text("utf-8"), format="turtle")
    fx.graphs[str(m.graph("ontology"))] = ontology

    reg = Graph()
    fx.graphs[str(m.graph("registry"))] = reg
    ban, guterres, wu = m.person("ban-ki-moon"), m.person("antonio-guterres"), m.person("wu-hongbo")
    _label(reg, ban, UNG.Person, "Ban Ki-moon")
    _label(reg, guterres, UNG.Person, "António Guterres")
    _label(reg, wu, UNG.Person, "Wu Hongbo")
    un, itu = m.organization("un"), m.organization("itu")
    _label(reg, un, UNG.Organization, "United Nations")
    _label(reg, itu, UNG.Organization, "International Telecommunication Union")
    sg, usg = m.post("un-sg"), m.post("usg-desa")
    _label(reg, sg, UNG.Post, "Secretary-General of the United Nations")
    _label(reg, usg, UNG.Post, "Under-Secretary-General for Economic and Social Affairs")
    reg.add((sg, UNG.postIn, un))
    reg.add((usg, UNG.postIn, un))
    for post, person, start, end in (
        ("un-sg", "ban-ki-moon", "2007-01-01", "2016-12-31"),
        ("un-sg", "antonio-guterres", "2017-01-01", None),
        ("usg-desa", "wu-hongbo", "2012-07-01", "2017-07-31"),
    ):
        holding = m.post_holding(post, person, start)
        reg.add((holding, RDF.type, UNG.PostHolding))
        reg.add((holding, UNG.post, m.post(post)))
        reg.add((holding, UNG.holder, m.person(person)))
        reg.add((holding, UNG.startDate, Literal(start, datatype=XSD.date)))
        if end:
            reg.add((holding, UNG.endDate, Literal(end, datatype=XSD.date)))
        reg.add((m.person(person), UNG.holds, m.post(post)))
    reg.add((ban, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q1")))  # a stand-in QID
    wic, igf = m.event_series("world-internet-conference"), m.event_series("igf")
    _label(reg, wic, UNG.EventSeries, "World Internet Conference")
    _label(reg, igf, UNG.EventSeries, "Internet Governance Forum")
    wuzhen, china = m.place("wuzhen"), m.country("CHN")
    _label(reg, wuzhen, UNG.Place, "Wuzhen")
    _label(reg, china, UNG.Country, "China", UNG.Place)
    reg.add((wuzhen, UNG.country, china))
    events = {}
    for series, key, year, edition, label in (
        (wic, "world-internet-conference", 2015, 2, "World Internet Conference 2015"),
        (igf, "igf", 2017, 12, "Internet Governance Forum 2017"),
        (igf, "igf", 2021, 16, "Internet Governance Forum 2021"),
    ):
        event = m.event(key, year)
        events[(key, year)] = event
        _label(reg, event, UNG.Event, label)
        reg.add((event, UNG.inSeries, series))
        reg.add((event, UNG.year, Literal(str(year), datatype=XSD.gYear)))
        reg.add((event, UNG.edition, Literal(edition, datatype=XSD.positiveInteger)))
    reg.add((events[("world-internet-conference", 2015)], UNG.location, wuzhen))

    voc = Graph()
    fx.graphs[str(m.graph("vocabulary"))] = voc
    wsis = m.action_line_scheme()
    voc.add((wsis, RDF.type, SKOS.ConceptScheme))
    voc.add((wsis, SKOS.prefLabel, Literal("WSIS action lines", lang="en")))
    _concept(
        voc,
        m.action_line("C2"),
        UNG.ActionLine,
        "Information and communication infrastructure",
        wsis,
        "C2",
    )
    _concept(voc, m.action_line("C7.3"), UNG.ActionLine, "E-business", wsis, "C7.3")
    _concept(
        voc, m.group("women-and-girls"), UNG.PopulationGroup, "Women and girls", m.group_scheme()
    )
    _concept(voc, m.theme("digital-divide"), UNG.IctTheme, "Digital divide", m.theme_scheme())
    for method, label in (
        ("attribution-pattern", "Attribution pattern"),
        ("sdg-tagger", "SDG tagger"),
    ):
        _concept(voc, m.method(method), UNG.ExtractionMethod, label, m.method_scheme())

    sdg = Graph()
    fx.graphs[str(m.graph("sdg"))] = sdg
    kos = sdg_iri("2030-agenda")
    for code, kind in (
        ("9", SDGO.Goal),
        ("9.c", SDGO.Target),
        ("5", SDGO.Goal),
        ("5.b", SDGO.Target),
    ):
        # Test labels, not the KOS's wording.
        _concept(
            sdg,
            sdg_iri(code),
            kind,
            f"{'Goal' if kind == SDGO.Goal else 'Target'} {code} (test label)",
            kos,
            code,
        )
    sdg.add((sdg_iri("9.c"), SKOS.broader, sdg_iri("9")))
    sdg.add((sdg_iri("5.b"), SKOS.broader, sdg_iri("5")))

    _doc_2015(fx, events)
    _doc_2021(fx, events)
    _doc_2017(fx, events)
    return fx


def _document(d: _Doc, kinds: tuple[URIRef, ...], symbol: str, title: str, date: Literal) -> None:
    g = d.graph
    for kind in (UNG.Document, *kinds):
        g.add((d.iri, RDF.type, kind))
    g.add((d.iri, UNG.symbol, Literal(symbol)))
    g.add((d.iri, UNG.primarySymbol, Literal(symbol)))
    g.add((d.iri, DCTERMS.title, Literal(title)))
    g.add((d.iri, DCTERMS.date, date))
    g.add((d.iri, DCTERMS.language, Literal("en")))
    g.add((d.iri, UNG.isIctRelated, Literal(True)))
    g.add(
        (
            d.iri,
            UNG.sourceAddress,
            URIRef(f"https://press.example.org/{symbol.lower().replace('/', '')}.htm"),
        )
    )


def _speech(d: _Doc, n: int) -> URIRef:
    act = URIRef(f"{d.iri}/speech/{n}")
    d.graph.add((act, RDF.type, UNG.SpeechAct))
    d.graph.add((d.iri, UNG.recordsSpeechAct, act))
    d.graph.add((act, UNG.recordedIn, d.iri))
    return act


def _call(d: _Doc, n: int, kind: URIRef, sentence: str) -> URIRef:
    call = URIRef(f"{d.iri}/call/{n}")
    g = d.graph
    g.add((call, RDF.type, UNG.CallToAction))
    g.add((call, RDF.type, kind))
    g.add((call, UNG.inDocument, d.iri))
    g.add((call, UNG.text, Literal(sentence)))
    return call


def _doc_2015(fx: Fixture, events: dict[tuple[str, int], URIRef]) -> None:
    m = fx.minter
    d = _Doc(fx, "sg-sm-1001", TEXT_2015)
    _document(
        d,
        (UNG.PressRelease, UNG.Message),
        "SG/SM/1001",
        "Secretary-General urges wider broadband access in message to example forum",
        Literal("2015-12-16", datatype=XSD.date),
    )
    act = _speech(d, 1)
    d.graph.add((act, UNG.speakerRole, m.post("un-sg")))
    d.graph.add((act, UNG.speakerRoleLabel, Literal("Secretary-General")))
    d.graph.add((act, UNG.delivererRole, m.post("usg-desa")))
    event = events[("world-internet-conference", 2015)]
    d.link(d.iri, UNG.speaker, m.person("ban-ki-moon"), "Ban Ki-moon", "attribution-pattern")
    d.link(act, UNG.speaker, m.person("ban-ki-moon"), "Ban Ki-moon", "attribution-pattern")
    d.link(act, UNG.deliveredBy, m.person("wu-hongbo"), "Wu Hongbo", "attribution-pattern")
    d.link(d.iri, UNG.addressedTo, event, "World Internet Conference", "attribution-pattern")
    d.link(act, UNG.addressedTo, event, "World Internet Conference", "attribution-pattern")
    d.link(d.iri, UNG.mentionsPlace, m.place("wuzhen"), "Wuzhen", "attribution-pattern")
    d.link(
        d.iri,
        UNG.addressesActionLine,
        m.action_line("C2"),
        "Broadband networks",
        "sdg-tagger",
        "0.8",
    )
    d.link(
        d.iri, UNG.concernsGroup, m.group("women-and-girls"), "women and girls", "sdg-tagger", "0.9"
    )
    sentence = "I call on all Governments to invest in affordable access to the Internet by 2020."
    call = _call(d, 1, UNG.Call, sentence)
    d.graph.add((call, UNG.actor, m.person("ban-ki-moon")))
    d.graph.add((call, UNG.actorLabel, Literal("I")))
    d.graph.add((call, UNG.addresseeLabel, Literal("all Governments")))
    # Nested passages: the target's passage contains the theme's.
    d.link(
        call,
        UNG.addressesTarget,
        sdg_iri("9.c"),
        "affordable access to the Internet by 2020",
        "sdg-tagger",
        "0.7",
    )
    d.link(
        d.iri,
        UNG.addressesTarget,
        sdg_iri("9.c"),
        "affordable access to the Internet by 2020",
        "sdg-tagger",
        "0.7",
    )
    d.link(d.iri, UNG.hasTheme, m.theme("digital-divide"), "affordable access", "sdg-tagger", "0.6")


def _doc_2021(fx: Fixture, events: dict[tuple[str, int], URIRef]) -> None:
    m = fx.minter
    d = _Doc(fx, "sg-sm-2002", TEXT_2021)
    _document(
        d,
        (UNG.Remarks,),
        "SG/SM/2002",
        "Remarks of the Secretary-General at an example forum on digital cooperation",
        Literal("2021-12-07", datatype=XSD.date),
    )
    act = _speech(d, 1)
    d.graph.add((act, UNG.speakerRole, m.post("un-sg")))
    event = events[("igf", 2021)]
    d.link(
        d.iri, UNG.speaker, m.person("antonio-guterres"), "António Guterres", "attribution-pattern"
    )
    d.link(
        act, UNG.speaker, m.person("antonio-guterres"), "António Guterres", "attribution-pattern"
    )
    d.link(act, UNG.addressedTo, event, "Internet Governance Forum", "attribution-pattern")
    d.link(
        d.iri,
        UNG.addressesActionLine,
        m.action_line("C7.3"),
        "electronic commerce",
        "sdg-tagger",
        "0.8",
    )
    d.link(
        d.iri,
        UNG.addressesTarget,
        sdg_iri("5.b"),
        "technology must empower women",
        "sdg-tagger",
        "0.75",
    )
    call = _call(d, 1, UNG.Exhortation, "We must close the digital divide together.")
    d.graph.add((call, UNG.actorLabel, Literal("We")))
    d.link(
        call, UNG.addressesTarget, sdg_iri("9.c"), "close the digital divide", "sdg-tagger", "0.6"
    )
    d.link(call, UNG.hasTheme, m.theme("digital-divide"), "digital divide", "sdg-tagger", "0.9")


def _doc_2017(fx: Fixture, events: dict[tuple[str, int], URIRef]) -> None:
    m = fx.minter
    d = _Doc(fx, "sg-sm-3003", TEXT_2017)
    _document(
        d,
        (UNG.Message,),
        "SG/SM/3003",
        "Secretary-General's video message to the Internet Governance Forum",
        Literal("2017-12", datatype=XSD.gYearMonth),
    )
    act = _speech(d, 1)
    event = events[("igf", 2017)]
    d.link(
        d.iri, UNG.speaker, m.person("antonio-guterres"), "António Guterres", "attribution-pattern"
    )
    d.link(
        act, UNG.speaker, m.person("antonio-guterres"), "António Guterres", "attribution-pattern"
    )
    d.link(act, UNG.addressedTo, event, "Internet Governance Forum", "attribution-pattern", nth=1)
    d.link(
        d.iri, UNG.addressesTarget, sdg_iri("5.b"), "digital skills for women", "sdg-tagger", "0.8"
    )
    _call(d, 1, UNG.Exhortation, "Let us connect the unconnected.")


def load_fixture(location: str, fixture: Fixture) -> None:
    """Write the fixture's graphs into the store at ``location`` as one build."""
    with begin_build(location, seed=False) as build:
        for graph, data in fixture.graphs.items():
            build.store.replace_graph(graph, data)


@pytest.fixture(scope="session")
def fixture_graph() -> Fixture:
    return build_fixture()


@pytest.fixture(scope="session")
def web_store(fixture_graph: Fixture) -> Iterator[str]:
    """A memory store holding the fixture graph (read-only for the tests)."""
    name = f"web-{uuid.uuid4().hex}"
    load_fixture(f"memory:{name}", fixture_graph)
    yield f"memory:{name}"
    forget_memory_store(name)


def make_app(store: str, tmp_path: Path, **config: object) -> Flask:
    """An application from the factory on ``store``, with no rate limit and queries run in
    the server process (the endpoint's own tests cover its workers)."""
    settings: dict[str, object] = {
        "UNGRAPH_STORE": store,
        "UNGRAPH_BASE_IRI": DEFAULT_BASE,
        "UNGRAPH_DOWNLOADS": str(tmp_path / "dumps"),
        "UNGRAPH_SEARCH_DIR": str(tmp_path / "search"),
        "UNGRAPH_RATE_LIMIT": 0,
        "UNGRAPH_QUERY_WORKERS": 0,
        "TESTING": True,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(web_store: str, tmp_path: Path) -> Flask:
    return make_app(web_store, tmp_path)


@pytest.fixture
def client_on(tmp_path: Path) -> Iterator[Callable[..., FlaskClient]]:
    """Make a client of an app on a memory store holding the given graphs (name -> Graph)."""
    names: list[str] = []

    def make(graphs: dict[str, Graph], **config: object) -> FlaskClient:
        name = f"web-{uuid.uuid4().hex}"
        names.append(name)
        with begin_build(f"memory:{name}", seed=False) as build:
            for graph, data in graphs.items():
                build.store.replace_graph(graph, data)
        return make_app(f"memory:{name}", tmp_path, **config).test_client()

    yield make
    for name in names:
        forget_memory_store(name)


@pytest.fixture
def fresh_fixture() -> Fixture:
    """A fixture graph of the test's own, to change."""
    return build_fixture()


@pytest.fixture
def other_base_client(client_on: Callable[..., FlaskClient]) -> FlaskClient:
    """A client of an app whose graph was minted under another base IRI."""
    base = "https://example.org/kg/"
    return client_on(build_fixture(base).graphs, UNGRAPH_BASE_IRI=base)
