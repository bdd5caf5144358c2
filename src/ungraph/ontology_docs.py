"""The ontology's documentation page, rendered from ``ontology/ungraph.ttl`` with pyLODE."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from rdflib import Graph

from ungraph.resources import ontology_path


class OntologyDocsError(RuntimeError):
    """The documentation cannot be built (pyLODE missing, the ontology unreadable)."""


def render_ontology_html(ontology: Path | None = None) -> str:
    """Return the HTML documentation page of the ontology (pyLODE's OntPub profile).

    ``ontology`` defaults to the project's ``ontology/ungraph.ttl``. The page is one
    self-contained HTML file (styles inlined), with a section per class and property.
    """
    ont_pub = _import_ont_pub()
    source = ontology if ontology is not None else ontology_path()
    try:
        graph = Graph().parse(source, format="turtle")
    except (OSError, SyntaxError, ValueError) as error:
        raise OntologyDocsError(f"{source}: cannot read the ontology: {error}") from error
    with warnings.catch_warnings():
        # pyLODE reads its stylesheet without closing the file; the leak is pyLODE's, and
        # harmless, but the test suite turns every warning into an error.
        warnings.simplefilter("ignore", ResourceWarning)
        html: str = ont_pub(graph).make_html(include_css=True)
    return html


def _import_ont_pub() -> Any:
    """pyLODE's OntPub class, imported without the logging set-up pyLODE does on import.

    Importing pyLODE runs ``logging.basicConfig(level=DEBUG)`` (in its supermodel loader),
    which would make every library of the calling process log at debug level to stderr.
    """
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    except ImportError as error:  # an optional dependency: the "docs" extra
        raise OntologyDocsError(
            "pyLODE is not installed; install ungraph with the 'docs' extra "
            f"(pip install 'ungraph[docs]'): {error}"
        ) from error
    finally:
        root.setLevel(level)
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
    return OntPub


def write_ontology_html(out: Path, ontology: Path | None = None) -> Path:
    """Write the documentation page to ``out`` (creating its folder) and return the path."""
    out.parent.mkdir(parents=True, exist_ok=True)  # fails before the seconds of rendering
    out.write_text(render_ontology_html(ontology), encoding="utf-8")
    return out
