"""Operations: ``/healthz`` (is the store there, which version) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from ungraph import __version__
from ungraph.store import StoreError
from ungraph.web.handle import StoreHandle
from ungraph.web.http import error_response

bp = Blueprint("ops", __name__)


def health(handle: StoreHandle) -> dict[str, Any]:
    """What ``/healthz`` reports; raises ``StoreError`` when the store cannot be opened."""
    handle.store  # noqa: B018 - opens the store, or raises StoreError (503)
    report: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "store": handle.location,
        "store_version": handle.version,
        # Counted once per store version: health checks come often, records rarely change.
        "documents": handle.cached("document-count", lambda s: len(s.documents())),
    }
    executor = handle.extras.get("executor")
    if executor is not None:
        report["query_workers"] = executor.status()
    return report


@bp.get("/healthz")
def healthz() -> Response:
    """200 with the store version and document count, or 503 when the store cannot be read."""
    handle: StoreHandle = current_app.extensions["ungraph"]
    try:
        report = health(handle)
    except (StoreError, OSError) as error:
        return error_response(503, f"the store cannot be read: {error}")
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition of the application's metrics."""
    body, content_type = current_app.extensions["ungraph.metrics"].render()
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
