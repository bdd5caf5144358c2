"""The SPARQL 1.1 endpoint at ``/sparql``: the Protocol's query operation (GET, POST form,
POST ``application/sparql-query``), content negotiation, the Service Description, and the safety
rules (read-only, no SERVICE or LOAD, only graphs of this store, caps and a hard time limit).

See docs/serve.md for the behaviour in full.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ungraph.formats import (
    HTML,
    RDF_FORMATS,
    RESULT_FORMATS,
    Format,
    UnknownFormat,
    by_media_type,
    by_name,
    negotiate,
)
from ungraph.store import GraphStore, StoreError, is_remote
from ungraph.web.description import dataset_facts, service_description
from ungraph.web.executor import Answer, BufferedAnswer, InlineExecutor, QueryPool
from ungraph.web.handle import StoreHandle
from ungraph.web.http import add_vary, error_response
from ungraph.web.lexer import ScreeningError, screen
from ungraph.web.protocol import ProtocolError, read_request
from ungraph.web.worker import QueryFailed, QueryJob

bp = Blueprint("sparql", __name__)
log = logging.getLogger("ungraph.web.sparql")

SELECT_FORMATS: tuple[Format, ...] = RESULT_FORMATS
"""SELECT and ASK answers, in server preference order."""
GRAPH_FORMATS: tuple[Format, ...] = RDF_FORMATS
"""CONSTRUCT and DESCRIBE answers and the service description, in server preference order."""
EXECUTOR = "executor"
"""The key of the query executor in the store handle's extras."""


@bp.record_once
def _setup(state: Any) -> None:
    app = state.app
    handle: StoreHandle = app.extensions["ungraph"]
    config = app.config
    workers = config["UNGRAPH_QUERY_WORKERS"]
    if is_remote(handle.location):
        # The engine runs the queries: no worker processes, the same limits (web/remote.py).
        from ungraph.web.remote import RemoteExecutor

        handle.extras[EXECUTOR] = RemoteExecutor(
            lambda: handle.store,
            size=workers or 4,
            timeout=config["UNGRAPH_QUERY_TIMEOUT"],
            queue_timeout=config["UNGRAPH_QUEUE_TIMEOUT"],
            metrics=app.extensions.get("ungraph.metrics"),
        )
    elif handle.is_memory or workers == 0:
        # Memory stores live inside this process, so only this process can query them.
        handle.extras[EXECUTOR] = InlineExecutor(
            lambda: handle.store, timeout=config["UNGRAPH_QUERY_TIMEOUT"]
        )
    else:
        handle.extras[EXECUTOR] = QueryPool(
            handle.location,
            size=workers,
            timeout=config["UNGRAPH_QUERY_TIMEOUT"],
            queue_timeout=config["UNGRAPH_QUEUE_TIMEOUT"],
            sandbox=config["UNGRAPH_NETWORK_SANDBOX"],
            metrics=app.extensions.get("ungraph.metrics"),
            check_interval=config["UNGRAPH_STORE_CHECK_INTERVAL"],
        )


def _handle() -> StoreHandle:
    handle: StoreHandle = current_app.extensions["ungraph"]
    return handle


def endpoint_base() -> str:
    """The base IRI of relative IRIs in queries: the endpoint's canonical address."""
    return str(current_app.config["UNGRAPH_BASE_IRI"]) + "sparql"


def _negotiated(requested: str | None, candidates: tuple[Format, ...], what: str) -> Format:
    """The format named by ``format=`` (a name or a media type), else by ``Accept``."""
    if requested:
        try:
            fmt = by_name(requested) if "/" not in requested else by_media_type(requested)
        except UnknownFormat as error:
            raise ProtocolError(400, str(error)) from None
        if fmt not in candidates:
            offered = ", ".join(f.name for f in candidates)
            raise ProtocolError(406, f"{what} cannot be written as {fmt.label}; use {offered}")
        return fmt
    chosen = negotiate(request.headers.get("Accept"), candidates)
    if chosen is None:
        offered = ", ".join(f.media_type for f in candidates)
        raise ProtocolError(
            406, f"none of the accepted media types fits {what}; offered: {offered}"
        )
    return chosen


def known_graphs(handle: StoreHandle) -> frozenset[str]:
    """The named graphs of the store being served (cached per version)."""
    graphs: frozenset[str] = handle.cached(
        "named-graphs", lambda store: frozenset(store.named_graphs())
    )
    return graphs


def _check_graphs(iris: list[str], known: frozenset[str], where: str) -> None:
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(400, f"{where} {iri!r} is not an absolute IRI") from None
        if iri not in known:
            raise ProtocolError(
                400,
                f"{where} <{iri}> is not a graph of this store; the endpoint never fetches "
                "graphs from elsewhere (the service description lists the graphs)",
            )


def _media_type(fmt: Format) -> str:
    return fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> BaseResponse:
    """The SPARQL 1.1 Protocol query operation, or the service description without a query."""
    handle = _handle()
    metrics = current_app.extensions["ungraph.metrics"]
    form = ""
    try:
        asked = read_request(
            request.method,
            request.query_string,
            request.headers.get("Content-Type"),
            request.get_data(cache=False) if request.method == "POST" else b"",
        )
        if asked.query is None:
            if request.method == "POST" or asked.has_dataset:
                raise ProtocolError(400, "no query was given (the query parameter is missing)")
            return _description(asked.format)
        screened = screen(asked.query, endpoint_base())
        form = screened.form or "select"
        candidates = SELECT_FORMATS if form in ("select", "ask") else GRAPH_FORMATS
        fmt = _negotiated(asked.format, candidates, f"a {form.upper()} answer")
        known = known_graphs(handle)
        if asked.has_dataset:
            # The protocol's dataset replaces the query's FROM / FROM NAMED (Protocol 2.1.4).
            _check_graphs(asked.default_graphs, known, "default-graph-uri")
            _check_graphs(asked.named_graphs, known, "named-graph-uri")
            default, named = tuple(asked.default_graphs), tuple(asked.named_graphs)
        elif screened.has_dataset:
            _check_graphs(screened.from_graphs, known, "FROM")
            _check_graphs(screened.from_named, known, "FROM NAMED")
            default, named = tuple(screened.from_graphs), tuple(screened.from_named)
        else:
            default = named = None  # type: ignore[assignment]
        config = current_app.config
        job = QueryJob(
            sparql=asked.query,
            form=form,
            format_name=fmt.name,
            base_iri=endpoint_base(),
            default_graph=default,
            named_graphs=named,
            max_rows=config["UNGRAPH_MAX_ROWS"],
            max_bytes=config["UNGRAPH_MAX_RESULT_BYTES"],
        )
        answer = handle.extras[EXECUTOR].run(job)
    except ProtocolError as error:
        metrics.queries.labels("", "refused").inc()
        return add_vary(error_response(error.status, str(error)), "Accept")
    except ScreeningError as error:
        metrics.queries.labels("", "refused").inc()
        return add_vary(error_response(error.status, str(error)), "Accept")
    except QueryFailed as failure:
        metrics.queries.labels(form, failure.outcome).inc()
        headers = []
        retry = failure.extra.get("retry_after")
        if retry:
            headers.append(("Retry-After", str(retry)))
        return add_vary(
            error_response(failure.status, failure.message, headers=headers, **failure.extra),
            "Accept",
        )
    except StoreError as error:
        return error_response(503, f"the store cannot be read: {error}")
    if isinstance(answer, BufferedAnswer):
        # Complete already: one write with a Content-Length.
        metrics.queries.labels(form, "ok").inc()
        response = Response(answer.body(), content_type=_media_type(fmt))
    else:
        response = Response(_relay(answer, form, metrics), content_type=_media_type(fmt))
        response.call_on_close(answer.close)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return add_vary(response, "Accept")


class StreamAborted(RuntimeError):
    """The answer failed after its first bytes were sent: the server cuts the connection, so
    HTTP clients see an incomplete response instead of a silently truncated answer."""


def _relay(answer: Answer, form: str, metrics: Any) -> Iterator[bytes]:
    try:
        yield from answer
    except QueryFailed as failure:
        metrics.queries.labels(form, failure.outcome).inc()
        log.warning("answer cut after it started: %s", failure.message)
        raise StreamAborted(failure.message) from None
    metrics.queries.labels(form, "ok").inc()


def _description(requested: str | None) -> BaseResponse:
    """The service description, negotiated among the RDF formats; browsers that prefer HTML
    are sent to the query editor when the UI is installed."""
    candidates: tuple[Format, ...] = GRAPH_FORMATS
    has_editor = "ui.editor" in current_app.view_functions
    if has_editor and not requested:
        candidates = (*GRAPH_FORMATS, HTML)
        if negotiate(request.headers.get("Accept"), candidates) is HTML:
            return add_vary(redirect(url_for("ui.editor"), code=303), "Accept")
    fmt = _negotiated(requested, GRAPH_FORMATS, "the service description")
    handle = _handle()

    def facts(store: GraphStore) -> Any:
        return dataset_facts(store)

    described = service_description(
        request.base_url, current_app.config, handle.cached("facts", facts)
    )
    body = described.serialize(format=fmt.rdflib or fmt.name, encoding="utf-8")
    response = Response(body, content_type=_media_type(fmt))
    return add_vary(response, "Accept")
