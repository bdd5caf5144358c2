"""The ontology's documentation page: built with pyLODE, naming every class and property."""

from __future__ import annotations

import html
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, Graph

from ungraph.cli import EXIT_ERROR, main
from ungraph.namespaces import UNG
from ungraph.ontology_docs import OntologyDocsError, render_ontology_html
from ungraph.resources import ontology_path


@pytest.fixture(scope="module")
def page() -> str:
    return render_ontology_html()


def test_page_is_titled_and_versioned(page: str) -> None:
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<title>ungraph ontology</title>" in page
    assert "https://w3id.org/ungraph/ontology/0.1.0" in page


def test_page_names_every_class_and_property(page: str) -> None:
    graph = Graph().parse(ontology_path(), format="turtle")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(str(UNG))}
    assert len(terms) > 80
    missing = [
        str(label)
        for term in terms
        for label in graph.objects(term, RDFS.label)
        if html.escape(str(label), quote=False) not in page
    ]
    assert not missing, missing
    for label in ("Speech act", "Post holding", "Evidence annotation", "Call to action"):
        assert label in page


def test_cli_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "ontology.html"
    result = CliRunner().invoke(main, ["ontology-docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Speech act" in out.read_text(encoding="utf-8")
    assert str(out) in result.output


def test_cli_reports_an_unwritable_destination(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(main, ["ontology-docs", "--out", str(blocker / "ontology.html")])
    assert result.exit_code == EXIT_ERROR
    assert str(blocker) in result.output


def test_unreadable_ontology_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ung: <https://w3id.org/ungraph/ontology#> .\nung:X a ", "utf-8")
    with pytest.raises(OntologyDocsError, match=r"broken\.ttl"):
        render_ontology_html(broken)


def test_importing_pylode_leaves_the_callers_logging_alone() -> None:
    # pyLODE runs logging.basicConfig(level=DEBUG) when imported; that only shows in a fresh
    # process (under pytest the root logger already has handlers, so basicConfig does nothing).
    code = (
        "import logging\n"
        "from ungraph.ontology_docs import _import_ont_pub\n"
        "_import_ont_pub()\n"
        "root = logging.getLogger()\n"
        "print(root.level, len(root.handlers))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(logging.WARNING), "0"], done.stdout + done.stderr
