"""Pages for people: the landing page with live statistics and charts, full-text search over
documents, and the query editor (YASGUI, served from this application)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ungraph.config import load_settings
from ungraph.iris import SDG_BASE
from ungraph.stats import Stats, collect_stats
from ungraph.store import GraphStore
from ungraph.web import prepared
from ungraph.web.addresses import page_href
from ungraph.web.catalogue import catalogue
from ungraph.web.charts import Bar, Chart, bar_list, column_chart, heat_map
from ungraph.web.search import SearchIndexes
from ungraph.web.state import current_store

bp = Blueprint("ui", __name__)

SEARCH_PAGE = 20
HEAT_ROWS = 25
"""Rows of a heat map at most: the busiest targets or action lines."""
VENDOR = Path(__file__).resolve().parent / "static" / "vendor" / "yasgui"


@bp.record_once
def _setup(state: object) -> None:
    app = state.app  # type: ignore[attr-defined]
    folder = app.config.get("UNGRAPH_SEARCH_DIR") or load_settings().var / "search"
    app.extensions["ungraph.search"] = SearchIndexes(Path(folder))


def natural_key(code: str) -> tuple[tuple[int, object], ...]:
    """Sort key putting ``9.c`` before ``10.1`` and ``C7.3`` after ``C2``.

    >>> sorted(["10.1", "9.c", "9.1", "C7.3", "C11", "C2"], key=natural_key)
    ['9.1', '9.c', '10.1', 'C2', 'C7.3', 'C11']
    """
    parts = re.findall(r"\d+|[^\d.]+", code)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def year_span(years: set[int]) -> list[str]:
    """Every year from the first to the last (gaps shown as empty columns).

    >>> year_span({2015, 2017})
    ['2015', '2016', '2017']
    """
    if not years:
        return []
    return [str(y) for y in range(min(years), max(years) + 1)]


def _int(value: object) -> int:
    return int(value.toPython()) if hasattr(value, "toPython") else int(str(value))


def landing_charts(store: GraphStore, href: Callable[[str], str]) -> list[Chart]:
    """The landing page's charts, each from one query in ``web/queries/chart-*.rq``."""
    counts = {
        _int(row["year"]): _int(row["documents"])
        for row in prepared.select(store, "chart-documents-per-year")
    }
    # Every year from the first to the last, so that a gap shows as a gap.
    per_year = [Bar(year, counts.get(int(year), 0)) for year in year_span(set(counts))]
    charts = [column_chart("per-year", "Documents per year", per_year, "documents")]

    target_cells: dict[tuple[str, str], int] = defaultdict(int)
    target_iris: dict[str, str] = {}
    years: set[int] = set()
    for row in prepared.select(store, "chart-targets-by-year"):
        iri = str(row["target"])
        code = iri[len(SDG_BASE) :] if iri.startswith(SDG_BASE) else iri.rsplit("/", 1)[-1]
        year = _int(row["year"])
        years.add(year)
        target_iris[code] = iri
        target_cells[(code, str(year))] += _int(row["documents"])
    charts.append(_heat("targets", "SDG targets by year", target_cells, target_iris, years, href))

    line_cells: dict[tuple[str, str], int] = defaultdict(int)
    line_iris: dict[str, str] = {}
    line_years: set[int] = set()
    for row in prepared.select(store, "chart-action-lines-by-year"):
        iri = str(row["line"])
        code = str(row.get("lineCode") or iri.rsplit("/", 1)[-1])
        year = _int(row["year"])
        line_years.add(year)
        line_iris[code] = iri
        line_cells[(code, str(year))] += _int(row["documents"])
    charts.append(
        _heat("action-lines", "WSIS action lines by year", line_cells, line_iris, line_years, href)
    )

    for ident, title, name, key in (
        ("speakers", "Top speakers", "chart-top-speakers", "speaker"),
        ("events", "Top events", "chart-top-events", "event"),
    ):
        bars = [
            Bar(
                str(row.get("label") or str(row[key]).rsplit("/", 1)[-1]),
                _int(row["documents"]),
                href(str(row[key])),
            )
            for row in prepared.select(store, name)
        ]
        charts.append(bar_list(ident, title, bars, "documents"))
    return charts


def _heat(
    ident: str,
    title: str,
    cells: dict[tuple[str, str], int],
    iris: dict[str, str],
    years: set[int],
    href: Callable[[str], str],
) -> Chart:
    totals: dict[str, int] = defaultdict(int)
    for (code, _), value in cells.items():
        totals[code] += value
    busiest = sorted(totals, key=lambda c: (-totals[c], natural_key(c)))[:HEAT_ROWS]
    rows = [(code, href(iris[code])) for code in sorted(busiest, key=natural_key)]
    kept = {k: v for k, v in cells.items() if k[0] in set(busiest)}
    if len(totals) > HEAT_ROWS:
        title = f"{title} (the {HEAT_ROWS} most addressed of {len(totals)})"
    return heat_map(ident, title, rows, year_span(years), kept, "documents")


def _stats_items(stats: Stats) -> list[tuple[str, int]]:
    """The counts the landing page lists: each kind the stats queries count, then triples."""
    items = [(kind.capitalize(), count) for kind, count in stats.entities.items()]
    items.append(("Triples", stats.triples))
    return items


@bp.get("/")
def index() -> str:
    """What the graph is, live counts, and the charts."""
    current_store()  # 503 while there is no store
    handle = current_app.extensions["ungraph"]
    # The counts and charts change only with the store version: computed once per version.
    stats, charts = handle.cached(
        "ui.landing",
        lambda store: (_stats_items(collect_stats(store)), landing_charts(store, page_href)),
    )
    return render_template("index.html", stats=stats, charts=charts)


@bp.get("/search")
def search() -> str:
    """Documents whose title or text match ``?q=`` (all words; "phrases"; prefix*)."""
    text = request.args.get("q", "").strip()
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        abort(400, description="?page= is a number from 1")
    results = None
    if text:
        indexes: SearchIndexes = current_app.extensions["ungraph.search"]
        index = indexes.get(current_store())
        results = index.search(text, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE)
    pages = max(1, -(-results.total // SEARCH_PAGE)) if results else 1

    def page_link(number: int) -> str:
        return url_for("ui.search", q=text, page=number)

    return render_template(
        "search.html",
        q=text,
        results=results,
        page=page,
        pages=pages,
        page_link=page_link,
        href=page_href,
    )


@bp.get("/query")
def editor() -> Response:
    """The query editor, its tabs preloaded with the catalogue of example queries."""
    queries = catalogue()
    installed = (VENDOR / "yasgui.min.js").is_file()
    endpoint = (
        url_for("sparql.endpoint") if "sparql.endpoint" in current_app.view_functions else "/sparql"
    )
    html = render_template(
        "query.html",
        queries=queries,
        catalogue=[q.to_json() for q in queries],
        endpoint=endpoint,
        installed=installed,
        selected=request.args.get("query", ""),
        # Where the pages of {base}id/... live, for the editor to link result IRIs there.
        pages=url_for("resources.page", path="-").removesuffix("-"),
    )
    return Response(html, mimetype="text/html")
