"""A polite harvester of UN press pages: robots.txt, a delay per host, a disk cache, corpus files.

Uses the standard library (``urllib.request``, ``urllib.robotparser``) rather than
``requests``: one sequential client needs no connection pool, and the stdlib's robots parser
pairs with it without another dependency. Redirects are followed by hand so that every hop is
checked against the allowed hosts and robots.txt and waits its turn like any request.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ungraph import __version__
from ungraph.iris import address_slug, symbol_slug
from ungraph.sources.decode import DEFAULT_MAX_BYTES, human_size
from ungraph.sources.html import parse_html
from ungraph.sources.model import SourceDocument, SourceError

PROJECT_URL = "https://w3id.org/ungraph"
PRESS_BASE = "https://press.un.org"
DEFAULT_DELAY = 2.0
DEFAULT_PROBE_YEARS = 2
MAX_REDIRECTS = 5
# Hosts (and their subdomains) a redirect may lead to without --allow-host.
UN_DOMAINS = ("un.org", "unvienna.org", "itu.int")
_REDIRECTS = {301, 302, 303, 307, 308}
_NOT_HERE = {404, 410}
_RETRY = {429, 503}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}

# Press-release series with the symbol numbers and dates the corpus manifests record
# (corpus/manifest.tsv, corpus/partial/manifest.tsv, corpus/html/manifest.tsv, the seed's
# sidecar and the corpus README's example address). Numbers run up through the years, so the
# year of another number is estimated between (or beyond) these anchors and then probed.
ANCHORS: dict[str, tuple[tuple[int, str], ...]] = {
    "SG/SM": (
        (9852, "2005-05-03"),
        (11272, "2007-11-12"),
        (15029, "2013-05-17"),
        (15259, "2013-09-08"),
        (15706, "2014-03-13"),
        (17419, "2015"),
        (19036, "2018-05-17"),
        (20690, "2021-04-20"),
        (20724, "2021-05-12"),
        (20871, "2021"),
        (21710, "2023-03-05"),
        (21947, "2023-09-19"),
        (21982, "2023-10-08"),
        (22242, "2024"),
        (22674, "2025-06-04"),
        (22741, "2025-07-26"),
        (22776, "2025-08-26"),
    ),
    "DSG/SM": ((1145, "2018"), (1874, "2023-09-18")),
    "GA": ((11741, "2015-12-15"),),
    "OBV": ((480, "2005-05-03"), (1219, "2013-05-17")),
    "PI": ((2059, "2013-05-17"),),
}

_PRESS_SYMBOL = re.compile(r"^([A-Z]+(?:/[A-Z]+)*)/([0-9]+)$")
_FIRST_YEAR = 1945


class HarvestError(Exception):
    """One target could not be harvested; the message says why."""


def default_user_agent(contact: str | None = None) -> str:
    """How the harvester introduces itself: product token, version, project and contact.

    >>> default_user_agent("data@example.org")
    'ungraph/0.1.0 (+https://w3id.org/ungraph; contact data@example.org)'
    """
    return f"ungraph/{__version__} (+{PROJECT_URL}; contact {contact or PROJECT_URL})"


@dataclass(frozen=True)
class HarvestConfig:
    """Everything the harvester needs; ``base_url`` is press.un.org except in tests."""

    out: Path
    cache: Path
    delay: float = DEFAULT_DELAY
    user_agent: str = field(default_factory=default_user_agent)
    base_url: str = PRESS_BASE
    year: int | None = None
    probe_years: int = DEFAULT_PROBE_YEARS
    allowed_hosts: tuple[str, ...] = ()
    refresh: bool = False
    timeout: float = 30.0
    max_retries: int = 3
    max_retry_after: float = 300.0
    max_bytes: int = DEFAULT_MAX_BYTES


# -- symbols and addresses --------------------------------------------------------------


def primary_symbol(symbol: str) -> str:
    """The first symbol of a combined one, upper-cased and without spaces.

    >>> primary_symbol(" sg/sm/9852-OBV/480 ")
    'SG/SM/9852'
    """
    compact = re.sub(r"\s+", "", symbol).upper()
    return re.split(r"-(?=[A-Z]+/)", compact)[0]


def is_press_symbol(target: str) -> bool:
    """True for a press-release symbol such as ``SG/SM/17419`` or ``GA/11741``.

    >>> is_press_symbol("SG/SM/17419"), is_press_symbol("https://press.un.org/")
    (True, False)
    """
    return _PRESS_SYMBOL.match(primary_symbol(target)) is not None


def press_path(symbol: str, year: int) -> str:
    """The press.un.org path of a symbol in a year.

    >>> press_path("SG/SM/17419", 2015)
    '/en/2015/sgsm17419.doc.htm'
    >>> press_path("DSG/SM/1874", 2023)
    '/en/2023/dsgsm1874.doc.htm'
    """
    return f"/en/{year}/{primary_symbol(symbol).replace('/', '').lower()}.doc.htm"


def _fractional_year(value: str) -> float:
    """An anchor's date as a year with a fraction; a bare year counts as its middle.

    >>> _fractional_year("2015"), round(_fractional_year("2023-10-08"), 2)
    (2015.5, 2023.77)
    """
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return parts[0] + 0.5
    year, month = parts[0], parts[1]
    day = parts[2] if len(parts) > 2 else 15
    return year + (date(year, month, day).timetuple().tm_yday - 1) / 366


def estimate_year(symbol: str, *, today: date | None = None) -> int | None:
    """The year a press-release number most likely falls in, from :data:`ANCHORS`.

    Linear between the two anchors around the number, extended from the nearest two beyond
    them, kept between 1945 and this year. None for a series without anchors.

    >>> estimate_year("SG/SM/17419"), estimate_year("SG/SM/21000"), estimate_year("GA/12000")
    (2015, 2021, 2015)
    >>> estimate_year("SC/15000") is None
    True
    """
    match = _PRESS_SYMBOL.match(primary_symbol(symbol))
    if not match or match[1] not in ANCHORS:
        return None
    series, number = match[1], int(match[2])
    points = [(n, _fractional_year(d)) for n, d in ANCHORS[series]]
    this_year = (today or date.today()).year
    if len(points) == 1:
        return min(max(int(points[0][1]), _FIRST_YEAR), this_year)
    if number <= points[0][0]:
        (n0, y0), (n1, y1) = points[0], points[1]
    elif number >= points[-1][0]:
        (n0, y0), (n1, y1) = points[-2], points[-1]
    else:
        index = next(i for i, (n, _) in enumerate(points) if n >= number)
        (n0, y0), (n1, y1) = points[index - 1], points[index]
    estimate = y0 + (number - n0) * (y1 - y0) / (n1 - n0) if n1 != n0 else y0
    return min(max(int(estimate), _FIRST_YEAR), this_year)


def candidate_years(
    symbol: str, *, year: int | None = None, probe: int = DEFAULT_PROBE_YEARS
) -> list[int]:
    """The years to try for a symbol: the given year alone, else the estimate and then its
    neighbours, nearest first (later before earlier).

    >>> candidate_years("SG/SM/17419", probe=2)
    [2015, 2016, 2014, 2017, 2013]
    >>> candidate_years("SG/SM/1", year=1999)
    [1999]
    """
    if year is not None:
        return [year]
    estimate = estimate_year(symbol)
    if estimate is None:
        return []
    this_year = date.today().year
    years = [estimate]
    for step in range(1, probe + 1):
        years.extend((estimate + step, estimate - step))
    return [y for y in years if _FIRST_YEAR <= y <= this_year]


# -- the cache --------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One answer to a GET, from the network or from the cache."""

    url: str  # the address asked for
    final_url: str  # after redirects
    status: int
    content_type: str
    charset: str | None
    body: bytes
    fetched_at: str  # ISO 8601, UTC
    from_cache: bool = False


class PageCache:
    """Raw pages on disk, keyed by the SHA-256 of the address: ``<key>.body`` + ``<key>.json``.

    Only successful (200) answers are kept. The metadata file is written last, so a run
    interrupted mid-write leaves no entry that looks complete.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.folder / f"{key}.body", self.folder / f"{key}.json"

    def load(self, url: str) -> Response | None:
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        return Response(
            url=url,
            final_url=str(meta.get("final_url") or url),
            status=int(meta.get("status", 200)),
            content_type=str(meta.get("content_type") or "text/html"),
            charset=meta.get("charset") if isinstance(meta.get("charset"), str) else None,
            body=body,
            fetched_at=str(meta.get("fetched_at") or ""),
            from_cache=True,
        )

    def store(self, response: Response) -> None:
        body_path, meta_path = self._paths(response.url)
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(body_path, response.body)
        meta = {
            "url": response.url,
            "final_url": response.final_url,
            "status": response.status,
            "content_type": response.content_type,
            "charset": response.charset,
            "fetched_at": response.fetched_at,
        }
        _atomic_write(meta_path, json.dumps(meta, indent=2).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- fetching ---------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back to the caller, which checks the new host and robots.txt first."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date).

    >>> retry_after_seconds("120"), retry_after_seconds("soon")
    (120.0, None)
    >>> retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=0.0)
    60.0
    """
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in allowed)


class Fetcher:
    """GETs pages politely: robots.txt first (once per host), a wait between requests to the
    same host, retries on 429/503 as ``Retry-After`` asks, redirects checked hop by hop, and
    successful pages cached on disk. ``requests_made`` counts what reached the network."""

    def __init__(
        self,
        config: HarvestConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.cache = PageCache(config.cache)
        self._clock = clock
        self._sleep = sleep
        self._not_before: dict[str, float] = {}
        self._robots: dict[str, RobotsRules] = {}
        self._opener = urllib.request.build_opener(_NoRedirect())
        base_host = urlsplit(config.base_url).hostname or ""
        self.allowed_hosts = (*UN_DOMAINS, base_host, *config.allowed_hosts)
        self.requests_made = 0

    def cached(self, url: str) -> Response | None:
        return None if self.config.refresh else self.cache.load(url)

    def get(self, url: str) -> Response:
        """The page at ``url``: from the cache, else the network (and then cached if 200)."""
        cached = self.cached(url)
        if cached is not None:
            return cached
        response = self._follow(url, check_robots=True)
        if response.status == 200:
            self.cache.store(response)
        return response

    def _follow(self, url: str, *, check_robots: bool) -> Response:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise HarvestError(f"{current} is not an http(s) address")
            if current != url and not (
                parts.hostname == urlsplit(url).hostname
                or _host_allowed(parts.hostname, self.allowed_hosts)
            ):
                raise HarvestError(
                    f"{url} redirects to {current}, off the UN hosts (allow it with --allow-host)"
                )
            if check_robots and not self._robots_allow(current):
                raise HarvestError(f"robots.txt of {parts.hostname} disallows {current}")
            status, headers, body = self._request(current)
            if status in _REDIRECTS:
                location = headers.get("Location")
                if not location:
                    raise HarvestError(f"{current} answered {status} without a Location")
                current = urljoin(current, location)
                continue
            content_type = headers.get_content_type()
            return Response(
                url=url,
                final_url=current,
                status=status,
                content_type=content_type,
                charset=headers.get_content_charset(),
                body=body,
                fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        raise HarvestError(f"{url} redirects more than {MAX_REDIRECTS} times")

    def _wait_turn(self, host: str) -> None:
        ready = self._not_before.get(host)
        if ready is not None:
            pause = ready - self._clock()
            if pause > 0:
                self._sleep(pause)

    def _host_delay(self, url: str) -> float:
        parts = urlsplit(url)
        robots = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        crawl_delay = robots.crawl_delay(self.config.user_agent) if robots else None
        return max(self.config.delay, crawl_delay or 0.0)

    def _request(self, url: str) -> tuple[int, Message, bytes]:
        host = urlsplit(url).netloc.lower()
        for attempt in range(self.config.max_retries + 1):
            self._wait_turn(host)
            status, headers, body = self._request_once(url)
            self._not_before[host] = self._clock() + self._host_delay(url)
            if status not in _RETRY or attempt == self.config.max_retries:
                return status, headers, body
            asked = retry_after_seconds(headers.get("Retry-After"))
            pause = asked if asked is not None else self._host_delay(url) * 2 ** (attempt + 1)
            if pause > self.config.max_retry_after:
                raise HarvestError(
                    f"{url} answered {status} and asks to wait {pause:.0f} s, more than "
                    f"the {self.config.max_retry_after:.0f} s allowed"
                )
            self._not_before[host] = max(self._not_before[host], self._clock() + pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_once(self, url: str) -> tuple[int, Message, bytes]:
        request = urllib.request.Request(
            url,
            headers={
                "User-Agent": self.config.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                "Accept-Language": "en",
            },
        )
        limit = self.config.max_bytes
        self.requests_made += 1
        try:
            with self._opener.open(request, timeout=self.config.timeout) as answer:
                status, headers, body = answer.status, answer.headers, answer.read(limit + 1)
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
            try:
                body = error.read(limit + 1)
            except OSError:
                body = b""
            finally:
                error.close()
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise HarvestError(f"{url} cannot be fetched: {reason}") from error
        if len(body) > limit:
            raise HarvestError(f"{url} is over the limit of {human_size(limit)}")
        return status, headers, body

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._load_robots(origin)
            self._robots[origin] = rules
        return rules.can_fetch(self.config.user_agent, url)

    def _load_robots(self, origin: str) -> RobotsRules:
        robots_url = f"{origin}/robots.txt"
        try:
            answer = self._follow(robots_url, check_robots=False)
        except HarvestError:
            # Unreachable robots.txt: assume everything is disallowed (RFC 9309, 2.3.1.4).
            return RobotsRules(None, allow_all=False)
        if answer.status == 200:
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(answer.body.decode("utf-8", "replace").splitlines())
            return RobotsRules(parser)
        if answer.status in {401, 403}:
            # RFC 9309 would allow crawling here; a UN host refusing us its robots.txt is
            # read as "stay away", as Python's robotparser does.
            return RobotsRules(None, allow_all=False)
        if 400 <= answer.status < 500:
            return RobotsRules(None, allow_all=True)  # no robots.txt: no restrictions
        return RobotsRules(None, allow_all=False)


@dataclass(frozen=True)
class RobotsRules:
    """A host's robots.txt: parsed rules, or a blanket answer when there are none to read."""

    parser: urllib.robotparser.RobotFileParser | None
    allow_all: bool = False

    def can_fetch(self, user_agent: str, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        value = self.parser.crawl_delay(user_agent)
        return float(value) if value is not None else None


# -- harvesting -------------------------------------------------------------------------


@dataclass(frozen=True)
class HarvestResult:
    """What became of one address or symbol."""

    target: str
    url: str | None = None
    text_path: Path | None = None
    meta_path: Path | None = None
    from_cache: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_html(response: Response) -> bool:
    return response.content_type in _HTML_TYPES


def _page_document(response: Response, origin: str) -> SourceDocument:
    if not _is_html(response):
        raise HarvestError(f"{origin} is not an HTML page ({response.content_type})")
    try:
        return parse_html(
            response.body,
            origin=origin,
            doc_id=origin,
            url=response.final_url,
            declared_encoding=response.charset,
        )
    except SourceError as error:
        raise HarvestError(str(error)) from error


def _symbols_match(document: SourceDocument, symbol: str) -> bool:
    wanted = primary_symbol(symbol)
    return any(primary_symbol(s) == wanted for s in document.page_symbols)


def output_slug(document: SourceDocument, url: str) -> str:
    """The file name (without suffix) of a harvested page: its symbol, else its address."""
    if document.page_symbols:
        return symbol_slug(document.page_symbols[0])
    return address_slug(document.source_url or url)


def write_document(document: SourceDocument, response: Response, out: Path) -> tuple[Path, Path]:
    """Write ``<slug>.txt`` and ``<slug>.meta.json`` in the corpus's shape and return them.

    The text is the HTML reader's, followed by one newline; the sidecar carries
    ``source_url``, ``published``, ``title``, ``symbols``, ``doc_type``, when the page was
    ``retrieved``, and what else the page's layout read (``layout``, ``place``, ...).
    """
    slug = output_slug(document, response.final_url)
    meta: dict[str, object] = {"source_url": document.source_url or response.final_url}
    if document.published:
        meta["published"] = document.published
    if document.title:
        meta["title"] = document.title
    if document.page_symbols:
        meta["symbols"] = list(document.page_symbols)
    if document.page_kind:
        meta["doc_type"] = document.page_kind
    if response.fetched_at:
        meta["retrieved"] = response.fetched_at
    for key, value in sorted(document.extra.items()):
        if key != "encoding" and key not in meta:
            meta[key] = value
    text_path = out / f"{slug}.txt"
    meta_path = out / f"{slug}.meta.json"
    text = document.text if document.text.endswith("\n") else document.text + "\n"
    _atomic_write(text_path, text.encode("utf-8"))
    _atomic_write(
        meta_path, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    )
    return text_path, meta_path


def _harvest_address(url: str, fetcher: Fetcher) -> tuple[SourceDocument, Response]:
    response = fetcher.get(url)
    if response.status != 200:
        raise HarvestError(f"{url} answered HTTP {response.status}")
    return _page_document(response, url), response


def _harvest_symbol(symbol: str, fetcher: Fetcher) -> tuple[SourceDocument, Response]:
    config = fetcher.config
    years = candidate_years(symbol, year=config.year, probe=config.probe_years)
    if not years:
        raise HarvestError(
            f"{symbol}: no anchors for its series to estimate the year from; give --year"
        )
    base = config.base_url.rstrip("/")
    urls = [base + press_path(symbol, year) for year in years]
    # A page already in the cache answers without a single request, whichever year it was.
    for url in urls:
        cached = fetcher.cached(url)
        if cached is not None and cached.status == 200 and _is_html(cached):
            try:
                document = _page_document(cached, url)
            except HarvestError:
                continue
            if _symbols_match(document, symbol):
                return document, cached
    tried: list[str] = []
    for url in urls:
        response = fetcher.get(url)
        if response.status in _NOT_HERE:
            tried.append(f"{url} ({response.status})")
            continue
        if response.status != 200:
            raise HarvestError(f"{url} answered HTTP {response.status}")
        document = _page_document(response, url)
        if _symbols_match(document, symbol):
            return document, response
        found = ", ".join(document.page_symbols) or "no symbol"
        tried.append(f"{url} (carries {found})")
    raise HarvestError(f"{symbol} not found; tried " + "; ".join(tried))


def harvest(
    targets: Iterable[str], config: HarvestConfig, *, fetcher: Fetcher | None = None
) -> Iterator[HarvestResult]:
    """Fetch each address or symbol and write its text and sidecar under ``config.out``.

    A symbol (``SG/SM/17419``) becomes a press.un.org address: with ``config.year`` that
    year, else the estimated year and its neighbours, stopping at the first page that
    answers 200 and carries the symbol. One result per target; a failure never stops the
    others.
    """
    fetcher = fetcher or Fetcher(config)
    for target in targets:
        wanted = target.strip()
        try:
            if re.match(r"^https?://", wanted, re.IGNORECASE):
                document, response = _harvest_address(wanted, fetcher)
            elif is_press_symbol(wanted):
                document, response = _harvest_symbol(wanted, fetcher)
            else:
                raise HarvestError(
                    f"{wanted!r} is neither an http(s) address nor a press symbol like SG/SM/17419"
                )
            text_path, meta_path = write_document(document, response, config.out)
        except HarvestError as error:
            yield HarvestResult(target=target, error=str(error))
            continue
        except OSError as error:
            yield HarvestResult(target=target, error=f"cannot write output: {error}")
            continue
        yield HarvestResult(
            target=target,
            url=response.final_url,
            text_path=text_path,
            meta_path=meta_path,
            from_cache=response.from_cache,
        )
