"""Where things live on this server: IRIs under ``{base}id/`` map onto ``/id/``, ``/page/``
and ``/data/`` paths whatever host serves them, and every other IRI the store knows onto
``/page?iri=`` and ``/data?iri=``."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import current_app, g, url_for

from ungraph.formats import HTML, RDF_FORMATS, Format, UnknownFormat, by_extension, by_name

# Server preference when a client accepts several: HTML first (browsers send */*), then the
# RDF formats most clients read.
PAGE_AND_DATA: tuple[Format, ...] = (HTML, *RDF_FORMATS)
DATA_ONLY: tuple[Format, ...] = RDF_FORMATS


def base_iri() -> str:
    """The base IRI the graph's identifiers were minted under (``Settings.base_iri``)."""
    return str(current_app.config["UNGRAPH_BASE_IRI"])


def id_space() -> str:
    return f"{base_iri()}id/"


def iri_of(path: str) -> str:
    """The IRI a request path under ``/id/`` (or ``/page/``, ``/data/``) stands for."""
    return id_space() + path


def local_path(iri: str) -> str | None:
    """The part of an IRI after ``{base}id/``, or None for an IRI minted elsewhere."""
    space = id_space()
    if iri.startswith(space) and len(iri) > len(space):
        return iri[len(space) :]
    return None


def split_suffix(path: str) -> tuple[str, Format | None]:
    """Split a format suffix off a path: ``document/x.ttl`` -> (``document/x``, Turtle).

    Only extensions of the format table count, so ``wsis/C7.3`` keeps its dot.

    >>> split_suffix("document/sg-sm-1.ttl")[1].name
    'turtle'
    >>> split_suffix("wsis/C7.3")
    ('wsis/C7.3', None)
    """
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return path, None
    stem, _, extension = path.rpartition(".")
    try:
        return stem, by_extension(extension, kinds=("rdf", "page"))
    except UnknownFormat:
        return path, None


def format_parameter(value: str) -> Format:
    """The format a ``?format=`` value names: a format name or an extension (``ttl``, ``html``).

    >>> format_parameter("ttl").name, format_parameter("jsonld").name, format_parameter("HTML").name
    ('turtle', 'jsonld', 'html')
    """
    try:
        return by_name(value, kinds=("rdf", "page"))
    except UnknownFormat:
        pass
    try:
        return by_extension(value, kinds=("rdf", "page"))
    except UnknownFormat:
        names = ", ".join(f.name for f in PAGE_AND_DATA)
        raise UnknownFormat(f"unknown format {value!r}; expected one of {names}") from None


# Characters URL quoting leaves alone in a path: such a path is appended to the route's prefix as is.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~/-]+")


def page_href(iri: str) -> str:
    """The address of the HTML page of ``iri`` on this server."""
    path = local_path(iri)
    if path is not None:
        if _PLAIN_PATH.fullmatch(path) and not path.startswith("/"):
            # A document page links a few hundred resources and url_for costs tens of
            # microseconds each (a sixth of the page's time): the prefix is built once per
            # request, and a path that quoting would not change is appended to it.
            return _page_prefix() + path
        return url_for("resources.page", path=path)
    return url_for("resources.page_of") + "?" + urlencode({"iri": iri})


def _page_prefix() -> str:
    prefix: str | None = g.get("ungraph_page_prefix")
    if prefix is None:
        prefix = url_for("resources.page", path="x")[:-1]
        g.ungraph_page_prefix = prefix
    return prefix


def data_href(iri: str, fmt: Format) -> str:
    """The address of the data document of ``iri`` in ``fmt``."""
    path = local_path(iri)
    if path is not None:
        return url_for("resources.data", path=f"{path}.{fmt.extension}")
    return url_for("resources.data_of") + "?" + urlencode({"iri": iri, "format": fmt.name})


def alternates(iri: str, *, page: bool) -> str:
    """A ``Link`` header value naming every RDF twin of ``iri`` (and the page, from data)."""
    links = [
        f'<{_header_safe(data_href(iri, fmt))}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in DATA_ONLY
    ]
    if page:
        links.insert(0, f'<{_header_safe(page_href(iri))}>; rel="alternate"; type="text/html"')
    return ", ".join(links)


def _header_safe(url: str) -> str:
    # Header values are Latin-1: percent-encode anything beyond ASCII in a link target.
    return quote(url, safe="/?=&%:#;+,.-_~!$'()*@")
