"""The ontology's documentation page, rendered from ``ontology/ungraph.ttl`` with pyLODE."""

from __future__ import annotations

import warnings
from pathlib import Path

from rdflib import Graph

from ungraph.resources import ontology_path


class OntologyDocsError(RuntimeError):
    """The documentation cannot be built (pyLODE missing, the ontology unreadable)."""


def render_ontology_html(ontology: Path | None = None) -> str:
    """Return the HTML documentation page of the ontology (pyLODE's OntPub profile).

    ``ontology`` defaults to the project's ``ontology/ungraph.ttl``. The page is one
    self-contained HTML file (styles inlined), with a section per class and property.
    """
    try:
        from pylode import OntPub
    except ImportError as error:  # an optional dependency: the "docs" extra
        raise OntologyDocsError(
            "pyLODE is not installed; install ungraph with the 'docs' extra "
            f"(pip install 'ungraph[docs]'): {error}"
        ) from error
    source = ontology if ontology is not None else ontology_path()
    try:
        graph = Graph().parse(source, format="turtle")
    except (OSError, SyntaxError, ValueError) as error:
        raise OntologyDocsError(f"{source}: cannot read the ontology: {error}") from error
    with warnings.catch_warnings():
        # pyLODE reads its stylesheet without closing the file; the leak is pyLODE's, and
        # harmless, but the test suite turns every warning into an error.
        warnings.simplefilter("ignore", ResourceWarning)
        html: str = OntPub(graph).make_html(include_css=True)
    return html


def write_ontology_html(out: Path, ontology: Path | None = None) -> Path:
    """Write the documentation page to ``out`` (creating its folder) and return the path."""
    html = render_ontology_html(ontology)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
