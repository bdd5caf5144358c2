"""Linking to ungraph and using its data without knowing RDF: the versioned JSON-LD context at
a stable address (``/context/0.1.jsonld``), each document as one framed JSON-LD object
(``/data/document/{slug}.framed.jsonld``), and the "Link to ungraph" page (``/link``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import URIRef
from werkzeug.wrappers import Response as BaseResponse

from ungraph import __version__
from ungraph.export import jsonld_context
from ungraph.formats import HTML, JSONLD, NTRIPLES
from ungraph.resources import sparql_query
from ungraph.store import GraphResult, GraphStore, SelectResult, StoreError
from ungraph.web import prepared
from ungraph.web.addresses import (
    base_iri,
    data_href,
    iri_of,
    local_path,
    page_href,
    split_suffix,
)
from ungraph.web.resources import knows
from ungraph.web.state import current_store

bp = Blueprint("linking", __name__)

FRAMES = Path(__file__).resolve().parent / "frames"
CONTEXT_MEDIA_TYPE = "application/ld+json"
FRAMED_PROFILE = "http://www.w3.org/ns/json-ld#framed"


def context_version(version: str = __version__) -> str:
    """The context's version: major.minor of the ontology's version (``0.1`` for 0.1.3).

    The context changes only by adding terms within a version, so a client that fetched
    ``/context/0.1.jsonld`` once can rely on every term it knew.

    >>> context_version("0.1.3")
    '0.1'
    """
    return ".".join(version.split(".")[:2])


def context_address() -> str:
    """The stable IRI of the current context: ``{base}context/{major.minor}.jsonld``."""
    return f"{base_iri()}context/{context_version()}.jsonld"


def _context(store: GraphStore) -> dict[str, Any]:
    # The same context `ungraph export` writes: the ontology's terms and every ung: term the
    # data uses (so that a term the data holds never falls out of the context).
    result = store.query(sparql_query("void-terms"))
    terms = (
        [str(row[0]) for row in result if row[0] is not None]
        if isinstance(result, SelectResult)
        else []
    )
    return jsonld_context(terms)


def current_context() -> dict[str, Any]:
    """The JSON-LD context of the store being served, computed once per store version."""
    current_store()
    context: dict[str, Any] = current_app.extensions["ungraph"].cached("linking.context", _context)
    return context


@cache
def document_query() -> str:
    """The CONSTRUCT query of the graph a framed document nests (``web/frames/document.rq``)."""
    return (FRAMES / "document.rq").read_text("utf-8")


@cache
def document_frame() -> dict[str, Any]:
    """The frame of a document's JSON-LD (``web/frames/document.frame.jsonld``): its own
    context (short names, reverse links for calls to action and evidence) and the shape."""
    loaded: dict[str, Any] = json.loads((FRAMES / "document.frame.jsonld").read_text("utf-8"))
    return loaded


def framed_document(expanded: list[Any] | dict[str, Any], iri: str) -> dict[str, Any]:
    """The document ``iri`` of ``expanded`` (JSON-LD of its data document) as one nested
    object: the document, its speech acts with speaker, deliverer and event, its calls to
    action with what they concern, every linked resource with its label, and the evidence
    of each link with its passage. The context is the versioned one, by address, plus the
    frame's own short names."""
    address = context_address()
    served = current_context()
    frame = copy.deepcopy(document_frame())
    local = frame.pop("@context")
    frame = {"@context": [address, local], "@id": iri, **frame}

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        # Only our own context is ever loaded, from memory: nothing is fetched.
        if url != address:
            raise jsonld.JsonLdError(
                f"remote context {url} refused: only {address} is known",
                "jsonld.LoadDocumentError",
                code="loading remote context failed",
            )
        return {"contextUrl": None, "documentUrl": url, "document": served}

    framed: dict[str, Any] = jsonld.frame(
        expanded,
        frame,
        {"documentLoader": loader, "embed": "@always", "omitGraph": True},
    )
    return framed


@cache
def replaced_by_query() -> str:
    """The query of a deprecated IRI's successor (``web/frames/replaced-by.rq``)."""
    return (FRAMES / "replaced-by.rq").read_text("utf-8")


def successor(store: GraphStore, iri: str) -> str | None:
    """The IRI that replaces ``iri`` when the store marks it ``owl:deprecated`` with a
    ``dct:isReplacedBy``, else None."""
    try:
        text = prepared.bind(replaced_by_query(), {"this": URIRef(iri)})
    except prepared.ParameterError:
        return None
    result = store.query(text)
    if not isinstance(result, SelectResult):
        return None
    for (found,) in result:
        return str(found) if found is not None else None
    return None


DEREFERENCING = ("/id/", "/page/", "/data/")
"""The paths under which IRIs of the graph are served (web/resources.py)."""


@bp.before_app_request
def _deprecated() -> BaseResponse | None:
    """The stability promise: the address of a deprecated IRI answers 301 Moved Permanently to
    the same kind of address of its successor (suffix kept), or to the successor's page."""
    path = request.path
    prefix = next((p for p in DEREFERENCING if path.startswith(p)), None)
    if prefix is None or len(path) == len(prefix):
        return None
    handle = current_app.extensions["ungraph"]
    try:
        store = handle.store
    except StoreError:
        return None  # the view answers 503
    rest = path[len(prefix) :]
    stem, fmt = split_suffix(rest)
    # The path as written, then without a format suffix (the IRI of /data/x.ttl is x).
    candidates = [(rest, "")] + ([(stem, "." + rest.rpartition(".")[2])] if fmt else [])
    for candidate, suffix in candidates:
        new = successor(store, iri_of(candidate))
        if new is None:
            continue
        local = local_path(new)
        target = f"{prefix}{local}{suffix}" if local is not None else page_href(new)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        response = redirect(target, code=301)
        response.headers["Link"] = f'<{new}>; rel="successor-version"'
        return response
    return None


@bp.get("/context/<version>.jsonld")
def context(version: str) -> BaseResponse:
    """The versioned JSON-LD context, for ``"@context": "{base}context/0.1.jsonld"``."""
    if version != context_version():
        abort(
            404,
            description=f"no context version {version}; the current one is "
            f"{context_version()} at {url_for('linking.context', version=context_version())}",
        )
    body = json.dumps(current_context(), indent=2, ensure_ascii=False) + "\n"
    response = Response(body, mimetype=CONTEXT_MEDIA_TYPE)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Location"] = url_for("linking.context", version=version)
    return response


@bp.get("/data/document/<slug>.framed.jsonld")
def framed(slug: str) -> BaseResponse:
    """A document as one framed JSON-LD object (``profile`` ``json-ld#framed``)."""
    store = current_store()
    iri = iri_of(f"document/{slug}")
    if not knows(store, iri):
        abort(404, description=f"the graph has no document {iri}")
    result = store.query(prepared.bind(document_query(), {"this": URIRef(iri)}))
    if not isinstance(result, GraphResult):
        raise StoreError("frames/document.rq is not a CONSTRUCT query")
    # N-Quads into pyld's RDF reader: rdf:type becomes @type and numbers and booleans native
    # JSON values, which a reader of JSON expects.
    nquads = b"".join(result.serialize(NTRIPLES)).decode("utf-8")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": True})
    body = framed_document(expanded, iri)
    response = Response(
        json.dumps(body, indent=1, ensure_ascii=False) + "\n",
        mimetype=JSONLD.media_type,
    )
    response.headers["Content-Type"] = f'{JSONLD.media_type}; profile="{FRAMED_PROFILE}"'
    response.headers["Link"] = (
        f'<{page_href(iri)}>; rel="alternate"; type="text/html", '
        f'<{data_href(iri, JSONLD)}>; rel="alternate"; type="{JSONLD.media_type}", '
        f"<{url_for('linking.context', version=context_version())}>; "
        'rel="http://www.w3.org/ns/json-ld#context"'
    )
    return response


@bp.get("/link")
def link() -> BaseResponse:
    """The "Link to ungraph" page: URI policy, stability promise, citing, examples."""
    html = render_template(
        "link.html",
        base=base_iri(),
        context_address=context_address(),
        context_version=context_version(),
    )
    return Response(html, mimetype=HTML.media_type)
