"""Cross-document conflicts: what a document may contradict about a shared resource, and a
build that reports two documents giving one event edition two countries."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef

from ungraph.build import BuildOptions, build
from ungraph.cli import main
from ungraph.config import Settings
from ungraph.conflicts import shared_facts, single_valued
from ungraph.namespaces import UNG
from ungraph.validate import default_shapes

BASE = "https://w3id.org/ungraph/"
DOC = URIRef(f"{BASE}id/document/d")
EVENT = URIRef(f"{BASE}id/event/internet-governance-forum-2004")


def test_the_shapes_single_valued_properties_include_an_events_country() -> None:
    single = single_valued(default_shapes().original)
    assert UNG.country in single[UNG.Event]
    assert UNG.country in single[UNG.Place]
    assert UNG.location not in single[UNG.Event]  # an event may have several places


def test_only_resources_outside_the_documents_iri_space_are_shared() -> None:
    graph = Graph().parse(
        data=f"""
        @prefix ung: <{UNG}> .
        <{DOC}> a ung:Document ; ung:contentHash "x" .
        <{DOC}/call/1> a ung:CallToAction ; ung:text "Act." .
        <{EVENT}> a ung:Event ; ung:country <{BASE}id/country/grc> ; ung:year "2004" .
        <{BASE}id/event/other> a ung:Event ; ung:location <{BASE}id/place/athens> .
        """,
        format="turtle",
    )
    single = single_valued(default_shapes().original)
    assert shared_facts(graph, DOC, single) == (
        (str(EVENT), str(UNG.country)),
        (str(EVENT), str(UNG.year)),
    )


def _press_release(number: int, dateline: str) -> str:
    return json.dumps(
        {
            "id": f"release-{number}",
            "text": (
                f"{dateline}\n\n30 October 2004\n\n"
                "Secretary-General's message to the Internet Governance Forum\n\n"
                "I call on all Governments to connect every school to the Internet by 2030.\n"
            ),
            "source_url": f"https://press.un.org/en/2004/test{number}.doc.htm",
            "published": "2004-10-30",
            "title": "Secretary-General's message to the Internet Governance Forum",
        }
    )


def test_two_documents_giving_an_event_two_countries_are_reported(
    tmp_path: Path, settings: Settings
) -> None:
    sources = tmp_path / "releases.jsonl"
    sources.write_text(
        _press_release(1, "Athens, Greece")
        + "\n"
        + _press_release(2, "Geneva, Switzerland")
        + "\n",
        "utf-8",
    )
    store = tmp_path / "store"
    report = build(settings, BuildOptions(sources=(str(sources),), store=str(store), workers=0))
    assert report.built == 2 and not report.quarantined  # each graph conforms alone
    [conflict] = report.conflicts
    assert (conflict.focus, conflict.path) == (str(EVENT), str(UNG.country))
    assert conflict.values == (f"<{BASE}id/country/che>", f"<{BASE}id/country/grc>")
    assert [g.rsplit("/", 1)[1] for g in conflict.graphs] == [
        "press-un-org-en-2004-test1-doc-htm",
        "press-un-org-en-2004-test2-doc-htm",
    ]
    assert report.to_json()["conflicts"][0]["path"] == str(UNG.country)
    # A rebuild skips both documents and still sees the conflict they make in the store.
    again = CliRunner().invoke(main, ["build", str(sources), "--store", str(store)])
    assert again.exit_code == 0, again.output
    assert "conflicts  1" in again.output
    assert f"conflict: {EVENT} {UNG.country}: 2 values" in again.output
    # Once the second document agrees, the conflict is gone.
    sources.write_text(
        _press_release(1, "Athens, Greece") + "\n" + _press_release(2, "Athens, Greece") + "\n",
        "utf-8",
    )
    fixed = build(settings, BuildOptions(sources=(str(sources),), store=str(store), workers=0))
    assert (fixed.replaced, fixed.skipped, fixed.conflicts) == (1, 1, [])


def test_documents_that_agree_make_no_conflict(tmp_path: Path, settings: Settings) -> None:
    sources = tmp_path / "releases.jsonl"
    sources.write_text(
        _press_release(1, "Athens, Greece") + "\n" + _press_release(2, "Athens, Greece") + "\n",
        "utf-8",
    )
    report = build(
        settings, BuildOptions(sources=(str(sources),), store=str(tmp_path / "s"), workers=0)
    )
    assert report.built == 2 and report.conflicts == []
