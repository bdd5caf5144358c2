"""HTML pages: title, date, symbols and kind from the page's structure; body text by blocks.

One branch per site layout, each saying which site it serves. Only the press.un.org branch is
verified against real pages (``corpus/html/``); the un.org/sg, UNIS Vienna, itu.int and older
www.un.org/News/Press branches are *modelled* on what those sites publish (the text copies in
the corpus and the sites' known markup conventions) and tested against fixture pages we wrote,
so expect to adjust them when real pages turn up. A generic branch reads anything else.

Body text is one paragraph per block element, paragraphs separated by a blank line, a ``<br>``
a line break (two or more a paragraph break). Inline whitespace is collapsed as a browser
renders it and only then are non-breaking spaces turned into plain spaces: that is the one
normalisation HTML text gets, so ``sentence.&nbsp; Next`` keeps its two spaces, as in the text
copies of the same pages.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import CData, NavigableString, Tag

from ungraph.months import MONTHS
from ungraph.sources.decode import DEFAULT_MAX_BYTES, decode_bytes, read_limited
from ungraph.sources.metadata import absolute_url, iso_date
from ungraph.sources.model import SourceDocument, SourceError

BLOCK_TAGS = (
    frozenset({"p", "div", "section", "article", "main", "blockquote", "address", "center", "pre"})
    | frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr", "dialog", "details"})
    | frozenset({"ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption", "fieldset", "summary"})
    | frozenset({"table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th", "body", "html"})
)
# Never part of a document's text: code, media, forms and the page's navigation chrome.
SKIP_TAGS = (
    frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg"})
    | frozenset({"math", "canvas", "img", "picture", "source", "audio", "video", "map"})
    | frozenset({"form", "button", "select", "input", "textarea", "option", "label"})
    | frozenset({"head", "title", "meta", "link", "nav", "aside", "footer", "header"})
)
# Class names of chrome that sits inside content areas on UN sites (press.un.org's disclaimer,
# share panels, screen-reader-only text).
SKIP_CLASSES = frozenset(
    {
        "disclaimer",
        "sr-only",
        "visually-hidden",
        "element-invisible",
        "minimal-share-panel",
        "minimal-share",
        "social-media",
        "share",
        "breadcrumb",
        "print-only",
    }
)

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_ENDMARK = re.compile(r"^\*[\s*]*\*$")  # the "* *** *" that ends a UN press release
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]*(?:/[A-Za-z0-9.]+)+$")
_SYMBOL_SPLIT = re.compile(r"[\s,;]+|-(?=[A-Z][A-Z0-9]*/)")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_DPI_BANNER = "Department of Public Information"

_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$", re.ASCII)
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$", re.ASCII)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_DATELINE = re.compile(r"^(\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4})\s*[,–—-]\s*(\S.*)$", re.ASCII)

DOC_TYPES = (
    "Press Release",
    "Meeting Coverage",
    "Meetings Coverage",
    "Statement",
    "Note to Correspondents",
    "Readout",
    "Media Advisory",
    "Background Release",
)

_SITE_SUFFIX = re.compile(
    r"\s+[|–—-]\s+(?:UN Press|Meetings Coverage and Press Releases|United Nations "
    r"Secretary-General|United Nations|UN News|ITU|UNIS Vienna|UNIS)\s*$"
)


def clean_inline(text: str) -> str:
    """Collapse HTML whitespace, then turn non-breaking spaces into spaces, then trim.

    >>> clean_inline("  Chad.\\xa0 The  transition\\n is near ")
    'Chad.  The transition is near'
    """
    return _HTML_SPACE.sub(" ", text).replace("\xa0", " ").strip(" ")


def split_symbols(text: str) -> list[str]:
    """The UN document symbols in a symbol field, combined symbols split apart.

    >>> split_symbols("SG/SM/9852-OBV/480")
    ['SG/SM/9852', 'OBV/480']
    >>> split_symbols("SG/SM/15029\\nOBV/1219 PI/2059")
    ['SG/SM/15029', 'OBV/1219', 'PI/2059']
    >>> split_symbols("Press Release")
    []
    """
    return [
        part
        for part in _SYMBOL_SPLIT.split(text.strip())
        if _SYMBOL.match(part) and any(c.isdigit() for c in part)
    ]


def page_date(text: str) -> str | None:
    """The ISO date a page's date line states (UN pages write numeric dates day first).

    >>> page_date("17 May 2019"), page_date("May 17, 2019"), page_date("3/5/2005")
    ('2019-05-17', '2019-05-17', '2005-05-03')
    >>> page_date("2023-10-08T12:00:00Z"), page_date("Geneva"), page_date("31 June 2020")
    ('2023-10-08', None, None)
    """
    value = clean_inline(text)
    found = iso_date(value)
    if found:
        return found
    day = month = year = None
    if match := _DAY_MONTH_YEAR.match(value):
        day, month, year = int(match[1]), MONTHS.get(match[2].lower()), int(match[3])
    elif match := _MONTH_DAY_YEAR.match(value):
        day, month, year = int(match[2]), MONTHS.get(match[1].lower()), int(match[3])
    elif match := _NUMERIC_DATE.match(value):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    if not (day and month and year):
        return None
    return iso_date(f"{year:04d}-{month:02d}-{day:02d}")


@dataclass(frozen=True)
class Page:
    """What one layout read from a page: its header fields and the elements holding the body."""

    layout: str
    title: str | None = None
    published: str | None = None
    symbols: tuple[str, ...] = ()
    kind: str | None = None
    source_url: str | None = None
    body: tuple[Tag, ...] = ()
    skip: frozenset[int] = frozenset()  # id() of elements inside the body that are not text
    cut_at_endmark: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PageView:
    """A parsed page and what every layout asks of it first, worked out once: its own
    address (canonical link, ``og:url``, else where it was fetched from), that address's host
    and path, its ``<meta>`` values by lower-cased name, property or itemprop, and its
    elements by class name."""

    soup: BeautifulSoup
    url: str | None
    host: str
    path: str
    metas: dict[str, str]
    classes: dict[str, list[Tag]]

    @classmethod
    def of(cls, soup: BeautifulSoup, fetched_from: str | None = None) -> PageView:
        # One walk over the tree indexes classes and metas: CSS selectors would walk the
        # whole page once per field, which dominated the cost of reading a press page.
        metas: dict[str, str] = {}
        classes: dict[str, list[Tag]] = {}
        for element in soup.find_all(True):
            for name in _classes(element):
                classes.setdefault(name, []).append(element)
            if element.name == "meta":
                content = _attr(element, "content")
                for attribute in ("property", "name", "itemprop"):
                    key = _attr(element, attribute)
                    if key and content:
                        metas.setdefault(key.lower(), content)
        url = _page_url(soup, fetched_from, metas.get("og:url"))
        host, path = _host_path(url)
        return cls(soup, url, host, path, metas, classes)

    def by_class(self, name: str, tag: str | None = None) -> list[Tag]:
        """Elements with a class, in document order (optionally only one tag name)."""
        found = self.classes.get(name, [])
        return [e for e in found if e.name == tag] if tag else list(found)

    def meta(self, *names: str) -> str | None:
        """The first of some ``<meta>`` values the page has."""
        for name in names:
            if found := self.metas.get(name.lower()):
                return found
        return None


@dataclass(frozen=True)
class Layout:
    """A site layout: ``matches(view)`` says whether it applies; ``read(view)`` reads it."""

    name: str
    matches: Callable[[PageView], bool]
    read: Callable[[PageView], Page]


# -- helpers over the tree ------------------------------------------------------------------


def _text(element: Tag | None, separator: str = " ") -> str | None:
    if element is None:
        return None
    return clean_inline(element.get_text(separator)) or None


def _attr(element: Tag | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _classes(element: Tag) -> set[str]:
    value = element.get("class")
    if isinstance(value, str):
        return set(value.split())
    return set(value) if value else set()


def _page_url(soup: BeautifulSoup, url: str | None, og_url: str | None) -> str | None:
    canonical = _attr(soup.find("link", rel="canonical"), "href")
    for candidate in (canonical, og_url):
        if candidate:
            try:
                resolved = urljoin(url, candidate) if url else candidate
            except ValueError:
                continue
            if absolute_url(resolved):
                return resolved
    return absolute_url(url) if url else None


def _host_path(url: str | None) -> tuple[str, str]:
    if not url or absolute_url(url) is None:
        return "", ""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path


def _title_tag(soup: BeautifulSoup) -> str | None:
    title = _text(soup.find("title"))
    if title is None:
        return None
    return _SITE_SUFFIX.sub("", title) or title


def _in_chrome(element: Tag) -> bool:
    return any(parent.name in {"aside", "footer", "nav", "header"} for parent in element.parents)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)


def _first_date(elements: Iterable[Tag]) -> str | None:
    for element in elements:
        for candidate in (
            _attr(element, "datetime"),
            _attr(element, "content"),
            _text(element),
        ):
            if candidate and (found := page_date(candidate)):
                return found
    return None


# -- press.un.org (Drupal 9, 2022-): verified on the pages in corpus/html --------------------


def _data_layer(soup: BeautifulSoup) -> dict[str, Any]:
    """The object press.un.org pushes to ``window.dataLayer`` (title, date, type, symbols)."""
    for script in soup.find_all("script"):
        source = script.string or ""
        start = source.find("dataLayer.push(")
        if start < 0:
            continue
        brace = source.find("{", start)
        if brace < 0:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(source, brace)
        except ValueError:
            continue
        if isinstance(value, dict) and ("doc_date" in value or "symbol" in value):
            return value
    return {}


def _is_press_un_org(view: PageView) -> bool:
    return view.host == "press.un.org" or any(
        view.by_class(name)
        for name in ("field--name-field-symbol", "field--name-field-display-title")
    )


def _first_in(elements: list[Tag], tag: str) -> Tag | None:
    for element in elements:
        found = element.find(tag)
        if isinstance(found, Tag):
            return found
    return None


def _read_press_un_org(view: PageView) -> Page:
    soup = view.soup
    layer = _data_layer(soup)
    title = _text(_first_in(view.by_class("field--name-field-display-title"), "h1"))
    if title is None and isinstance(layer.get("entityTitle"), str):
        title = clean_inline(layer["entityTitle"]) or None
    symbols: list[str] = []
    for symbol_field in view.by_class("field--name-field-symbol"):
        for item in symbol_field.find_all(class_="field__item") or [symbol_field]:
            symbols.extend(split_symbols(item.get_text("\n")))
    layer_symbol = layer.get("symbol")
    if isinstance(layer_symbol, dict) and isinstance(layer_symbol.get("value"), list):
        for value in layer_symbol["value"]:
            if isinstance(value, str):
                symbols.extend(split_symbols(value))
    # Only the dated field's <time>: the sidebar's "Daily Noon Briefing" block has another.
    published = _first_date(
        time for dated in view.by_class("field--name-field-dated") for time in dated("time")
    )
    if published is None and isinstance(layer.get("doc_date"), str):
        published = iso_date(layer["doc_date"])
    kind = _text(next(iter(view.by_class("field--name-field-doctype")), None))
    if kind is None and isinstance(layer.get("doc_type"), str):
        kind = clean_inline(layer["doc_type"]) or None
    extra = {}
    for name, class_name in (
        ("un_bodies", "field--name-field-un-bodies"),
        ("countries", "field--name-field-country"),
        ("themes", "field--name-field-theme"),
        ("tags", "field--name-field-main-tags"),
        ("regions", "field--name-field-regions"),
    ):
        for element in view.by_class(class_name)[:1]:
            items = [_text(li) for li in element.find_all(["li", "a"])] or [_text(element)]
            joined = "; ".join(_unique(item for item in items if item))
            if joined:
                extra[name] = joined
    body = tuple(b for b in view.by_class("field--name-body", "div") if not _in_chrome(b))
    return Page(
        layout="press.un.org",
        title=title or _title_tag(soup),
        published=published,
        symbols=_unique(symbols),
        kind=kind,
        source_url=view.url,
        body=body[:1],
        extra=extra,
    )


# -- www.un.org/sg statement pages (Drupal): MODELLED, not verified on a real page ----------

_SG_KINDS = {
    "statement": "Statement",
    "statements": "Statement",
    "speeches": "Speech",
    "speech": "Speech",
    "messages": "Message",
    "message": "Message",
    "press-encounter": "Press Encounter",
    "note-correspondents": "Note to Correspondents",
    "readout": "Readout",
}


def _is_un_org_sg(view: PageView) -> bool:
    return view.host in {"www.un.org", "un.org"} and view.path.startswith("/sg/")


def _read_un_org_sg(view: PageView) -> Page:
    soup = view.soup
    page_url = view.url
    article = soup.find("article") or soup.find("main") or soup
    assert isinstance(article, Tag)
    title = _text(article.find("h1")) or view.meta("og:title") or _title_tag(soup)
    published = _first_date(
        article.select(
            ".field--name-field-date time, .field--name-field-dated time, "
            "time[datetime], span.date-display-single"
        )
    )
    path = view.path
    # /sg/en/content/sg/statement/2017-12-18/<slug>: the category, then the date.
    segments = [s for s in path.split("/") if s]
    kind = None
    if "sg" in segments[1:]:
        after = segments[segments.index("sg", 1) + 1 :]
        kind = _SG_KINDS.get(after[0]) if after else None
        if published is None and len(after) > 1:
            published = iso_date(after[1])
    extra = {}
    place = _text(article.select_one(".field--name-field-location, .field--name-field-dateline"))
    if place:
        extra["place"] = place
    body = article.select(".field--name-body") or article.select(".field-name-body")
    return Page(
        layout="un.org/sg",
        title=title,
        published=published,
        kind=kind,
        source_url=page_url,
        body=tuple(body[:1]),
        extra=extra,
    )


# -- unis.unvienna.org press releases (UNIS Vienna): MODELLED, not verified ------------------


def _is_unis_vienna(view: PageView) -> bool:
    return view.host.endswith("unvienna.org")


def _read_unis_vienna(view: PageView) -> Page:
    soup = view.soup
    page_url = view.url
    content = soup.select_one("#content, main, .pressrelease") or soup.body or soup
    symbols: list[str] = []
    for element in content.select("[class*=symbol]"):
        symbols.extend(split_symbols(element.get_text("\n")))
    published = _first_date(content.select("time, [class*=date]"))
    path = view.path
    if not symbols and (match := re.search(r"/(unis)(sgsm|sgm|sg|sga)(\d+)\.html?$", path)):
        # The address names the symbol: .../unissgsm932.html is UNIS/SGSM/932.
        symbols.append(f"{match[1].upper()}/{match[2].upper()}/{match[3]}")
    kind = "Press Release" if "/pressrels/" in path else None
    title = _text(content.find("h1")) or _title_tag(soup)
    body = content.select(".text.parbase, .pr-body, .field-name-body") or [content]
    skip = frozenset(
        id(element)
        for element in content.select("h1, [class*=symbol], [class*=date], .endmark")
        if element not in body
    )
    return Page(
        layout="unis.unvienna.org",
        title=title,
        published=published,
        symbols=_unique(symbols),
        kind=kind,
        source_url=page_url,
        body=tuple(body),
        skip=skip,
        cut_at_endmark=True,
    )


# -- www.itu.int pages (SharePoint): MODELLED, not verified --------------------------------


def _is_itu(view: PageView) -> bool:
    return view.host.endswith("itu.int")


def _read_itu(view: PageView) -> Page:
    soup = view.soup
    page_url = view.url
    main = soup.select_one("#DeltaPlaceHolderMain, #contentBox, main") or soup.body or soup
    body = tuple(main.select(".ms-rtestate-field")) or (main,)
    title = _text(main.find("h1")) or view.meta("og:title") or _title_tag(soup)
    published = _first_date(main.select("time[datetime]")) or _meta_date(view)
    path = view.path
    extra = {}
    if published is None and (match := re.search(r"/(\d{4}-\d{2}-\d{2})\.aspx$", path)):
        # Speech pages are named after their date: /en/osg/speeches/Pages/2015-03-06.aspx.
        published = iso_date(match[1])
    # The rich-text field opens with a dateline ("06 March 2015, Geneva, Switzerland"); it
    # stays in the text and also gives the date when nothing else does.
    for block in body[0].find_all(["p", "div", "h2", "h3", "h4"], limit=4):
        line = _text(block)
        if line and (match := _DATELINE.match(line)):
            published = published or page_date(match[1])
            extra["place"] = match[2]
            break
    kind = "Speech" if "/speeches/" in path else None
    return Page(
        layout="itu.int",
        title=title,
        published=published,
        kind=kind,
        source_url=page_url,
        body=body,
        extra=extra,
    )


# -- older www.un.org/News/Press and www.un.org/press/en pages: MODELLED, not verified ------


def _is_old_un_press(view: PageView) -> bool:
    soup = view.soup
    host, path = view.host, view.path
    if host in {"www.un.org", "un.org"} and re.match(r"^/(?:News/Press/docs|press/en)/", path):
        return True
    title = soup.find("h1")
    if not isinstance(title, Tag):
        return False
    before = " ".join(_text(e) or "" for e in title.find_all_previous(["p", "td", "div"]))
    return _DPI_BANNER in before


def _header_cells(title: Tag) -> Iterator[tuple[Tag, list[str]]]:
    """Leaf-like elements before the title, with their lines (``<br>`` splits lines)."""
    for element in title.find_all_previous(["p", "td", "div", "span", "b", "strong"]):
        if element.find(["p", "td", "div", "table"]) is not None or _in_chrome(element):
            continue
        lines = [clean_inline(line) for line in element.get_text("\n").split("\n")]
        yield element, [line for line in lines if line]


def _read_old_un_press(view: PageView) -> Page:
    soup = view.soup
    page_url = view.url
    title_element = soup.find("h1")
    symbols: list[str] = []
    published = None
    kind = None
    if isinstance(title_element, Tag):
        # Static pages (1995-2013) put the date, "Press Release" and the symbols, one per
        # line, in cells above the title; read them from their shape, nearest first.
        for _element, lines in _header_cells(title_element):
            if lines and all(split_symbols(line) for line in lines):
                found = [s for line in lines for s in split_symbols(line)]
                if len(found) > len(symbols):
                    symbols = found
            elif lines and all(line in DOC_TYPES for line in lines):
                kind = kind or lines[0]
            elif len(lines) == 1 and published is None:
                published = page_date(lines[0])
    # The Drupal 7 pages of www.un.org/press/en (2013-2020) name their fields.
    for element in soup.select(".field-name-field-symbol"):
        symbols.extend(split_symbols(element.get_text("\n")))
    published = (
        _first_date(soup.select("span.date-display-single, .field-name-field-dated")) or published
    )
    title = _text(title_element if isinstance(title_element, Tag) else None) or _title_tag(soup)
    if title:
        title = re.sub(r"^[A-Z][A-Z0-9/.-]*\d+\s*:\s*", "", title)  # "SG/SM/15706: Title"
    body: tuple[Tag, ...] = tuple(soup.select(".field-name-body")[:1])
    if not body and isinstance(title_element, Tag):
        body = _blocks_after(title_element)
    return Page(
        layout="www.un.org/News/Press",
        title=title,
        published=published,
        symbols=_unique(symbols),
        kind=kind or ("Press Release" if symbols else None),
        source_url=page_url,
        body=body,
        cut_at_endmark=True,
    )


def _blocks_after(title: Tag) -> tuple[Tag, ...]:
    """The elements after the title inside the smallest ancestor that holds the paragraphs."""
    anchor: Tag = title
    for parent in title.parents:
        if not isinstance(parent, Tag):
            break
        following = [s for s in anchor.find_next_siblings() if isinstance(s, Tag)]
        if any(s.name == "p" or s.find("p") is not None for s in following):
            return tuple(following)
        anchor = parent
    return ()


# -- generic fallback: any other page -------------------------------------------------------

_META_DATES = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "DC.date.issued",
    "DC.date",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
    "citation_publication_date",
    "publication_date",
    "pubdate",
    "date",
)


def _meta_date(view: PageView) -> str | None:
    for name in _META_DATES:
        value = view.meta(name)
        if value and (found := page_date(value)):
            return found
    for script in view.soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        found_value = _json_ld_value(data, "datePublished")
        if found_value and (found := page_date(found_value)):
            return found
    return None


def _json_ld_value(data: object, key: str, depth: int = 0) -> str | None:
    if depth > 6:
        return None
    if isinstance(data, dict):
        value = data.get(key)
        if isinstance(value, str):
            return value
        children: Iterable[object] = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = _json_ld_value(child, key, depth + 1)
        if found:
            return found
    return None


def _largest_text_block(root: Tag) -> Tag | None:
    """The element whose own paragraphs hold the most text (a page without ``<main>``)."""
    totals: dict[int, tuple[Tag, int]] = {}
    for paragraph in root.find_all("p"):
        parent = paragraph.parent
        if not isinstance(parent, Tag) or _in_chrome(paragraph):
            continue
        size = len(paragraph.get_text(strip=True))
        element, total = totals.get(id(parent), (parent, 0))
        totals[id(parent)] = (element, total + size)
    if not totals:
        return None
    return max(totals.values(), key=lambda pair: pair[1])[0]


def _read_generic(view: PageView) -> Page:
    soup = view.soup
    container = (
        soup.find("main")
        or soup.select_one("[role=main]")
        or soup.find("article")
        or _largest_text_block(soup)
        or soup.body
        or soup
    )
    assert isinstance(container, Tag)
    title = (
        view.meta("og:title", "DC.title", "dcterms.title")
        or _text(container.find("h1"))
        or _title_tag(soup)
    )
    published = _meta_date(view) or _first_date(container.select("time[datetime]"))
    return Page(
        layout="generic",
        title=title,
        published=published,
        source_url=view.url,
        body=(container,),
        skip=frozenset(id(h) for h in container.find_all("h1")),
    )


LAYOUTS: tuple[Layout, ...] = (
    Layout("press.un.org", _is_press_un_org, _read_press_un_org),
    Layout("un.org/sg", _is_un_org_sg, _read_un_org_sg),
    Layout("unis.unvienna.org", _is_unis_vienna, _read_unis_vienna),
    Layout("itu.int", _is_itu, _read_itu),
    Layout("www.un.org/News/Press", _is_old_un_press, _read_old_un_press),
)
GENERIC = Layout("generic", lambda view: True, _read_generic)


def read_page(soup: BeautifulSoup, url: str | None = None) -> Page:
    """Read a parsed page with the first layout that matches it (else the generic one).

    A layout that finds no body hands over to the generic reader for the body, keeping the
    header fields it found.
    """
    view = PageView.of(soup, url)
    for layout in LAYOUTS:
        if layout.matches(view):
            page = layout.read(view)
            if page.body:
                return page
            generic = _read_generic(view)
            return Page(
                layout=f"{page.layout}+generic",
                title=page.title or generic.title,
                published=page.published or generic.published,
                symbols=page.symbols,
                kind=page.kind,
                source_url=page.source_url or generic.source_url,
                body=generic.body,
                skip=generic.skip,
                extra=page.extra,
            )
    return _read_generic(view)


# -- body text --------------------------------------------------------------------------


def _skipped(tag: Tag, skip: frozenset[int]) -> bool:
    if tag.name in SKIP_TAGS or id(tag) in skip:
        return True
    if _classes(tag) & SKIP_CLASSES:
        return True
    if tag.has_attr("hidden") or _attr(tag, "aria-hidden") == "true":
        return True
    style = (_attr(tag, "style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


_BREAK = None  # a <br> among the inline pieces of a block


def _paragraphs(pieces: list[str | None]) -> list[str]:
    """Paragraphs from one block's inline pieces: one <br> breaks a line, two a paragraph."""
    lines: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if piece is _BREAK:
            lines.append(clean_inline("".join(current)))
            current = []
        else:
            current.append(piece)
    lines.append(clean_inline("".join(current)))
    paragraphs: list[str] = []
    group: list[str] = []
    for line in lines:
        if line:
            group.append(line)
        elif group:
            paragraphs.append("\n".join(group))
            group = []
    if group:
        paragraphs.append("\n".join(group))
    return paragraphs


def block_texts(containers: Iterable[Tag], skip: frozenset[int] = frozenset()) -> list[str]:
    """The paragraphs of some elements, in document order, without chrome.

    >>> soup = BeautifulSoup("<div><p>One&nbsp; two</p>tail<ul><li>a<br>b</li></ul></div>", "lxml")
    >>> block_texts([soup.div])
    ['One  two', 'tail', 'a\\nb']
    """
    paragraphs: list[str] = []
    pieces: list[str | None] = []
    end_of_block = object()
    # An explicit stack, not recursion: pages nest deeply and must not exhaust the stack.
    stack: list[object] = list(reversed(list(containers)))
    while stack:
        node = stack.pop()
        if node is end_of_block:
            paragraphs.extend(_paragraphs(pieces))
            pieces = []
        elif isinstance(node, Tag):
            if _skipped(node, skip):
                continue
            if node.name == "br":
                pieces.append(_BREAK)
            elif node.name == "pre":
                paragraphs.extend(_paragraphs(pieces))
                pieces = []
                for line in node.get_text().split("\n"):
                    pieces.extend((line, _BREAK))
                paragraphs.extend(_paragraphs(pieces))
                pieces = []
            else:
                if node.name in BLOCK_TAGS:
                    paragraphs.extend(_paragraphs(pieces))
                    pieces = []
                    stack.append(end_of_block)
                stack.extend(reversed(node.contents))
        elif type(node) is NavigableString or isinstance(node, CData):
            pieces.append(str(node))
    paragraphs.extend(_paragraphs(pieces))
    return paragraphs


def page_text(page: Page) -> str:
    """The document text of a page: its paragraphs joined by blank lines."""
    paragraphs = block_texts(page.body, page.skip)
    if page.cut_at_endmark:
        for index, paragraph in enumerate(paragraphs):
            if _ENDMARK.match(paragraph):
                paragraphs = paragraphs[:index]
                break
    return "\n\n".join(paragraphs)


# -- reading ----------------------------------------------------------------------------


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` within its first 4 KiB.

    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=latin1">')
    'latin1'
    """
    match = _META_CHARSET.search(data[:4096])
    return match[1].decode("ascii", "replace") if match else None


def parse_html(
    data: bytes,
    *,
    origin: str,
    doc_id: str,
    url: str | None = None,
    declared_encoding: str | None = None,
) -> SourceDocument:
    """Read one HTML page into a document.

    ``url`` is where the page came from (the harvester passes it; it resolves relative links
    and helps choose the layout); ``declared_encoding`` is the HTTP ``charset``, tried before
    the page's own ``<meta charset>``. Raises :class:`SourceError` naming ``origin`` when the
    page cannot be decoded or has no body text.
    """
    decoded = decode_bytes(data, origin, declared=declared_encoding or declared_charset(data))
    with warnings.catch_warnings():
        # A short page that looks like a file name, or XHTML with an XML declaration, makes
        # BeautifulSoup warn; reading it as HTML is exactly what is meant here.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(decoded.text, "lxml")
    page = read_page(soup, url)
    text = page_text(page)
    if not text.strip():
        raise SourceError(origin, f"has no body text (read as a {page.layout} page)")
    extra = {**page.extra, "layout": page.layout, "encoding": decoded.label}
    return SourceDocument(
        doc_id=doc_id,
        origin=origin,
        text=text,
        format="html",
        source_url=page.source_url,
        published=page.published,
        title=page.title,
        page_symbols=page.symbols,
        page_kind=page.kind,
        extra=extra,
    )


def html_doc_id(path: Path) -> str:
    """A page's document id: its file name without ``.html``/``.htm`` (and ``.doc``).

    >>> html_doc_id(Path("press.un.org_sgsm21982.html")), html_doc_id(Path("sgsm9852.doc.htm"))
    ('press.un.org_sgsm21982', 'sgsm9852')
    """
    stem = path.stem
    return stem[: -len(".doc")] if stem.lower().endswith(".doc") else stem


def read_html(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Read one saved HTML page; the address comes from its canonical link."""
    data = read_limited(path, max_bytes=max_bytes)
    return parse_html(data, origin=str(path), doc_id=html_doc_id(path))


def read_html_source(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SourceDocument | SourceError]:
    """The registry's reader for ``.html``/``.htm``: the document, or the error that stopped it."""
    try:
        yield read_html(path, max_bytes=max_bytes)
    except SourceError as error:
        yield error
