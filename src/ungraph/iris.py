"""IRI minting: the URI policy (README, "URI policy") as pure functions.

Every IRI ungraph mints is ``{base}id/{kind}/{slug}``; named graphs are ``{base}graph/...``.
Slugs are lower-case ASCII letters, digits and hyphens (action-line codes keep their case and
dot: ``C7.3``), stable for the same input, and the same entity gets the same IRI in every
document: persons by registry key or normalised name, events by series and year.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rdflib import URIRef

KINDS = (
    "document",
    "person",
    "organization",
    "post",
    "post-holding",
    "event",
    "event-series",
    "place",
    "country",
    "wsis",
    "group",
    "theme",
    "method",
    "delegation",
    "agent",
    "run",
)

_SYMBOL_SEPARATORS = re.compile(r"[/\s._]+")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_ACTION_LINE = re.compile(r"^C(?:[1-9]|1[01])(?:\.[1-8])?$")
MAX_SLUG = 80
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
     "ħ": "h", "Ħ": "H", "ŋ": "n", "Ŋ": "N", "ŧ": "t", "Ŧ": "T"}
)  # fmt: skip


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """A readable, stable slug: accents folded, lower case, runs of other characters -> ``-``.

    >>> slugify("António Guterres")
    'antonio-guterres'
    >>> slugify("  Wu   Hongbo ")
    'wu-hongbo'
    >>> slugify("Ñoño — ¿qué?")
    'nono-que'
    >>> slugify("Volkan Bozkır"), slugify("Łódź"), slugify("Søren Ærø")
    ('volkan-bozkir', 'lodz', 'soren-aero')
    >>> slugify("")
    ''

    Long slugs are cut at a hyphen and end with a short hash of the whole text, so two long
    names that share a beginning still get different slugs.

    >>> len(slugify("x" * 200)) <= MAX_SLUG
    True
    """
    folded = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) <= max_length:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    cut = slug[: max_length - len(digest) - 1].rstrip("-")
    if "-" in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex("-")]
    return f"{cut}-{digest}"


def symbol_slug(symbol: str) -> str:
    """The slug of a UN document symbol.

    >>> symbol_slug("SG/SM/17419")
    'sg-sm-17419'
    >>> symbol_slug("UNIS/SGSM/1235")
    'unis-sgsm-1235'
    >>> symbol_slug("DSG/SM/1145")
    'dsg-sm-1145'
    """
    return slugify(_SYMBOL_SEPARATORS.sub("-", symbol.strip()))


@lru_cache(maxsize=8192)
def _iri(text: str) -> URIRef:
    """One ``URIRef`` per IRI for a while: a document names the same nodes again and again,
    and identical terms let every dictionary and set downstream (graph, validator, serialiser)
    skip comparing strings; making a ``URIRef`` also checks the IRI each time."""
    return URIRef(text)


@dataclass(frozen=True)
class Minter:
    """Mints every IRI under one base (``Settings.base_iri``, ending in ``/``)."""

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.base!r}")

    def id(self, kind: str, slug: str) -> URIRef:
        """``{base}id/{kind}/{slug}``.

        >>> Minter("https://example.org/").id("person", "ban-ki-moon")
        rdflib.term.URIRef('https://example.org/id/person/ban-ki-moon')
        """
        if kind not in KINDS:
            raise ValueError(f"unknown IRI kind {kind!r}")
        if not slug or "/" in slug or any(c.isspace() for c in slug):
            raise ValueError(f"not a slug: {slug!r}")
        return _iri(f"{self.base}id/{kind}/{slug}")

    # Documents -------------------------------------------------------------------------
    def document(
        self, symbol: str | None, source_url: str | None, doc_id: str, *, corpus: str | None = None
    ) -> URIRef:
        """A document: by its primary symbol, else its source address, else its source id
        (after the name of the ``corpus`` that id belongs to, if any).

        >>> m = Minter("https://example.org/")
        >>> m.document("SG/SM/17419", None, "x")
        rdflib.term.URIRef('https://example.org/id/document/sg-sm-17419')
        >>> m.document(None, "https://www.un.org/sg/en/content/sg/statement/2017-12-18/msg", "x")
        rdflib.term.URIRef('https://example.org/id/document/un-org-sg-statement-2017-12-18-msg')
        >>> m.document(None, None, "ARG_70_2015")
        rdflib.term.URIRef('https://example.org/id/document/arg-70-2015')
        >>> m.document(None, None, "ARG_70_2015", corpus="ungd")
        rdflib.term.URIRef('https://example.org/id/document/ungd-arg-70-2015')
        """
        if symbol:
            # A symbol of punctuation only (":") folds to nothing: a hash keeps it an IRI.
            return self.id("document", symbol_slug(symbol) or _hash_slug(symbol))
        if source_url:
            return self.id("document", address_slug(source_url))
        if corpus:
            doc_id = f"{corpus}-{doc_id}"
        return self.id("document", slugify(doc_id) or _hash_slug(doc_id))

    def document_part(self, document: URIRef, part: str, key: str | int) -> URIRef:
        """A node that only exists inside one document: ``{document}/{part}/{key}``.

        >>> Minter("https://e.org/").document_part(URIRef("https://e.org/id/document/d"), "call", 2)
        rdflib.term.URIRef('https://e.org/id/document/d/call/2')
        """
        if part not in {"speech", "call", "annotation", "selector", "target"}:
            raise ValueError(f"unknown document part {part!r}")
        return _iri(f"{document}/{part}/{key}")

    def document_graph(self, document: URIRef) -> URIRef:
        """The named graph that holds everything extracted from one document.

        >>> Minter("https://e.org/").document_graph(URIRef("https://e.org/id/document/sg-sm-1"))
        rdflib.term.URIRef('https://e.org/graph/document/sg-sm-1')
        """
        prefix = f"{self.base}id/document/"
        if not str(document).startswith(prefix):
            raise ValueError(f"not a document IRI of this base: {document}")
        return _iri(f"{self.base}graph/document/{str(document)[len(prefix) :]}")

    def graph(self, name: str) -> URIRef:
        """A named graph for shared data: ``vocabulary``, ``registry``, ``sdg``, ``matrix``...

        >>> Minter("https://e.org/").graph("registry")
        rdflib.term.URIRef('https://e.org/graph/registry')
        """
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise ValueError(f"not a graph name: {name!r}")
        return _iri(f"{self.base}graph/{name}")

    # Entities --------------------------------------------------------------------------
    def person(self, key_or_name: str) -> URIRef:
        """A person by registry key (already a slug) or by name, normalised.

        >>> m = Minter("https://e.org/")
        >>> m.person("Ban Ki-moon") == m.person("ban-ki-moon") == m.person("BAN KI-MOON")
        True
        """
        return self.id("person", _slug_or_hash(key_or_name))

    def organization(self, key_or_name: str) -> URIRef:
        return self.id("organization", _slug_or_hash(key_or_name))

    def post(self, key: str) -> URIRef:
        return self.id("post", _slug_or_hash(key))

    def post_holding(self, post_key: str, person_key: str, start: str) -> URIRef:
        """A term of office: post, holder and the start date make it unique.

        >>> Minter("https://e.org/").post_holding("un-sg", "ban-ki-moon", "2007-01-01")
        rdflib.term.URIRef('https://e.org/id/post-holding/un-sg-ban-ki-moon-2007-01-01')
        """
        return self.id("post-holding", slugify(f"{post_key}-{person_key}-{start}", 160))

    def event_series(self, key: str) -> URIRef:
        return self.id("event-series", _slug_or_hash(key))

    def event(self, series_or_name: str, year: int | None = None) -> URIRef:
        """An event: series (or name) plus year, so every document names the same edition.

        >>> Minter("https://e.org/").event("world-internet-conference", 2015)
        rdflib.term.URIRef('https://e.org/id/event/world-internet-conference-2015')
        >>> Minter("https://e.org/").event("Summit of the Future")
        rdflib.term.URIRef('https://e.org/id/event/summit-of-the-future')
        """
        slug = _slug_or_hash(series_or_name)
        if year is not None:
            if not 1 <= year <= 9999:
                raise ValueError(f"not a year: {year}")
            suffix = f"-{year}"
            if not slug.endswith(suffix):
                slug = f"{slug[: MAX_SLUG - len(suffix)].rstrip('-')}{suffix}"
        return self.id("event", slug)

    def place(self, key_or_name: str) -> URIRef:
        return self.id("place", _slug_or_hash(key_or_name))

    def country(self, iso3: str) -> URIRef:
        """A country by its ISO 3166-1 alpha-3 code.

        >>> Minter("https://e.org/").country("CHN")
        rdflib.term.URIRef('https://e.org/id/country/chn')
        """
        if not re.fullmatch(r"[A-Za-z]{3}", iso3):
            raise ValueError(f"not an ISO 3166-1 alpha-3 code: {iso3!r}")
        return self.id("country", iso3.lower())

    def delegation(self, iso3: str) -> URIRef:
        """A member state's delegation to the United Nations."""
        return self.id("delegation", self.country(iso3).rsplit("/", 1)[1])

    def action_line(self, code: str) -> URIRef:
        """A WSIS action line; codes keep their case (``C5``, ``C7.3``).

        >>> Minter("https://e.org/").action_line("C7.3")
        rdflib.term.URIRef('https://e.org/id/wsis/C7.3')
        """
        if not _ACTION_LINE.match(code):
            raise ValueError(f"not a WSIS action line code: {code!r}")
        return _iri(f"{self.base}id/wsis/{code}")

    def action_line_scheme(self) -> URIRef:
        return _iri(f"{self.base}id/wsis")

    def group(self, key: str) -> URIRef:
        return self.id("group", _slug_or_hash(key))

    def group_scheme(self) -> URIRef:
        return _iri(f"{self.base}id/group")

    def theme(self, key: str) -> URIRef:
        return self.id("theme", _slug_or_hash(key))

    def theme_scheme(self) -> URIRef:
        return _iri(f"{self.base}id/theme")

    def method(self, key: str) -> URIRef:
        return self.id("method", _slug_or_hash(key))

    def method_scheme(self) -> URIRef:
        return _iri(f"{self.base}id/method")

    def agent(self, key: str) -> URIRef:
        """A software agent (``ungraph-0.1.0``) or another non-person agent."""
        return self.id("agent", _slug_or_hash(key))

    def run(self, key: str) -> URIRef:
        """One build's extraction run (``ung:ExtractionRun``), keyed by its build id.

        >>> Minter("https://e.org/").run("20151216T090000Z-a1b2c3")
        rdflib.term.URIRef('https://e.org/id/run/20151216t090000z-a1b2c3')
        """
        return self.id("run", _slug_or_hash(key))

    def dataset(self) -> URIRef:
        """The dataset as a whole (VoID/DCAT descriptions)."""
        return _iri(f"{self.base}dataset")


SDG_BASE = "http://metadata.un.org/sdg/"


def sdg_iri(code: str) -> URIRef:
    """The UN's own IRI of a goal or target; never re-minted. ``2030-agenda`` is the KOS.

    >>> sdg_iri("9.c")
    rdflib.term.URIRef('http://metadata.un.org/sdg/9.c')
    >>> sdg_iri("17")
    rdflib.term.URIRef('http://metadata.un.org/sdg/17')
    >>> sdg_iri("2030-agenda")
    rdflib.term.URIRef('http://metadata.un.org/sdg')
    """
    if code == "2030-agenda":
        return _iri(SDG_BASE.rstrip("/"))
    if not re.fullmatch(r"(?:[1-9]|1[0-7])(?:\.(?:[1-9]|1[0-9]|[a-h]))?", code):
        raise ValueError(f"not an SDG goal or target code: {code!r}")
    return _iri(SDG_BASE + code)


def address_slug(url: str) -> str:
    """A slug from a source address: host without ``www.``, then the path.

    >>> address_slug("https://press.un.org/en/2024/sgsm22242.doc.htm")
    'press-un-org-en-2024-sgsm22242-doc-htm'
    """
    without_scheme = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE)
    without_www = re.sub(r"^www\.", "", without_scheme, flags=re.IGNORECASE)
    # un.org/sg addresses repeat themselves (/sg/en/content/sg/statement/...): keep one "sg".
    without_content = re.sub(r"/sg/(?:en/)?content/sg/", "/sg/", without_www)
    return slugify(without_content) or _hash_slug(url)


def _slug_or_hash(text: str) -> str:
    return slugify(text) or _hash_slug(text)


def _hash_slug(text: str) -> str:
    # Names in scripts that fold to nothing in ASCII still need a stable slug.
    return "h-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
