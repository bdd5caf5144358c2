"""Resource pages: labels, types, links both ways, the document text with its evidence
highlighted and cross-linked with the facts, posts over time, editions, concepts by year."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from ungraph.iris import sdg_iri
from ungraph.namespaces import OA
from ungraph.web.pages import INCOMING_PAGE

if TYPE_CHECKING:
    from tests.web.conftest import Fixture


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _page(client: FlaskClient, url: str, **params: str) -> BeautifulSoup:
    response = client.get(url, query_string=params or None)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _section(soup: BeautifulSoup, heading_id: str) -> Tag:
    heading = soup.find(id=heading_id)
    assert heading is not None, heading_id
    section = heading.find_parent("section")
    assert isinstance(section, Tag)
    return section


def _attr(tag: Tag, name: str) -> str:
    """A single-valued attribute of ``tag`` (bs4 types every attribute as maybe a list)."""
    value = tag[name]
    assert isinstance(value, str), (name, value)
    return value


def test_page_is_accessible_html(client: FlaskClient) -> None:
    soup = _page(client, "/page/document/sg-sm-1001")
    assert soup.html is not None and soup.html["lang"] == "en"
    assert soup.find("main", id="main") is not None
    assert soup.find("nav", attrs={"aria-label": "Site"}) is not None
    skip = soup.find("a", class_="skip")
    assert isinstance(skip, Tag) and skip["href"] == "#main"
    assert len(soup.find_all("h1")) == 1
    for control in soup.find_all(["input", "select", "textarea"]):
        if control.get("type") in {"hidden", "submit"}:
            continue
        # Labelled by a <label for> naming its id, by an enclosing <label>, or by aria-label;
        # a control without an id is never taken as labelled by a <label> without "for".
        ident = control.get("id")
        named = isinstance(ident, str) and soup.find("label", attrs={"for": ident}) is not None
        assert named or control.find_parent("label") or control.get("aria-label"), control
    # every table header cell says what it heads
    for th in soup.find_all("th"):
        assert th.get("scope") in {"col", "row"}, th


def test_document_page_label_types_and_speech(client: FlaskClient) -> None:
    soup = _page(client, "/page/document/sg-sm-1001")
    assert soup.h1 is not None
    assert "Secretary-General urges wider broadband access" in soup.h1.get_text()
    types = soup.find(class_="types")
    assert isinstance(types, Tag)
    assert {"Press release", "Message", "Document"} <= {a.get_text() for a in types.find_all("a")}
    speech = _section(soup, "speech-h")
    cells = [td.get_text(" ", strip=True) for td in speech.find_all("td")]
    assert cells[0] == "Ban Ki-moon"
    assert "Secretary-General of the United Nations" in cells[1]
    assert "“Secretary-General”" in cells[1]
    assert "Wu Hongbo" in cells[2] and "Under-Secretary-General" in cells[2]
    assert cells[3] == "World Internet Conference 2015"
    link = speech.find("a", string="Ban Ki-moon")
    assert isinstance(link, Tag) and link["href"] == "/page/person/ban-ki-moon"


def test_evidence_passages_are_highlighted_and_linked_both_ways(
    client: FlaskClient, fixture_graph: Fixture
) -> None:
    soup = _page(client, "/page/document/sg-sm-1001")
    text = soup.find("div", class_="text")
    assert isinstance(text, Tag)
    # The whole text is shown, in order, with reference marks added after passages.
    shown = "".join(
        node.get_text()
        for node in text.children
        if not (isinstance(node, Tag) and "ref" in (node.get("class") or []))
    )
    assert shown == fixture_graph.text("sg-sm-1001")
    marks = text.find_all("mark")
    highlighted = {m.get_text() for m in marks}
    for passage in ("Ban Ki-moon", "Wu Hongbo", "World Internet Conference", "women and girls"):
        assert passage in highlighted, passage
    # Nested passages: "affordable access" (a theme) inside the target's passage is covered twice.
    nested = next(m for m in marks if m.get_text() == "affordable access")
    assert len(_attr(nested, "data-passages").split()) == 2
    assert "depth-2" in nested["class"]
    # Each passage number links to its facts, and each fact links back to its passage.
    facts = _section(soup, "facts-h")
    for ref in text.find_all("a", class_="ref"):
        number = _attr(ref, "href").removeprefix("#fact-")
        assert _attr(ref, "aria-label").startswith(f"Passage {number}")
        item = facts.find("li", id=f"fact-{number}")
        assert isinstance(item, Tag), number
        back = item.find("a", href=f"#passage-{number}")
        assert isinstance(back, Tag)
        assert text.find(id=f"passage-{number}") is not None
    # The facts say which link each passage supports.
    wu = next(li for li in facts.find_all("li", id=True) if "Wu Hongbo" in li.get_text())
    assert "delivered by" in wu.get_text()
    assert "Attribution pattern" in wu.get_text() and "confidence 1" in wu.get_text()
    target = next(li for li in facts.find_all("li", id=True) if "Target 9.c" in li.get_text())
    # one passage supports the document's link and the call's
    assert "call to action 1" in target.get_text()
    assert len(target.find_all("li")) == 2


def test_passage_outside_the_text_is_listed_not_highlighted(
    fresh_fixture: Fixture, client_on: Callable[..., FlaskClient]
) -> None:
    document = fresh_fixture.id("document/sg-sm-1001")
    graph = fresh_fixture.graphs[str(fresh_fixture.minter.document_graph(document))]
    # Move one passage past the end of the text: the page must say so, not crash or mark.
    selector = next(
        s for s, o in graph.subject_objects(OA.start) if graph.value(s, OA.end) is not None
    )
    graph.set((selector, OA.start, Literal(5000, datatype=XSD.nonNegativeInteger)))
    graph.set((selector, OA.end, Literal(5010, datatype=XSD.nonNegativeInteger)))
    soup = _page(client_on(fresh_fixture.graphs), "/page/document/sg-sm-1001")
    warning = soup.find(class_="warning")
    assert isinstance(warning, Tag)
    assert "not found in the text at 5000–5010" in warning.get_text()
    fact = warning.find_parent("li")
    assert isinstance(fact, Tag)
    assert _attr(fact, "id") not in {
        f"fact-{_attr(a, 'href').removeprefix('#fact-')}" for a in soup.find_all("a", class_="ref")
    }


def test_calls_to_action_section(client: FlaskClient) -> None:
    soup = _page(client, "/page/document/sg-sm-1001")
    calls = _section(soup, "calls-h")
    item = calls.find("li")
    assert isinstance(item, Tag)
    assert "I call on all Governments" in item.get_text()
    assert "Addressee: all Governments" in item.get_text(" ", strip=True)
    concept = item.find("a", string="Target 9.c (test label)")
    assert isinstance(concept, Tag)
    assert concept["href"] == "/page?iri=http%3A%2F%2Fmetadata.un.org%2Fsdg%2F9.c"


def test_outgoing_and_incoming_links_with_labels(client: FlaskClient) -> None:
    soup = _page(client, "/page/person/ban-ki-moon")
    out = _section(soup, "out-h")
    assert "holds" in out.get_text()
    assert out.find("a", string="Secretary-General of the United Nations") is not None
    incoming = _section(soup, "in-h")
    assert incoming.find("a", string="speaker") is not None
    titles = {a.get_text() for a in incoming.find_all("a")}
    assert "Secretary-General urges wider broadband access in message to example forum" in titles


def test_person_posts_over_time_and_statements(client: FlaskClient) -> None:
    soup = _page(client, "/page/person/antonio-guterres")
    posts = _section(soup, "posts-h")
    row = [td.get_text(strip=True) for td in posts.find_all("td")]
    assert row == [
        "Secretary-General of the United Nations",
        "United Nations",
        "2017-01-01",
        "in office",
    ]
    statements = _section(soup, "statements-h")
    assert "Statements (2)" in statements.get_text()
    dates = [t.get_text() for t in statements.find_all("time")]
    assert dates == ["2021-12-07", "2017-12"]  # newest first
    ban = _page(client, "/page/person/ban-ki-moon")
    assert "2016-12-31" in _section(ban, "posts-h").get_text()
    wu = _page(client, "/page/person/wu-hongbo")
    assert "(deliverer)" in _section(wu, "statements-h").get_text()


def test_event_series_lists_editions(client: FlaskClient) -> None:
    soup = _page(client, "/page/event-series/igf")
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in _section(soup, "editions-h").find_all("tr")[1:]
    ]
    assert [r[0] for r in rows] == ["2017", "2021"]
    assert [r[1] for r in rows] == ["12", "16"]
    assert [r[4] for r in rows] == ["1", "1"]


def test_event_page_marks_itself_among_editions_and_lists_documents(client: FlaskClient) -> None:
    soup = _page(client, "/page/event/igf-2021")
    current = _section(soup, "editions-h").find("tr", attrs={"aria-current": "page"})
    assert isinstance(current, Tag) and "2021" in current.get_text()
    documents = _section(soup, "event-docs-h")
    assert "Remarks of the Secretary-General at an example forum" in documents.get_text()


def test_sdg_target_page_lists_documents_and_calls_by_year(client: FlaskClient) -> None:
    soup = _page(client, "/page", iri=str(sdg_iri("9.c")))
    years = _section(soup, "years-h")
    assert "1 document, 2 calls to action." in years.get_text()
    headings = [h.get_text() for h in years.find_all("h3")]
    assert headings == ["2021", "2015"]
    calls = [q.get_text() for q in years.find_all("q")]
    assert "We must close the digital divide together." in calls


def test_action_line_page_by_year(client: FlaskClient) -> None:
    soup = _page(client, "/page/wsis/C7.3")
    assert (
        soup.h1 is not None and "C7.3" in soup.h1.get_text() and "E-business" in soup.h1.get_text()
    )
    years = _section(soup, "years-h")
    assert [h.get_text() for h in years.find_all("h3")] == ["2021"]


def test_incoming_links_are_paged(
    fixture_graph: Fixture, client_on: Callable[..., FlaskClient]
) -> None:
    hub = fixture_graph.id("theme/crowded")
    graph = Graph()
    graph.add((hub, RDFS.label, Literal("Crowded")))
    for n in range(INCOMING_PAGE + 7):
        graph.add((URIRef(f"http://example.org/s{n:03d}"), RDFS.seeAlso, hub))
    client = client_on({"http://example.org/g": graph})
    first = _page(client, "/page/theme/crowded")
    incoming = _section(first, "in-h")
    assert f"Links to it ({INCOMING_PAGE + 7})" in incoming.get_text()
    assert len(incoming.find_all("li")) == INCOMING_PAGE
    next_link = incoming.find("a", rel="next")
    assert isinstance(next_link, Tag)
    second = _page(client, _attr(next_link, "href").split("#")[0])
    items = _section(second, "in-h").find_all("li")
    assert len(items) == 7
    assert _section(second, "in-h").find("a", rel="next") is None
    assert client.get("/page/theme/crowded?in=x").status_code == 400
