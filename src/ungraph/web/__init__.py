"""The web application: ``create_app(config)`` builds a Flask app serving one store.

Blueprints, one per area, are listed in :data:`BLUEPRINTS` as ``module`` names whose ``bp`` is
registered. The store lives in ``app.extensions["ungraph"]`` (a :class:`StoreHandle`); the
metrics in ``app.extensions["ungraph.metrics"]``. Every 4xx/5xx answer has the JSON shape of
:mod:`ungraph.web.http`.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ungraph.web.handle import StoreHandle
from ungraph.web.http import (
    REQUEST_ID_HEADER,
    allow_cors,
    error_response,
    preflight_response,
    request_id,
)
from ungraph.web.settings import load_config

__all__ = ["BLUEPRINTS", "StoreHandle", "create_app"]

BLUEPRINTS: list[str] = [
    "ungraph.web.sparql",
    "ungraph.web.ops",
    "ungraph.web.resources",
    "ungraph.web.downloads",
    "ungraph.web.ui",
    "ungraph.web.catalogue_views",
    "ungraph.web.linking",
]
"""Modules whose ``bp`` (a Flask Blueprint) the factory registers, in this order."""

EXEMPT_FROM_RATE_LIMIT = frozenset({"ops", "static"})
"""Blueprints (and Flask's ``static`` endpoint) that the per-client rate limit leaves alone:
health checks and metrics scrapes, and the files pages need."""

log = logging.getLogger("ungraph.web")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new application serving the store of ``config["UNGRAPH_STORE"]``.

    ``config`` holds ``UNGRAPH_*`` keys (see :mod:`ungraph.web.settings`; missing keys come from
    the environment and the defaults) and any Flask keys. The store opens lazily, so an app can
    be created before the first build; ``/healthz`` says 503 until there is a store.
    """
    from ungraph.web.metrics import Metrics  # imported late: see ungraph.web.serve
    from ungraph.web.ratelimit import RateLimiter

    settings = load_config(config)
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings["UNGRAPH_MAX_REQUEST_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    proxies = settings["UNGRAPH_TRUSTED_PROXIES"]
    if proxies:
        # Only then is X-Forwarded-For believed: it becomes request.remote_addr, which keys the
        # rate limit and the logs.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )

    handle = StoreHandle(
        settings["UNGRAPH_STORE"], check_interval=settings["UNGRAPH_STORE_CHECK_INTERVAL"]
    )
    app.extensions["ungraph"] = handle
    metrics = Metrics()
    app.extensions["ungraph.metrics"] = metrics
    rate = settings["UNGRAPH_RATE_LIMIT"]
    limiter = RateLimiter(rate, settings["UNGRAPH_RATE_BURST"]) if rate > 0 else None
    app.extensions["ungraph.ratelimit"] = limiter

    _install_hooks(app, metrics, limiter)
    for name in BLUEPRINTS:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
    return app


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _install_hooks(app: Flask, metrics: Any, limiter: Any) -> None:
    from ungraph.web.ratelimit import retry_after

    @app.before_request
    def _start() -> Response | None:
        g.started = time.perf_counter()
        request_id()
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return preflight_response()
        if limiter is not None and request.blueprint not in EXEMPT_FROM_RATE_LIMIT:
            if request.endpoint == "static":
                return None
            wait = limiter.take(request.remote_addr or "unknown")
            if wait > 0:
                metrics.limited.inc()
                after = retry_after(wait)
                return error_response(
                    429,
                    f"too many requests from {request.remote_addr}; the limit is "
                    f"{limiter.rate:g} per second with bursts of {limiter.burst}",
                    headers=[("Retry-After", after)],
                    retry_after=int(after),
                )
        limit = app.config["UNGRAPH_MAX_REQUEST_BYTES"]
        if len(request.query_string) > limit:
            return error_response(
                414, f"the query string is longer than {limit} bytes; POST the query instead"
            )
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        allow_cors(response)
        route, method, status = _route(), request.method, str(response.status_code)
        started = g.get("started", time.perf_counter())

        def record() -> None:
            metrics.requests.labels(route, method, status).inc()
            metrics.latency.labels(route).observe(time.perf_counter() - started)

        if response.is_streamed:
            # A streamed answer is done when the server closes it, not when the view returns.
            response.call_on_close(record)
        else:
            record()
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = [
            (name, value)
            for name, value in error.get_headers()
            if name.lower() in {"allow", "retry-after", "www-authenticate"}
        ]
        return error_response(status, error.description or "", headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The traceback goes to the log under the request id; the client gets the id only.
        log.exception(
            "unexpected error in request %s %s [%s]", request.method, request.path, request_id()
        )
        return error_response(
            500,
            f"internal error; the server's log has the details under request id {request_id()}",
        )
