"""The harvester against a local HTTP server: politeness, probing, caching, corpus-shaped output.

Nothing here reaches the internet: every address points at a threaded ``http.server`` on
127.0.0.1 serving the real press.un.org pages of ``corpus/html`` (read by path), fixture pages
and a robots.txt written here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ungraph.cli import EXIT_FAILED, main
from ungraph.config import load_settings
from ungraph.sources import SourceDocument, iter_documents
from ungraph.sources.harvest import (
    ANCHORS,
    Fetcher,
    HarvestConfig,
    HarvestResult,
    candidate_years,
    default_user_agent,
    estimate_year,
    harvest,
    press_path,
)
from ungraph.sources.html import read_html

HTML_DIR = load_settings().corpus_dir / "html"
FIXTURES = Path(__file__).parent / "data" / "html"
ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


@dataclass
class Hit:
    path: str
    at: float
    user_agent: str
    host: str


class Site:
    """What the local server answers (path -> answers served in turn, the last repeating)
    and every request it saw, timed on arrival."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {
            "/robots.txt": [Answer(body=ROBOTS, headers={"Content-Type": "text/plain"})]
        }
        self.hits: list[Hit] = []
        self.base = ""
        self.lock = threading.Lock()

    def page(self, path: str, body: bytes, **headers: str) -> None:
        self.routes[path] = [Answer(body=body, headers={"Content-Type": "text/html", **headers})]

    def answer(self, path: str) -> Answer:
        with self.lock:
            answers = self.routes.get(path)
            if not answers:
                return Answer(status=404, body=b"<p>Not found</p>")
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(
                Hit(
                    self.path,
                    time.monotonic(),
                    self.headers.get("User-Agent", ""),
                    self.headers.get("Host", ""),
                )
            )
            answer = state.answer(self.path)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _config(tmp_path: Path, site: Site, **overrides: Any) -> HarvestConfig:
    values: dict[str, Any] = {
        "out": tmp_path / "out",
        "cache": tmp_path / "cache",
        "delay": 0.02,
        "base_url": site.base,
        "max_retry_after": 5.0,
        "timeout": 10.0,
    }
    values.update(overrides)
    return HarvestConfig(**values)


def _real(name: str) -> bytes:
    return (HTML_DIR / name).read_bytes()


def _run(config: HarvestConfig, *targets: str) -> tuple[list[HarvestResult], Fetcher]:
    fetcher = Fetcher(config)
    return list(harvest(targets, config, fetcher=fetcher)), fetcher


# -- symbols to addresses ---------------------------------------------------------------


def test_symbol_addresses_follow_press_un_org() -> None:
    assert press_path("SG/SM/17419", 2015) == "/en/2015/sgsm17419.doc.htm"
    assert press_path("GA/11741", 2015) == "/en/2015/ga11741.doc.htm"
    assert press_path("SG/SM/9852-OBV/480", 2005) == "/en/2005/sgsm9852.doc.htm"


def test_anchors_are_facts_in_order() -> None:
    # Numbers run up with time in every series; a typo in the table would break estimates.
    for series, anchors in ANCHORS.items():
        numbers = [number for number, _ in anchors]
        years = [day[:4] for _, day in anchors]
        full_dates = [day for _, day in anchors if len(day) == 10]
        assert numbers == sorted(numbers), series
        assert years == sorted(years), series
        assert full_dates == sorted(full_dates), series
    # Each anchor estimates its own year.
    for series, anchors in ANCHORS.items():
        for number, day in anchors:
            assert estimate_year(f"{series}/{number}") == int(day[:4]), (series, number)


def test_candidate_years_probe_around_the_estimate() -> None:
    assert candidate_years("SG/SM/21982", probe=1) == [2023, 2024, 2022]
    assert candidate_years("SC/12345") == []
    assert candidate_years("SC/12345", year=2016) == [2016]


# -- fetching politely --------------------------------------------------------------------


def test_symbol_found_by_probing_neighbouring_years(tmp_path: Path, site: Site) -> None:
    # SG/SM/21982 is estimated in 2023; put it in 2024 and another release in 2023.
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21980.html"))
    site.page("/en/2024/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    (result,), _ = _run(_config(tmp_path, site, probe_years=1), "SG/SM/21982")
    assert result.ok, result.error
    assert site.paths() == [
        "/robots.txt",
        "/en/2023/sgsm21982.doc.htm",
        "/en/2024/sgsm21982.doc.htm",
    ]
    assert result.url == f"{site.base}/en/2024/sgsm21982.doc.htm"


def test_symbol_not_found_lists_what_was_tried(tmp_path: Path, site: Site) -> None:
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21980.html"))
    (result,), _ = _run(_config(tmp_path, site, probe_years=1), "SG/SM/21982")
    assert not result.ok
    assert result.error is not None
    assert "carries SG/SM/21980" in result.error
    assert "/en/2024/sgsm21982.doc.htm (404)" in result.error
    assert "/en/2022/sgsm21982.doc.htm (404)" in result.error


def test_given_year_is_the_only_probe(tmp_path: Path, site: Site) -> None:
    site.page(
        "/en/2016/sgsm17700.doc.htm", (FIXTURES / "press_un_org_multi_symbol.html").read_bytes()
    )
    (result,), _ = _run(_config(tmp_path, site, year=2016), "SG/SM/17700")
    assert result.ok, result.error
    assert site.paths() == ["/robots.txt", "/en/2016/sgsm17700.doc.htm"]


def test_a_series_without_anchors_needs_a_year(tmp_path: Path, site: Site) -> None:
    (result,), _ = _run(_config(tmp_path, site), "SC/15432")
    assert result.error is not None and "give --year" in result.error
    assert site.hits == []


def test_robots_disallow_is_respected_and_read_once(tmp_path: Path, site: Site) -> None:
    site.page("/private/page.htm", _real("press.un.org_sgsm21982.html"))
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    results, _ = _run(
        _config(tmp_path, site),
        f"{site.base}/private/page.htm",
        f"{site.base}/en/2023/sgsm21982.doc.htm",
    )
    assert not results[0].ok and "robots.txt" in (results[0].error or "")
    assert results[1].ok
    assert "/private/page.htm" not in site.paths()
    assert site.paths().count("/robots.txt") == 1


def test_a_robots_txt_that_shuts_us_out(tmp_path: Path, site: Site) -> None:
    site.routes["/robots.txt"] = [Answer(body=b"User-agent: ungraph\nDisallow: /\n")]
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/en/2023/sgsm21982.doc.htm")
    assert not result.ok
    assert site.paths() == ["/robots.txt"]


def test_unreachable_robots_txt_means_stay_away(tmp_path: Path, site: Site) -> None:
    site.routes["/robots.txt"] = [Answer(status=500, body=b"oops")]
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/en/2023/sgsm21982.doc.htm")
    assert not result.ok and "robots.txt" in (result.error or "")
    assert "/en/2023/sgsm21982.doc.htm" not in site.paths()


def test_missing_robots_txt_allows_everything(tmp_path: Path, site: Site) -> None:
    del site.routes["/robots.txt"]
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/en/2023/sgsm21982.doc.htm")
    assert result.ok, result.error


def test_requests_to_a_host_are_spaced_by_the_delay(tmp_path: Path, site: Site) -> None:
    names = ["press.un.org_sgsm21978.html", "press.un.org_sgsm21980.html"]
    for name in names:
        site.page(f"/p/{name}", _real(name))
    targets = [f"{site.base}/p/{name}" for name in names] + [f"{site.base}/p/missing"]
    results, _ = _run(_config(tmp_path, site, delay=0.3), *targets)
    assert [r.ok for r in results] == [True, True, False]
    times = [hit.at for hit in site.hits]
    assert len(times) == 4  # robots.txt and three pages
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= 0.3 * 0.95, gaps


def test_robots_crawl_delay_wins_when_longer(tmp_path: Path, site: Site) -> None:
    site.routes["/robots.txt"] = [Answer(body=b"User-agent: *\nCrawl-delay: 1\n")]
    site.page("/a", _real("press.un.org_sgsm21978.html"))
    site.page("/b", _real("press.un.org_sgsm21980.html"))
    _run(_config(tmp_path, site, delay=0.01), f"{site.base}/a", f"{site.base}/b")
    assert site.hits[2].at - site.hits[1].at >= 0.95


def test_the_user_agent_identifies_the_project(tmp_path: Path, site: Site) -> None:
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    agent = default_user_agent("data-team@example.org")
    _run(_config(tmp_path, site, user_agent=agent), f"{site.base}/en/2023/sgsm21982.doc.htm")
    assert {hit.user_agent for hit in site.hits} == {agent}
    assert agent.startswith("ungraph/") and "+https://w3id.org/ungraph" in agent


def test_a_second_run_is_served_from_the_cache(tmp_path: Path, site: Site) -> None:
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21980.html"))
    site.page("/en/2024/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    site.page("/p/dsg", _real("press.un.org_dsgsm1874.html"))
    config = _config(tmp_path, site, probe_years=1)
    first, fetcher = _run(config, "SG/SM/21982", f"{site.base}/p/dsg")
    assert all(r.ok for r in first) and fetcher.requests_made == len(site.hits) == 4
    site.hits.clear()
    second, fetcher = _run(config, "SG/SM/21982", f"{site.base}/p/dsg")
    assert all(r.ok and r.from_cache for r in second)
    assert fetcher.requests_made == 0 and site.hits == []
    assert [r.text_path for r in second] == [r.text_path for r in first]
    # --refresh goes back to the network.
    third, fetcher = _run(_config(tmp_path, site, refresh=True), f"{site.base}/p/dsg")
    assert third[0].ok and not third[0].from_cache and fetcher.requests_made == 2


def test_404_and_500_are_reported_and_the_rest_goes_on(tmp_path: Path, site: Site) -> None:
    site.routes["/broken"] = [Answer(status=500, body=b"<p>error</p>")]
    site.page("/ok", _real("press.un.org_sgsm21982.html"))
    results, _ = _run(
        _config(tmp_path, site), f"{site.base}/gone", f"{site.base}/broken", f"{site.base}/ok"
    )
    assert [r.ok for r in results] == [False, False, True]
    assert "HTTP 404" in (results[0].error or "")
    assert "HTTP 500" in (results[1].error or "")
    assert site.paths().count("/broken") == 1  # a 500 is not retried


def test_retry_after_is_honoured(tmp_path: Path, site: Site) -> None:
    page = _real("press.un.org_sgsm21982.html")
    site.routes["/busy"] = [
        Answer(status=503, body=b"busy", headers={"Retry-After": "1"}),
        Answer(status=429, body=b"slow down", headers={"Retry-After": "1"}),
        Answer(body=page),
    ]
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/busy")
    assert result.ok, result.error
    busy = [hit.at for hit in site.hits if hit.path == "/busy"]
    assert len(busy) == 3
    assert busy[1] - busy[0] >= 0.95 and busy[2] - busy[1] >= 0.95


def test_a_retry_after_longer_than_allowed_gives_up_at_once(tmp_path: Path, site: Site) -> None:
    site.routes["/later"] = [Answer(status=503, body=b"", headers={"Retry-After": "3600"})]
    started = time.monotonic()
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/later")
    assert not result.ok and "3600" in (result.error or "")
    assert time.monotonic() - started < 3
    assert site.paths().count("/later") == 1


def test_redirects_stay_on_allowed_hosts(tmp_path: Path, site: Site) -> None:
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    site.routes["/old"] = [Answer(status=301, headers={"Location": "/en/2023/sgsm21982.doc.htm"})]
    port = site.base.rsplit(":", 1)[1]
    site.routes["/away"] = [Answer(status=302, headers={"Location": f"http://localhost:{port}/x"})]
    results, _ = _run(_config(tmp_path, site), f"{site.base}/old", f"{site.base}/away")
    assert results[0].ok and results[0].url == f"{site.base}/en/2023/sgsm21982.doc.htm"
    assert not results[1].ok and "off the UN hosts" in (results[1].error or "")
    assert not any(hit.host.startswith("localhost") for hit in site.hits)


def test_a_page_that_is_not_html_is_refused(tmp_path: Path, site: Site) -> None:
    site.routes["/doc.pdf"] = [
        Answer(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    ]
    (result,), _ = _run(_config(tmp_path, site), f"{site.base}/doc.pdf")
    assert not result.ok and "not an HTML page (application/pdf)" in (result.error or "")


def test_a_target_that_is_neither_address_nor_symbol(tmp_path: Path, site: Site) -> None:
    (result,), _ = _run(_config(tmp_path, site), "ftp://example.org/x")
    assert not result.ok and "neither an http(s) address nor a press symbol" in (result.error or "")


# -- output ------------------------------------------------------------------------------


def test_output_parses_back_into_the_same_header(tmp_path: Path, site: Site) -> None:
    names = ["press.un.org_sgsm21947.html", "press.un.org_dsgsm1874.html"]
    for name in names:
        site.page(f"/p/{name}", _real(name))
    site.page("/multi", (FIXTURES / "press_un_org_multi_symbol.html").read_bytes())
    targets = [f"{site.base}/p/{name}" for name in names] + [f"{site.base}/multi"]
    results, _ = _run(_config(tmp_path, site), *targets)
    assert all(r.ok for r in results), [r.error for r in results]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dsg-sm-1874.meta.json",
        "dsg-sm-1874.txt",
        "sg-sm-17700.meta.json",
        "sg-sm-17700.txt",
        "sg-sm-21947.meta.json",
        "sg-sm-21947.txt",
    ]
    harvested = {d.doc_id: d for d in iter_documents([tmp_path / "out"])}
    pages = [HTML_DIR / name for name in names] + [FIXTURES / "press_un_org_multi_symbol.html"]
    for page, slug in zip(pages, ["sg-sm-21947", "dsg-sm-1874", "sg-sm-17700"], strict=True):
        original = read_html(page)
        copy = harvested[slug]
        assert isinstance(copy, SourceDocument) and copy.format == "text"
        assert copy.title == original.title
        assert copy.published == original.published
        assert copy.page_symbols == original.page_symbols
        assert copy.page_kind == original.page_kind == "Press Release"
        assert copy.source_url == original.source_url
        assert copy.text == original.text + "\n"
        assert copy.extra["layout"] == "press.un.org"
        assert copy.extra["retrieved"].endswith("Z")
    meta = json.loads((tmp_path / "out" / "sg-sm-17700.meta.json").read_text(encoding="utf-8"))
    assert meta["symbols"] == ["SG/SM/17700", "OBV/1500", "PI/2100"]
    assert meta["doc_type"] == "Press Release"
    assert meta["source_url"] == "https://press.un.org/en/2016/sgsm17700.doc.htm"


def test_cli_harvest_reports_each_target_and_exits_1_on_failure(tmp_path: Path, site: Site) -> None:
    site.page("/en/2023/sgsm21982.doc.htm", _real("press.un.org_sgsm21982.html"))
    result = CliRunner().invoke(
        main,
        [
            "--var",
            str(tmp_path / "var"),
            "harvest",
            "SG/SM/21982",
            f"{site.base}/missing",
            "--out",
            str(tmp_path / "out"),
            "--delay",
            "0.01",
            "--probe-years",
            "0",
            "--base-url",
            site.base,
        ],
    )
    assert result.exit_code == EXIT_FAILED, result.output
    assert "ok     SG/SM/21982" in result.output
    assert "failed " + f"{site.base}/missing" in result.output
    assert (tmp_path / "out" / "sg-sm-21982.txt").is_file()
    # The cache went to the default place under --var.
    assert any((tmp_path / "var" / "cache" / "harvest").glob("*.body"))
