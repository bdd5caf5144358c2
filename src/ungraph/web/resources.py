"""Dereferenceable IRIs: ``/id/...`` answers 303 See Other to the page or the data document
the client asks for; ``/page/...`` and ``/data/...`` are those documents."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from rdflib import URIRef
from werkzeug.wrappers import Response as BaseResponse

from ungraph.formats import HTML, Format, UnknownFormat, negotiate
from ungraph.store import GraphStore
from ungraph.web import prepared
from ungraph.web.addresses import (
    DATA_ONLY,
    PAGE_AND_DATA,
    alternates,
    base_iri,
    data_href,
    format_parameter,
    iri_of,
    page_href,
    split_suffix,
)
from ungraph.web.pages import describe
from ungraph.web.prepared import ParameterError
from ungraph.web.state import current_store

bp = Blueprint("resources", __name__)


def knows(store: GraphStore, iri: str) -> bool:
    """Whether the store has any statement with ``iri`` as subject or object."""
    try:
        return prepared.ask(store, "resource-exists", this=URIRef(iri))
    except ParameterError:
        return False


def _known_or_404(store: GraphStore, iri: str) -> None:
    if not knows(store, iri):
        abort(404, description=f"the graph has no resource {iri}")


def requested_format(candidates: tuple[Format, ...]) -> Format:
    """The format ``?format=`` names, else the one the ``Accept`` header prefers; 400/406."""
    named = request.args.get("format")
    if named:
        try:
            fmt = format_parameter(named)
        except UnknownFormat as error:
            abort(400, description=str(error))
        if fmt not in candidates:
            abort(406, description=f"{fmt.label} is not available here")
        return fmt
    chosen = negotiate(request.headers.get("Accept"), candidates)
    if chosen is None:
        offered = ", ".join(f.media_type for f in candidates)
        abort(406, description=f"none of the accepted media types is available; offered: {offered}")
    return chosen


def _see_other(iri: str) -> BaseResponse:
    fmt = requested_format(PAGE_AND_DATA)
    target = page_href(iri) if fmt is HTML else data_href(iri, fmt)
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = alternates(iri, page=True)
    return response


@bp.get("/id/<path:path>")
def identifier(path: str) -> BaseResponse:
    """303 to the page or the data; ``/id/x.ttl`` (a suffix of the format table) is the data."""
    store = current_store()
    iri = iri_of(path)
    if knows(store, iri):
        return _see_other(iri)
    stem, fmt = split_suffix(path)
    if fmt is not None and knows(store, iri_of(stem)):
        if fmt is HTML:
            return redirect(page_href(iri_of(stem)), code=303)
        return _data_response(store, iri_of(stem), fmt, negotiated=False)
    abort(404, description=f"the graph has no resource {iri}")


@bp.get("/data/<path:path>")
def data(path: str) -> BaseResponse:
    """The data document of ``{base}id/{path}``: ``/data/x.ttl``, or ``/data/x`` negotiated."""
    store = current_store()
    stem, fmt = split_suffix(path)
    if fmt is None:
        iri = iri_of(path)
        _known_or_404(store, iri)
        return _data_response(store, iri, requested_format(DATA_ONLY), negotiated=True)
    iri = iri_of(stem)
    _known_or_404(store, iri)
    if fmt is HTML:
        return redirect(page_href(iri), code=303)
    return _data_response(store, iri, fmt, negotiated=False)


@bp.get("/data")
def data_of() -> BaseResponse:
    """The data document of any IRI the store knows (``?iri=``), e.g. an SDG target's."""
    iri = _iri_parameter()
    store = current_store()
    _known_or_404(store, iri)
    fmt = requested_format(DATA_ONLY)
    return _data_response(store, iri, fmt, negotiated="format" not in request.args)


@bp.get("/graph/<path:path>")
def graph(path: str) -> BaseResponse:
    """A named graph's IRI (``{base}graph/...``): its content, in the RDF format asked for."""
    store = current_store()
    stem, fmt = split_suffix(path)
    iri = URIRef(f"{base_iri()}graph/{stem if fmt is not None else path}")
    try:
        exists = prepared.ask(store, "graph-exists", graph=iri)
    except ParameterError:
        exists = False
    if not exists:
        abort(404, description=f"the store has no graph {iri}")
    chosen = fmt if fmt is not None and fmt is not HTML else requested_format(DATA_ONLY)
    result = prepared.construct(store, "graph-content", graph=iri)
    response = Response(result.serialize(chosen), mimetype=chosen.media_type)
    if fmt is None:
        response.headers["Vary"] = "Accept"
    return response


@bp.get("/page/<path:path>")
def page(path: str) -> BaseResponse:
    """The HTML page of ``{base}id/{path}``."""
    return _page_response(iri_of(path))


@bp.get("/page")
def page_of() -> BaseResponse:
    """The HTML page of any IRI the store knows (``?iri=``)."""
    return _page_response(_iri_parameter())


def _iri_parameter() -> str:
    iri = request.args.get("iri", "").strip()
    if not iri:
        abort(400, description="give the resource's IRI as ?iri=")
    return iri


def _page_response(iri: str) -> BaseResponse:
    store = current_store()
    _known_or_404(store, iri)
    try:
        incoming_page = max(1, int(request.args.get("in", "1")))
    except ValueError:
        abort(400, description="?in= is the page of incoming links, a number from 1")
    view = describe(store, iri, page_href, incoming_page)
    formats = [(fmt, data_href(iri, fmt)) for fmt in DATA_ONLY]

    def pager(number: int) -> str:
        return url_for(
            request.endpoint or "resources.page",
            **{**(request.view_args or {}), **request.args, "in": str(number)},
        )

    html = render_template("resource.html", view=view, formats=formats, pager=pager)
    response = Response(html, mimetype=HTML.media_type)
    response.headers["Link"] = alternates(iri, page=False)
    return response


def _data_response(store: GraphStore, iri: str, fmt: Format, *, negotiated: bool) -> BaseResponse:
    result = prepared.construct(store, "resource-description", this=URIRef(iri))

    def chunks() -> Iterator[bytes]:
        yield from result.serialize(fmt)

    response = Response(chunks(), mimetype=fmt.media_type)
    response.headers["Link"] = alternates(iri, page=True)
    response.headers["Content-Location"] = data_href(iri, fmt)
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response
