"""HTTP helpers every blueprint shares: the one JSON error shape, request ids, ``Vary`` and CORS.

Every 4xx/5xx answer of the application has this body (``application/json``)::

    {"error": {"status": 404, "title": "Not Found", "detail": "...",
               "instance": "/path", "request_id": "..."}}

plus, where useful, more members inside ``error`` (``retry_after`` for 429/503, ``limit`` for a
limit that was hit). ``title`` is the status's standard reason phrase, ``detail`` says what went
wrong in words meant for the client, ``instance`` is the path asked for.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Response, current_app, g, has_request_context, request
from werkzeug.wrappers import Response as BaseResponse

_R = TypeVar("_R", bound=BaseResponse)

REQUEST_ID_HEADER = "X-Request-Id"
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type, X-Request-Id"
CORS_EXPOSE = "Retry-After, X-Request-Id, Content-Disposition, Link"
CORS_MAX_AGE = "86400"


def reason(status: int) -> str:
    """The standard reason phrase of a status code.

    >>> reason(429)
    'Too Many Requests'
    >>> reason(599)
    'Error'
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def request_id() -> str:
    """This request's id: the client's ``X-Request-Id`` when it is short and plain, else a new
    one. It is echoed in the response header and in error bodies, and logged."""
    if not has_request_context():
        return ""
    found: str | None = g.get("request_id")
    if found is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        found = given if _GOOD_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_id = found
    return found


def error_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The error document for ``status`` (see the module docstring)."""
    body: dict[str, Any] = {
        "status": status,
        "title": reason(status),
        "detail": detail,
        "instance": request.path if has_request_context() else "",
        "request_id": request_id(),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def error_response(
    status: int,
    detail: str,
    *,
    headers: Iterable[tuple[str, str]] = (),
    **extra: Any,
) -> Response:
    """A complete error response in the one shape, with CORS and the request id."""
    payload = json.dumps(error_body(status, detail, **extra), ensure_ascii=False, indent=1)
    response = Response(payload + "\n", status=status, mimetype="application/json")
    for name, value in headers:
        response.headers[name] = value
    allow_cors(response)
    return response


def add_vary(response: _R, *fields: str) -> _R:
    """Add header names to ``Vary`` without duplicates (content negotiation must say what it
    looked at, or caches hand one client's format to another).

    >>> r = add_vary(add_vary(Response(), "Accept"), "Accept", "Origin")
    >>> r.headers["Vary"]
    'Accept, Origin'
    """
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    for name in fields:
        if name.lower() not in {p.lower() for p in present}:
            present.append(name)
    if present:
        response.headers["Vary"] = ", ".join(present)
    return response


def allow_cors(response: Response) -> Response:
    """Open the response to scripts on any origin, for reading. Never with credentials: the
    service has no cookies or logins, and ``*`` with credentials would be refused anyway."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    response.headers.pop("Access-Control-Allow-Credentials", None)
    return response


def preflight_response() -> Response:
    """The answer to a CORS preflight (``OPTIONS`` with ``Access-Control-Request-Method``)."""
    response = Response(status=204)
    response.headers["Allow"] = CORS_METHODS
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
    response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return allow_cors(response)


def config_value(name: str) -> Any:
    """A value of the current application's configuration (``UNGRAPH_*`` keys)."""
    return current_app.config[name]
