"""The query catalogue on the web: ``/queries`` lists the example queries of ``queries/*.rq``
with their summaries, tags and parameters; ``/queries/NAME`` shows one, a form for its
parameters, and its answer as an HTML table — or as SPARQL JSON, XML, CSV or TSV by suffix
(``.json``, ``.xml``, ``.csv``, ``.tsv``), ``?format=`` or ``Accept``.

Parameters come from the URL (``?target=http://metadata.un.org/sdg/4.4``) and are written into
the query by :func:`ungraph.web.catalogue.bind_parameters`, typed and escaped. The query then
takes the same path as one sent to ``/sparql``: screened, and run by the endpoint's executor
(worker processes with a hard time limit, the row and byte caps).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node
from werkzeug.wrappers import Response as BaseResponse

from ungraph.formats import (
    HTML,
    RDF_FORMATS,
    RESULT_FORMATS,
    RESULTS_JSON,
    Format,
    Kind,
    UnknownFormat,
    by_extension,
    by_media_type,
    by_name,
    negotiate,
)
from ungraph.store import StoreError
from ungraph.web.addresses import page_href
from ungraph.web.catalogue import (
    CatalogueQuery,
    ParameterValueError,
    bind_parameters,
    catalogue,
    find,
)
from ungraph.web.executor import Answer, BufferedAnswer
from ungraph.web.handle import StoreHandle
from ungraph.web.http import add_vary, error_response
from ungraph.web.lexer import ScreeningError, screen
from ungraph.web.pages import Term, term_view
from ungraph.web.sparql import EXECUTOR, StreamAborted, endpoint_base
from ungraph.web.worker import QueryFailed, QueryJob

bp = Blueprint("catalogue_views", __name__)

RESERVED = frozenset({"format"})
"""URL parameters that are not query parameters."""
SHOWN_ROWS = 1000
"""Rows the HTML table shows at most; the other formats give them all (within the caps)."""


@dataclass(frozen=True)
class Table:
    """A SELECT answer for the page: column names, rows of terms (None when unbound), the
    number of rows in the answer, and the boolean of an ASK."""

    columns: list[str]
    rows: list[list[Term | None]]
    total: int
    boolean: bool | None = None


def _term(value: Mapping[str, str]) -> Node:
    """An rdflib term from one binding of SPARQL JSON results."""
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if "xml:lang" in value:
        return Literal(text, lang=value["xml:lang"])
    datatype = value.get("datatype")
    return Literal(text, datatype=URIRef(datatype) if datatype else None)


def results_table(body: bytes, shown: int = SHOWN_ROWS) -> Table:
    """SPARQL JSON results as a :class:`Table` of at most ``shown`` rows, linked to pages."""
    data = json.loads(body)
    if "boolean" in data:
        return Table([], [], 0, bool(data["boolean"]))
    columns = list(data["head"].get("vars", []))
    bindings = data["results"]["bindings"]
    rows = [
        [term_view(_term(row[name]), None, page_href) if name in row else None for name in columns]
        for row in bindings[:shown]
    ]
    return Table(columns, rows, len(bindings))


def _query_or_404(name: str) -> CatalogueQuery:
    query = find(name)
    if query is None:
        abort(404, description=f"the catalogue has no query {name!r}; /queries lists them")
    return query


def _parameters() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k not in RESERVED}


def _format(suffix: str | None, form: str) -> Format:
    """The answer's format: the URL suffix, else ``?format=``, else ``Accept`` (HTML first)."""
    graph = form in ("construct", "describe")
    candidates = (HTML, *(RDF_FORMATS if graph else RESULT_FORMATS))
    if suffix is not None:
        # The query's own kind of format first: .xml is SPARQL XML for a SELECT.
        kinds: tuple[Kind, ...] = (
            ("rdf", "page", "results") if graph else ("results", "page", "rdf")
        )
        try:
            fmt = by_extension(suffix, kinds=kinds[:2])
        except UnknownFormat:
            try:
                fmt = by_extension(suffix, kinds=kinds[2:])
            except UnknownFormat:
                abort(404, description=f"no format has the suffix .{suffix}")
    elif request.args.get("format"):
        named = request.args["format"]
        try:
            fmt = by_media_type(named) if "/" in named else by_name(named)
        except UnknownFormat as error:
            abort(400, description=str(error))
    else:
        chosen = negotiate(request.headers.get("Accept"), candidates)
        if chosen is None:
            offered = ", ".join(f.media_type for f in candidates)
            abort(406, description=f"none of the accepted media types fits; offered: {offered}")
        return chosen
    if fmt not in candidates:
        offered = ", ".join(f.name for f in candidates)
        abort(406, description=f"a {form.upper()} answer cannot be {fmt.label}; use {offered}")
    return fmt


@bp.get("/queries")
def listing() -> BaseResponse:
    """The catalogue: HTML, or JSON (``Accept: application/json`` or ``/queries.json``)."""
    fmt = negotiate(request.headers.get("Accept"), (HTML, RESULTS_JSON))
    if fmt is RESULTS_JSON:
        return listing_json()
    html = render_template("queries.html", queries=catalogue())
    return add_vary(Response(html, mimetype=HTML.media_type), "Accept")


@bp.get("/queries.json")
def listing_json() -> BaseResponse:
    """The catalogue as JSON: name, summary, description, tags, parameters, addresses."""
    entries = [
        {
            "name": q.name,
            "summary": q.summary,
            "description": q.description,
            "tags": list(q.tags),
            "parameters": [p.to_json() for p in q.parameters],
            "federated": q.federated,
            "page": url_for("catalogue_views.query", name=q.name, _external=True),
            "query": q.text,
        }
        for q in catalogue()
    ]
    return current_app.response_class(
        json.dumps(entries, ensure_ascii=False, indent=1), mimetype="application/json"
    )


@bp.get("/queries/<name>")
def query(name: str) -> BaseResponse:
    """One catalogue query: its page with its answer, or the answer alone (``NAME.csv``...)."""
    stem, dot, suffix = name.partition(".")
    entry = _query_or_404(stem)
    values = _parameters()
    try:
        text = bind_parameters(entry, values, str(current_app.config["UNGRAPH_BASE_IRI"]))
    except ParameterValueError as error:
        return _failed(entry, values, 400, str(error), suffix or None)
    try:
        form = screen(text, endpoint_base()).form or "select"
    except ScreeningError as error:
        if entry.federated:
            detail = (
                f"{entry.name} is a federated query (SERVICE): this server never sends requests "
                "to other services; run it on an endpoint that allows federation"
            )
            return _failed(entry, values, 400, detail, suffix or None, federated=True)
        return _failed(entry, values, error.status, str(error), suffix or None)
    fmt = _format(suffix if dot else None, form)
    if fmt is HTML:
        return _page(entry, values, text, form)
    try:
        answer = _run(text, form, fmt)
    except QueryFailed as failure:
        return _error(failure)
    except StoreError as error:
        abort(503, description=f"the store cannot be read: {error}")
    metrics = current_app.extensions["ungraph.metrics"]
    media = fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")
    if isinstance(answer, BufferedAnswer):
        metrics.queries.labels(form, "ok").inc()
        response = Response(answer.body(), content_type=media)
    else:
        response = Response(_relay(answer, form, metrics), content_type=media)
        response.call_on_close(answer.close)
    if suffix:
        response.headers["Content-Disposition"] = f'inline; filename="{entry.name}.{suffix}"'
    else:
        add_vary(response, "Accept")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _run(text: str, form: str, fmt: Format) -> Answer:
    """Run a bound query as ``/sparql`` runs one: the executor, its time limit and caps."""
    handle: StoreHandle = current_app.extensions["ungraph"]
    config = current_app.config
    job = QueryJob(
        sparql=text,
        form=form,
        format_name=fmt.name,
        base_iri=endpoint_base(),
        max_rows=config["UNGRAPH_MAX_ROWS"],
        max_bytes=config["UNGRAPH_MAX_RESULT_BYTES"],
    )
    answer: Answer = handle.extras[EXECUTOR].run(job)
    return answer


def _relay(answer: Answer, form: str, metrics: Any) -> Iterator[bytes]:
    try:
        yield from answer
    except QueryFailed as failure:
        metrics.queries.labels(form, failure.outcome).inc()
        raise StreamAborted(failure.message) from None
    metrics.queries.labels(form, "ok").inc()


def _error(failure: QueryFailed) -> BaseResponse:
    current_app.extensions["ungraph.metrics"].queries.labels("", failure.outcome).inc()
    headers = []
    retry = failure.extra.get("retry_after")
    if retry:
        headers.append(("Retry-After", str(retry)))
    return error_response(failure.status, failure.message, headers=headers, **failure.extra)


def _failed(
    entry: CatalogueQuery,
    values: dict[str, str],
    status: int,
    detail: str,
    suffix: str | None,
    *,
    federated: bool = False,
) -> BaseResponse:
    """A query that cannot run as asked: the JSON error shape, or its page saying why."""
    wants_html = suffix in (None, "html", "htm") and (
        suffix is not None
        or negotiate(request.headers.get("Accept"), (HTML, *RESULT_FORMATS)) is HTML
    )
    if not wants_html:
        return error_response(status, detail)
    html = render_template(
        "query_page.html",
        entry=entry,
        values=values,
        text=entry.text,
        table=None,
        error=None if federated else detail,
        links={},
    )
    return Response(html, status=200 if federated else status, mimetype=HTML.media_type)


def _page(entry: CatalogueQuery, values: dict[str, str], text: str, form: str) -> BaseResponse:
    table: Table | None = None
    error: str | None = None
    status = 200
    run_as = RESULTS_JSON if form in ("select", "ask") else None
    if run_as is None:
        error = "this query builds a graph: get it in an RDF format (the links below)"
    else:
        try:
            answer = _run(text, form, run_as)
            try:
                body = b"".join(answer)
            finally:
                answer.close()
            table = results_table(body)
            current_app.extensions["ungraph.metrics"].queries.labels(form, "ok").inc()
        except QueryFailed as failure:
            current_app.extensions["ungraph.metrics"].queries.labels(form, failure.outcome).inc()
            error, status = failure.message, failure.status
        except StoreError as problem:
            error, status = f"the store cannot be read: {problem}", 503
    formats = RESULT_FORMATS if form in ("select", "ask") else RDF_FORMATS
    query_string = ("?" + urlencode(values)) if values else ""
    addresses = [
        (fmt, url_for("catalogue_views.query", name=f"{entry.name}.{_suffix(fmt)}") + query_string)
        for fmt in formats
    ]
    links = {fmt.label: href for fmt, href in addresses}
    html = render_template(
        "query_page.html",
        entry=entry,
        values=values,
        text=text,
        table=table,
        error=error,
        links=links,
        shown=SHOWN_ROWS,
    )
    response = Response(html, status=status, mimetype=HTML.media_type)
    response.headers["Link"] = ", ".join(
        f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for fmt, href in addresses
    )
    return add_vary(response, "Accept")


def _suffix(fmt: Format) -> str:
    """The suffix a format's answer has here: ``json`` for SPARQL JSON (not ``srj``), else the
    format table's own extension."""
    return "json" if fmt is RESULTS_JSON else "xml" if fmt.name == "xml" else fmt.extension
