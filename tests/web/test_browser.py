"""End to end in headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is
ever downloaded): a real ``ungraph serve`` on a built store, the landing page, a query run in the
editor, a walk from a chart to a document page with its highlighted evidence. Screenshots go to
``test-artifacts/``; no request may leave the machine."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ungraph.export import ExportOptions, export
from ungraph.store import begin_build, open_store

if TYPE_CHECKING:
    # Imported at run time by the browser fixture only: without Playwright the tests are skipped.
    from playwright.sync_api import Browser, Page
    from tests.web.conftest import Fixture

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
UNGRAPH = Path(sys.executable).with_name("ungraph")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ungraph serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"ungraph serve did not answer {url} within {seconds} s")


@pytest.fixture(scope="module")
def server(fixture_graph: Fixture, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ungraph serve`` on a folder store holding the fixture graph, with its export."""
    root = tmp_path_factory.mktemp("served")
    store = str(root / "store")
    with begin_build(store, seed=False) as build:
        for graph, data in fixture_graph.graphs.items():
            build.store.replace_graph(graph, data)
    with open_store(store, read_only=True) as opened:
        export(opened, root / "dumps", ExportOptions(base_iri=fixture_graph.base))
    port = _free_port()
    env = {
        **os.environ,
        "UNGRAPH_DOWNLOADS": str(root / "dumps"),
        "UNGRAPH_SEARCH_DIR": str(root / "search"),
        "UNGRAPH_BASE_IRI": fixture_graph.base,
    }
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(UNGRAPH), "serve", "--store", store, "--port", str(port), "--rate-limit", "0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", process)
        yield base
    finally:
        # Only the server started here (its process group: gunicorn and its workers).
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        if ARTIFACTS.is_dir():
            shutil.copy(root / "serve.log", ARTIFACTS / "serve.log")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="make install brings it")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium")
    with playwright_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A page that records every request; none may go to another host."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    opened = context.new_page()
    requested: list[str] = []
    opened.on("request", lambda request: requested.append(request.url))
    yield opened
    context.close()
    outside = [url for url in requested if not url.startswith((server, "data:", "blob:", "about:"))]
    assert not outside, f"requests left the machine: {outside}"


def test_landing_page_shows_counts_and_charts(page: Page) -> None:
    page.goto("/")
    assert "commitments on ICT" in page.inner_text("h1")
    assert page.locator("figure.chart svg[role=img]").count() == 5
    assert page.locator("ul.stats li").first.inner_text().startswith("3")
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)


def test_query_editor_runs_a_query_and_shows_results(page: Page) -> None:
    page.goto("/query")
    page.wait_for_selector(".yasgui .CodeMirror", timeout=20_000)
    query = (
        "PREFIX ung: <https://w3id.org/ungraph/ontology#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        "SELECT ?document ?title WHERE { ?document a ung:Document ; dct:title ?title }\n"
        "ORDER BY ?title"
    )
    page.evaluate("query => window.ungraphEditor.getTab().getYasqe().setValue(query)", query)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr", timeout=30_000)
    rows = page.locator(".yasr table.dataTable tbody tr")
    assert rows.count() == 3
    assert "Remarks of the Secretary-General" in page.inner_text(".yasr")
    page.screenshot(path=str(ARTIFACTS / "query-editor.png"), full_page=True)
    # A result IRI opens the resource's page on this server.
    page.locator(".yasr a.iri", has_text="sg-sm-3003").first.click()
    page.wait_for_url("**/page/document/sg-sm-3003")
    assert "video message" in page.inner_text("h1")


def test_editor_tabs_are_the_catalogue(page: Page, server: str) -> None:
    import json

    page.goto("/query")
    page.wait_for_selector(".yasgui .CodeMirror", timeout=20_000)
    catalogue = json.loads(page.inner_text("script#catalogue") or "[]")
    tabs = page.locator(".yasgui .tabsList .tab")
    assert tabs.count() == max(1, len(catalogue))
    if catalogue:
        shown = page.evaluate("() => window.ungraphEditor.getTab().getYasqe().getValue()")
        assert shown == catalogue[0]["query"]
        # The first example runs against the endpoint and answers without an error.
        page.click(".yasqe_queryButton")
        page.wait_for_selector(".yasr_response_chip", timeout=30_000)
        assert page.locator(".yasr .errorHeader").count() == 0
        page.screenshot(path=str(ARTIFACTS / "query-example.png"), full_page=True)


def test_from_a_chart_to_a_document_with_highlighted_evidence(page: Page) -> None:
    page.goto("/")
    page.locator("#chart-speakers a").filter(has_text="Ban Ki-moon").first.click()
    page.wait_for_url("**/page/person/ban-ki-moon")
    assert "Ban Ki-moon" in page.inner_text("h1")
    page.get_by_role("link", name="Secretary-General urges wider broadband access").first.click()
    page.wait_for_url("**/page/document/sg-sm-1001")
    marks = page.locator(".document-text mark")
    assert marks.count() >= 8
    assert "Ban Ki-moon" in marks.all_inner_texts()
    # The passage reference leads to its facts.
    page.locator(".document-text a.ref").first.click()
    assert page.evaluate("() => location.hash") == "#fact-1"
    assert "speaker" in page.inner_text("#fact-1")
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)


def test_search_leads_to_the_document(page: Page) -> None:
    page.goto("/")
    page.fill("#site-q", "unconnected")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=unconnected")
    page.locator("ol.results a").first.click()
    page.wait_for_url("**/page/document/sg-sm-3003")
    page.screenshot(path=str(ARTIFACTS / "search-result.png"), full_page=True)


def test_keyboard_focus_is_visible(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.className, s.outlineStyle, s.outlineWidth]; }"
    )
    assert focused[0] == "skip"
    assert focused[1] == "solid" and focused[2] == "3px"
