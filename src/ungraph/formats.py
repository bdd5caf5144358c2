"""The format table: every RDF, SPARQL-results and page format ungraph reads or writes.

One row per format drives content negotiation, ``?format=``, URL suffixes, download file names,
parser/serialiser choice and the CLI's ``--format`` choices, so that adding a format is one edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

import pyoxigraph

Kind = Literal["rdf", "results", "page"]


@dataclass(frozen=True)
class Format:
    """One serialisation format.

    ``media_types[0]`` and ``extensions[0]`` are the canonical ones (written in headers and file
    names); the others are accepted on input. ``rdflib`` is rdflib's parser/serialiser name.
    ``dataset`` says whether the format carries named graphs (quads).
    """

    name: str
    label: str
    kind: Kind
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    rdflib: str | None = None
    dataset: bool = False
    iri: str | None = None
    """The W3C format IRI (``http://www.w3.org/ns/formats/...``) service descriptions name."""

    @property
    def media_type(self) -> str:
        """The canonical media type, e.g. ``text/turtle``."""
        return self.media_types[0]

    @property
    def extension(self) -> str:
        """The canonical file extension without a dot, e.g. ``ttl``."""
        return self.extensions[0]

    @property
    def oxigraph(self) -> pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat:
        """The matching pyoxigraph format (backends only; never part of a public interface)."""
        found = _OXIGRAPH.get(self.name)
        if found is None:
            raise ValueError(f"format {self.name!r} has no pyoxigraph equivalent")
        return found

    def file_name(self, stem: str, *, gzip: bool = False) -> str:
        """A download file name: ``stem.ext`` (``.gz`` appended for compressed dumps).

        >>> TRIG.file_name("ungraph", gzip=True)
        'ungraph.trig.gz'
        """
        return f"{stem}.{self.extension}" + (".gz" if gzip else "")


W3C_FORMATS = "http://www.w3.org/ns/formats/"

TURTLE = Format(
    "turtle",
    "Turtle",
    "rdf",
    ("text/turtle", "application/x-turtle"),
    ("ttl",),
    "turtle",
    iri=W3C_FORMATS + "Turtle",
)
NTRIPLES = Format(
    "ntriples",
    "N-Triples",
    "rdf",
    ("application/n-triples", "text/plain"),
    ("nt",),
    "nt",
    iri=W3C_FORMATS + "N-Triples",
)
NQUADS = Format(
    "nquads",
    "N-Quads",
    "rdf",
    ("application/n-quads", "text/x-nquads"),
    ("nq",),
    "nquads",
    True,
    iri=W3C_FORMATS + "N-Quads",
)
TRIG = Format(
    "trig",
    "TriG",
    "rdf",
    ("application/trig", "application/x-trig"),
    ("trig",),
    "trig",
    True,
    iri=W3C_FORMATS + "TriG",
)
JSONLD = Format(
    "jsonld",
    "JSON-LD",
    "rdf",
    ("application/ld+json",),
    ("jsonld", "json-ld"),
    "json-ld",
    True,
    iri=W3C_FORMATS + "JSON-LD",
)
RDFXML = Format(
    "rdfxml",
    "RDF/XML",
    "rdf",
    ("application/rdf+xml",),
    ("rdf", "owl", "xml"),
    "xml",
    iri=W3C_FORMATS + "RDF_XML",
)

RESULTS_JSON = Format(
    "json",
    "SPARQL JSON",
    "results",
    ("application/sparql-results+json", "application/json"),
    ("srj", "json"),
    iri=W3C_FORMATS + "SPARQL_Results_JSON",
)
RESULTS_XML = Format(
    "xml",
    "SPARQL XML",
    "results",
    ("application/sparql-results+xml", "application/xml"),
    ("srx", "xml"),
    iri=W3C_FORMATS + "SPARQL_Results_XML",
)
RESULTS_CSV = Format(
    "csv", "CSV", "results", ("text/csv",), ("csv",), iri=W3C_FORMATS + "SPARQL_Results_CSV"
)
RESULTS_TSV = Format(
    "tsv",
    "TSV",
    "results",
    ("text/tab-separated-values",),
    ("tsv",),
    iri=W3C_FORMATS + "SPARQL_Results_TSV",
)

HTML = Format("html", "HTML", "page", ("text/html", "application/xhtml+xml"), ("html", "htm"))

FORMATS: tuple[Format, ...] = (
    TURTLE,
    NTRIPLES,
    NQUADS,
    TRIG,
    JSONLD,
    RDFXML,
    RESULTS_JSON,
    RESULTS_XML,
    RESULTS_CSV,
    RESULTS_TSV,
    HTML,
)
RDF_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.kind == "rdf")
RESULT_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.kind == "results")

_OXIGRAPH: dict[str, pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat] = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "nquads": pyoxigraph.RdfFormat.N_QUADS,
    "trig": pyoxigraph.RdfFormat.TRIG,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
    "json": pyoxigraph.QueryResultsFormat.JSON,
    "xml": pyoxigraph.QueryResultsFormat.XML,
    "csv": pyoxigraph.QueryResultsFormat.CSV,
    "tsv": pyoxigraph.QueryResultsFormat.TSV,
}


class UnknownFormat(ValueError):
    """A format name, media type or extension that is not in the table."""


def by_name(name: str, kinds: Iterable[Kind] = ("rdf", "results", "page")) -> Format:
    """The format called ``name`` (as in ``?format=`` and ``--format``), case-insensitively.

    Names are unique per kind; ``json`` and ``xml`` name the SPARQL results formats, and
    ``kinds`` narrows the search.

    >>> by_name("Turtle").media_type
    'text/turtle'
    >>> by_name("xml").label
    'SPARQL XML'
    >>> by_name("nope", kinds=("results",))
    Traceback (most recent call last):
    ...
    ungraph.formats.UnknownFormat: unknown format 'nope'; expected one of json, xml, csv, tsv
    """
    wanted = set(kinds)
    choices = [f for f in FORMATS if f.kind in wanted]
    for fmt in choices:
        if fmt.name == name.lower():
            return fmt
    names = ", ".join(f.name for f in choices)
    raise UnknownFormat(f"unknown format {name!r}; expected one of {names}")


def by_media_type(media_type: str, kinds: Iterable[Kind] = ("rdf", "results", "page")) -> Format:
    """The format with this media type (parameters such as ``charset`` are ignored).

    >>> by_media_type("text/turtle; charset=utf-8").name
    'turtle'
    """
    essence = media_type.split(";", 1)[0].strip().lower()
    wanted = set(kinds)
    for fmt in FORMATS:
        if fmt.kind in wanted and essence in fmt.media_types:
            return fmt
    raise UnknownFormat(f"no format for media type {media_type!r}")


def by_extension(extension: str, kinds: Iterable[Kind] = ("rdf",)) -> Format:
    """The format a file extension (with or without the dot) stands for; RDF by default.

    >>> by_extension(".nq").label
    'N-Quads'
    >>> by_extension("json", kinds=("results",)).name
    'json'
    """
    ext = extension.lower().lstrip(".")
    wanted = set(kinds)
    for fmt in FORMATS:
        if fmt.kind in wanted and ext in fmt.extensions:
            return fmt
    raise UnknownFormat(f"no format for file extension {extension!r}")


def from_path(path: str | PurePath) -> tuple[Format, bool]:
    """The RDF format of a file name and whether it is gzipped (``x.ttl.gz``).

    >>> fmt, gz = from_path("dumps/ungraph.trig.gz")
    >>> fmt.name, gz
    ('trig', True)
    >>> from_path("data.json")[0].name
    'jsonld'
    """
    suffixes = [s.lower() for s in PurePath(path).suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    if not suffixes:
        raise UnknownFormat(f"{path}: no file extension to tell the RDF format from")
    ext = suffixes[-1]
    # Plain .json files are JSON-LD when they reach an RDF loader.
    if ext == ".json":
        return JSONLD, gz
    return by_extension(ext), gz


# ---------------------------------------------------------------------------------------------
# Content negotiation (RFC 9110, section 12.5.1)

_MEDIA_RANGE = re.compile(r"^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*$")


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header: ``type/subtype`` (wildcards allowed) and its weight."""

    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        """How specific the range is; ``a/b;p`` > ``a/b`` > ``a/*`` > ``*/*`` (RFC 9110)."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed elements are skipped, as RFC 9110 allows.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html;q=0.5, */*;q=0.1, bad")]
    [('text', 'html', 0.5), ('*', '*', 0.1)]
    """
    ranges = []
    for element in header.split(","):
        media, *raw_params = element.split(";")
        match = _MEDIA_RANGE.match(media)
        if match is None:
            continue
        main, sub = match.group(1).lower(), match.group(2).lower()
        if main == "*" and sub != "*":
            continue
        q = 1.0
        params = []
        for raw in raw_params:
            key, _, value = raw.strip().partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                # Parameters after q are accept-extensions, not media type parameters.
                break
            if key:
                params.append((key, value))
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def _quality(ranges: Sequence[MediaRange], fmt: Format) -> float:
    best: tuple[int, float] | None = None
    for media_type in fmt.media_types:
        for r in ranges:
            if r.matches(media_type):
                key = (r.specificity, r.q if media_type == fmt.media_type else r.q * 0.999)
                if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] > best[1]):
                    best = key
    return 0.0 if best is None else best[1]


def negotiate(accept_header: str | None, candidates: Sequence[Format]) -> Format | None:
    """The candidate the client prefers, or None when it accepts none of them (answer 406).

    Each candidate gets the weight of the most specific media range that matches one of its
    media types; ties go to the earlier candidate, so ``candidates`` is in server preference
    order. A missing or empty header accepts anything.

    >>> negotiate("text/turtle;q=0.9, application/ld+json", [TURTLE, JSONLD]).name
    'jsonld'
    >>> negotiate("*/*", [TURTLE, JSONLD]).name
    'turtle'
    >>> negotiate("text/*;q=0.3, text/html;q=0.7, text/turtle;q=0", [TURTLE, HTML]).name
    'html'
    >>> negotiate("application/json", [RESULTS_XML, RESULTS_JSON]).name
    'json'
    >>> negotiate("image/png", [TURTLE, HTML]) is None
    True
    >>> negotiate(None, [HTML, TURTLE]).name
    'html'
    """
    if not candidates:
        return None
    if accept_header is None or not accept_header.strip():
        return candidates[0]
    ranges = parse_accept(accept_header)
    if not ranges:
        return candidates[0]
    best: Format | None = None
    best_q = 0.0
    for fmt in candidates:
        q = _quality(ranges, fmt)
        if q > best_q:
            best, best_q = fmt, q
    return best
