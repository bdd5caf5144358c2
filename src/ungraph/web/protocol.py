"""Reading a SPARQL 1.1 Protocol request (query operation): where the query is, which dataset it
names, which format it asks for. Pure functions of the request's parts, so tests call them
directly; the view turns :class:`ProtocolError` into the JSON error shape.

The three ways of sending a query (SPARQL 1.1 Protocol, section 2.1):

- ``GET /sparql?query=...&default-graph-uri=...&named-graph-uri=...``;
- ``POST`` with ``application/x-www-form-urlencoded``: the same parameters in the body (the
  dataset parameters may also be in the URL);
- ``POST`` with ``application/sparql-query``: the query as the UTF-8 body, the dataset
  parameters in the URL.

An update in any form (``update=``, ``application/sparql-update``) is refused with 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


class ProtocolError(ValueError):
    """A request the protocol does not allow; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ProtocolRequest:
    """The parts of a query request."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None
    """The ``format`` parameter (a format name or media type), when given."""
    other: list[str] = field(default_factory=list)
    """Names of other parameters given (ignored, as the protocol allows)."""

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def parameters(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Name-value pairs of a query string or form body; ``+`` is a space; invalid UTF-8 is
    refused rather than replaced, so a query is never silently changed.

    >>> parameters(b"query=ASK%20%7B%7D&x=a+b", "the URL")
    [('query', 'ASK {}'), ('x', 'a b')]
    >>> parameters(b"query=%FF", "the body")
    Traceback (most recent call last):
    ...
    ungraph.web.protocol.ProtocolError: the body is not UTF-8 after percent-decoding
    """
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"{where} is not UTF-8 after percent-decoding") from None


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The essence and parameters of a Content-Type header.

    >>> _media_type("Application/SPARQL-Query; charset=UTF-8")
    ('application/sparql-query', {'charset': 'utf-8'})
    """
    if not content_type:
        return "", {}
    essence, *raw = content_type.split(";")
    params = {}
    for item in raw:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return essence.strip().lower(), params


def read_request(
    method: str, query_string: bytes, content_type: str | None, body: bytes
) -> ProtocolRequest:
    """Read a query request; raise :class:`ProtocolError` for anything the protocol forbids.

    >>> read_request("GET", b"query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fe%2Fg", None, b"")
    ProtocolRequest(query='ASK{}', default_graphs=['http://e/g'], named_graphs=[], format=None, other=[])
    >>> read_request("POST", b"", "application/sparql-query", b"SELECT * {}").query
    'SELECT * {}'
    >>> read_request("POST", b"", "text/plain", b"ASK {}")
    Traceback (most recent call last):
    ...
    ungraph.web.protocol.ProtocolError: a POSTed query must be application/x-www-form-urlencoded or application/sparql-query, not text/plain
    """
    url = parameters(query_string, "the URL's query string")
    pairs = list(url)
    direct: str | None = None
    if method == "POST":
        essence, params = _media_type(content_type)
        if essence == FORM:
            pairs += parameters(body, "the form body")
        elif essence == QUERY:
            charset = params.get("charset", "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"a POSTed query must be UTF-8, not {charset}")
            try:
                direct = body.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ProtocolError(
                    400, f"the query is not valid UTF-8 (byte {error.start})"
                ) from None
        elif essence == UPDATE:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        elif not essence:
            raise ProtocolError(
                415,
                "a POSTed query needs a Content-Type: application/x-www-form-urlencoded or "
                "application/sparql-query",
            )
        else:
            raise ProtocolError(
                415,
                f"a POSTed query must be {FORM} or {QUERY}, not {essence}",
            )
    names = [name for name, _ in pairs]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = [value for name, value in pairs if name == "query"]
    if direct is not None:
        if queries:
            raise ProtocolError(400, "the query is both in the body and in the URL")
        queries = [direct]
    if len(queries) > 1:
        raise ProtocolError(400, "more than one query was given; send exactly one")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise ProtocolError(400, "the query is empty")
    formats = [value for name, value in pairs if name == "format"]
    if len(set(formats)) > 1:
        raise ProtocolError(400, "more than one format was asked for")
    known = {"query", "format", *DATASET_PARAMETERS}
    return ProtocolRequest(
        query=query,
        default_graphs=[value for name, value in pairs if name == "default-graph-uri"],
        named_graphs=[value for name, value in pairs if name == "named-graph-uri"],
        format=formats[0] if formats else None,
        other=sorted({name for name in names if name not in known}),
    )
