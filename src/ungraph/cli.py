"""The ``ungraph`` command line: one thin sub-command per pipeline stage.

Exit codes follow pySHACL's convention where a command checks something: 0 success or
conforms, 1 does not conform / found problems, 2 error (bad input, missing setting).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ungraph import __version__
from ungraph.config import SettingError, Settings, load_settings
from ungraph.export import ExportOptions, export
from ungraph.extract.knowledge import Knowledge
from ungraph.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from ungraph.registry import VocabularyError
from ungraph.sources import DEFAULT_MAX_BYTES, SourceError, read_sources
from ungraph.sources.harvest import DEFAULT_DELAY, HarvestConfig, default_user_agent, harvest
from ungraph.stats import collect_stats
from ungraph.store import (
    AskResult,
    LoadFailed,
    LoadReport,
    QueryError,
    StoreError,
    load_files,
    open_store,
)
from ungraph.tables import evaluation_table, result_table, stats_table, worst_documents

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


class CommandError(click.ClickException):
    """An error the user can fix (bad input, missing setting): message on stderr, exit code 2."""

    exit_code = EXIT_ERROR


class CliContext:
    """What every sub-command receives: the settings, loaded lazily so --help never fails."""

    def __init__(self, overrides: dict[str, Any]) -> None:
        self._overrides = overrides
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(**self._overrides)
            except SettingError as error:
                raise CommandError(str(error)) from error
        return self._settings


pass_cli = click.make_pass_decorator(CliContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ungraph")
@click.option("--base-iri", help="Base IRI of minted resources [env UNGRAPH_BASE_IRI].")
@click.option(
    "--shared",
    type=click.Path(file_okay=False),
    help="Folder of third-party data (corpus, reference, ungd) [env UNGRAPH_SHARED].",
)
@click.option("--corpus", type=click.Path(file_okay=False), help="[env UNGRAPH_CORPUS]")
@click.option("--reference", type=click.Path(file_okay=False), help="[env UNGRAPH_REFERENCE]")
@click.option("--var", type=click.Path(file_okay=False), help="Build outputs [env UNGRAPH_VAR].")
@click.pass_context
def main(ctx: click.Context, /, **overrides: Any) -> None:
    """ungraph: the UN's ICT commitments as a linked-data knowledge graph."""
    ctx.obj = CliContext(overrides)


@main.command("config")
@pass_cli
def show_config(context: CliContext) -> None:
    """Show the settings in effect and where each comes from."""
    s = context.settings
    rows = [
        ("base_iri", s.base_iri, s.origin("base_iri")),
        ("shared", str(s.shared), s.origin("shared")),
        ("corpus", str(s.corpus_dir), s.origin("corpus")),
        ("reference", str(s.reference_dir), s.origin("reference")),
        ("ungd", str(s.ungd_dir), s.origin("ungd")),
        ("store", s.store_location, s.origin("store")),
        ("var", str(s.var), s.origin("var")),
    ]
    for name, value, origin in rows:
        click.echo(f"{name:<10} {value}  ({origin})")


# Store: load, query, stats, export ---------------------------------------------------------

_STORE_OPTION = click.option(
    "--store",
    "store_location",
    help="Store location: a folder or memory: [env UNGRAPH_STORE; default var/store].",
)


def _store_location(context: CliContext, store_location: str | None) -> str:
    return context.settings.with_overrides(store=store_location).store_location


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_STORE_OPTION
@click.option("--graph", help="Named graph for the files' triples (default: the default graph).")
@click.option(
    "--format",
    "format_name",
    type=click.Choice([f.name for f in RDF_FORMATS]),
    help="Force the RDF format (default: from the extension or the content).",
)
@pass_cli
def load_command(
    context: CliContext,
    files: tuple[str, ...],
    store_location: str | None,
    graph: str | None,
    format_name: str | None,
) -> None:
    """Load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML; .gz too) into the store.

    Each file loads completely or not at all; at the first bad file the files before it are
    kept and the command exits with 2.
    """
    location = _store_location(context, store_location)
    fmt = by_name(format_name) if format_name else None
    try:
        reports = load_files(location, files, graph=graph, fmt=fmt)
    except LoadFailed as failure:
        for report in failure.loaded:
            _echo_load(report)
        raise CommandError(str(failure.error)) from failure
    except StoreError as error:
        raise CommandError(str(error)) from error
    for report in reports:
        _echo_load(report)


def _echo_load(report: LoadReport) -> None:
    where = ", ".join(report.graphs) if report.graphs else "the default graph"
    click.echo(f"{report.path}: {report.quads} statements ({report.format}) into {where}")


_QUERY_FORMATS = ["table", *(f.name for f in RESULT_FORMATS), *(f.name for f in RDF_FORMATS)]


@main.command("query")
@click.argument("query")
@_STORE_OPTION
@click.option(
    "--format",
    "format_name",
    type=click.Choice(_QUERY_FORMATS),
    default="table",
    show_default=True,
    help="SPARQL results format for SELECT/ASK, RDF format for CONSTRUCT/DESCRIBE.",
)
@click.option("--timeout", type=click.FloatRange(min=0.001), help="Time limit in seconds.")
@pass_cli
def query_command(
    context: CliContext,
    query: str,
    store_location: str | None,
    format_name: str,
    timeout: float | None,
) -> None:
    """Run a SPARQL query (text, a .rq file, or - for stdin) on the store.

    Exits with 1 when an ASK query answers false, so it can serve as a check in scripts.
    """
    text = _query_text(query)
    location = _store_location(context, store_location)
    try:
        with open_store(location, read_only=True) as store:
            result = store.query(text, timeout=timeout)
            answered_false = isinstance(result, AskResult) and not result.value
            if format_name == "table":
                Console(soft_wrap=True).print(result_table(result))
            else:
                # json and xml name the SPARQL results formats; the rest are RDF formats.
                is_results = format_name in {f.name for f in RESULT_FORMATS}
                fmt = by_name(format_name, kinds=("results",) if is_results else ("rdf",))
                expected = "rdf" if result.kind == "graph" else "results"
                if fmt.kind != expected:
                    kind = "CONSTRUCT/DESCRIBE" if expected == "rdf" else "SELECT/ASK"
                    raise CommandError(f"--format {fmt.name} does not fit a {kind} query")
                out = sys.stdout.buffer
                for chunk in result.serialize(fmt):
                    out.write(chunk)
                out.flush()
    except (StoreError, QueryError) as error:
        raise CommandError(str(error)) from error
    if answered_false:
        raise SystemExit(EXIT_FAILED)


def _query_text(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    path = Path(query)
    looks_like_file = path.suffix.lower() in {".rq", ".sparql"} or (
        "\n" not in query and len(query) < 4096 and path.is_file()
    )
    if looks_like_file:
        try:
            return path.read_text("utf-8")
        except OSError as error:
            raise CommandError(f"cannot read query file {query}: {error.strerror}") from error
    return query


@main.command("stats")
@_STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_cli
def stats_command(context: CliContext, store_location: str | None, as_json: bool) -> None:
    """Count documents, persons, organizations, events, calls, annotations, links, triples."""
    location = _store_location(context, store_location)
    try:
        with open_store(location, read_only=True) as store:
            stats = collect_stats(store)
    except (StoreError, QueryError) as error:
        raise CommandError(str(error)) from error
    if as_json:
        click.echo(json.dumps(stats.to_json(), indent=2))
    else:
        Console().print(stats_table(stats))


@main.command("export")
@_STORE_OPTION
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--downloads-base", help="Public URL the dumps are served under [{base}downloads/].")
@click.option("--sparql-endpoint", help="Public SPARQL endpoint [{base}sparql].")
@click.option("--dataset-version", help="Version stated in the description [package version].")
@pass_cli
def export_command(
    context: CliContext,
    store_location: str | None,
    out: str,
    downloads_base: str | None,
    sparql_endpoint: str | None,
    dataset_version: str | None,
) -> None:
    """Write the dumps (TriG, N-Quads, Turtle, N-Triples, JSON-LD, RDF/XML; gzipped),
    SHA256SUMS, a JSON-LD context and void.ttl (VoID + DCAT) into a folder."""
    settings = context.settings
    location = _store_location(context, store_location)
    options = ExportOptions(
        base_iri=settings.base_iri,
        downloads_base=downloads_base,
        sparql_endpoint=sparql_endpoint,
        version=dataset_version or __version__,
    )
    try:
        with open_store(location, read_only=True) as store:
            report = export(store, Path(out), options)
    except (StoreError, QueryError) as error:
        raise CommandError(str(error)) from error
    for exported in report.files:
        click.echo(f"{exported.bytes:>12}  {exported.name}")
    click.echo(f"{report.triples} distinct triples, {report.quads} quads in {report.graphs} graphs")


# Documents: check what the readers make of inputs; harvest UN press pages -------------------


@main.command("sources")
@click.argument("specs", nargs=-1, required=True)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Largest document read, in bytes [5 MiB].",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document or error.")
def sources_command(specs: tuple[str, ...], max_bytes: int | None, as_json: bool) -> None:
    """Read files, folders and globs as the build does and list each document or error.

    Exit code 1 when any input could not be read.
    """
    failed = 0
    for item in read_sources(specs, max_bytes=max_bytes or DEFAULT_MAX_BYTES):
        if isinstance(item, SourceError):
            failed += 1
            if as_json:
                click.echo(json.dumps({"error": item.message, "origin": item.origin}))
            else:
                click.echo(f"error  {item}", err=True)
            continue
        if as_json:
            row = {
                "id": item.doc_id,
                "origin": item.origin,
                "format": item.format,
                "chars": len(item.text),
                "source_url": item.source_url,
                "published": item.published,
                "title": item.title,
                "symbols": list(item.page_symbols),
                "kind": item.page_kind,
                "extra": item.extra,
            }
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            date = item.published or "-"
            click.echo(f"{item.format:<5}  {date:<10}  {len(item.text):>7}  {item.origin}")
    if failed:
        raise SystemExit(EXIT_FAILED)


@main.command("harvest")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <slug>.txt + <slug>.meta.json.",
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=DEFAULT_DELAY,
    show_default=True,
    help="Seconds between requests to one host (a longer robots.txt Crawl-delay wins).",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Raw-page cache [var/cache/harvest].",
)
@click.option("--user-agent", help="User-Agent header [ungraph/<version> (+project; contact)].")
@click.option("--contact", help="Contact (e-mail or address) put in the default User-Agent.")
@click.option("--year", type=int, help="Year of the symbols given (else estimated and probed).")
@click.option(
    "--probe-years",
    type=click.IntRange(min=0, max=10),
    default=2,
    show_default=True,
    help="Years either side of the estimate to try for a symbol.",
)
@click.option(
    "--base-url",
    default="https://press.un.org",
    show_default=True,
    envvar="UNGRAPH_PRESS_BASE",
    help="Where symbols are looked up [env UNGRAPH_PRESS_BASE].",
)
@click.option("--allow-host", multiple=True, help="Extra host redirects may lead to.")
@click.option("--refresh", is_flag=True, help="Fetch again even when a page is cached.")
@pass_cli
def harvest_command(
    context: CliContext,
    targets: tuple[str, ...],
    out: Path,
    delay: float,
    cache: Path | None,
    user_agent: str | None,
    contact: str | None,
    year: int | None,
    probe_years: int,
    base_url: str,
    allow_host: tuple[str, ...],
    refresh: bool,
) -> None:
    """Fetch UN press pages by address or symbol (SG/SM/17419) into text + sidecar files.

    Respects robots.txt, waits between requests, identifies itself and caches raw pages.
    Exit code 1 when any target failed; the others are still written.
    """
    config = HarvestConfig(
        out=out,
        cache=cache or context.settings.cache_dir / "harvest",
        delay=delay,
        user_agent=user_agent or default_user_agent(contact),
        base_url=base_url,
        year=year,
        probe_years=probe_years,
        allowed_hosts=allow_host,
        refresh=refresh,
    )
    failed = 0
    for result in harvest(targets, config):
        if result.ok:
            origin = "cache" if result.from_cache else "fetched"
            click.echo(f"ok     {result.target}  {result.url}  ({origin}) -> {result.text_path}")
        else:
            failed += 1
            click.echo(f"failed {result.target}: {result.error}", err=True)
    if failed:
        raise SystemExit(EXIT_FAILED)


# Extraction -------------------------------------------------------------------------------
@main.command("extract")
@click.argument("specs", nargs=-1, required=True)
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per document (the contract)."
)
@click.option("--max-bytes", type=click.IntRange(min=1), help="Largest file read [5 MiB].")
@pass_cli
def extract_command(
    context: CliContext, specs: tuple[str, ...], as_json: bool, max_bytes: int | None
) -> None:
    """Extract facts with evidence from files, folders or globs (text, HTML, JSON lines)."""
    from ungraph.extract import extract_sources

    knowledge = _knowledge(context)
    failures = 0
    for item in extract_sources(specs, knowledge, max_bytes=max_bytes or DEFAULT_MAX_BYTES):
        if isinstance(item, Exception):
            failures += 1
            click.echo(f"ungraph extract: {item}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(item.to_json(), ensure_ascii=False))
        else:
            header = item.header
            speakers = ", ".join(s.name or f"({s.role})" for s in item.speakers) or "-"
            click.echo(
                f"{item.origin}: {header.symbol or '-'} {header.date.value if header.date else '-'} "
                f"{header.kind}; speakers {speakers}; events {len(item.events)}; SDG {len(item.sdg)}; "
                f"WSIS {len(item.wsis)}; calls {len(item.calls_to_action)}; ICT {item.ict_related}"
            )
    if failures:
        raise SystemExit(EXIT_FAILED)


def _knowledge(context: CliContext) -> Knowledge:
    try:
        return Knowledge.load(context.settings)
    except (VocabularyError, SettingError) as error:
        raise CommandError(str(error)) from error


@main.command("evaluate")
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of documents with .gold.json [the corpus].",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the figures as JSON to a file (- for standard output).",
)
@click.option(
    "--worst",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Worst documents listed per field.",
)
@pass_cli
def evaluate_command(
    context: CliContext, gold_dir: str | None, json_out: str | None, worst: int
) -> None:
    """Measure extraction against human annotations: precision, recall, F1 per field."""
    from ungraph.evaluate import evaluate_folder

    folder = Path(gold_dir) if gold_dir else context.settings.require_dir("corpus")
    evaluation, problems = evaluate_folder(folder, _knowledge(context))
    for problem in problems:
        click.echo(f"ungraph evaluate: {problem}", err=True)
    if json_out == "-":
        click.echo(json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2))
    else:
        Console().print(evaluation_table(evaluation))
        if worst:
            click.echo("worst documents per field:")
            for line in worst_documents(evaluation, worst):
                click.echo(f"  {line}")
        if json_out:
            Path(json_out).write_text(
                json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
    if problems:
        raise SystemExit(EXIT_FAILED)


@main.command("tag-sdg")
@pass_cli
def tag_sdg_command(context: CliContext) -> None:
    """Tag JSON lines {"id", "text"} on standard input with SDG goals and targets."""
    from ungraph.extract.sdg import tag_text

    failures = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            failures += 1
            click.echo(f"ungraph tag-sdg: <stdin>:{number}:{error.colno}: {error.msg}", err=True)
            continue
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("text"), str)
            or "id" not in record
        ):
            failures += 1
            click.echo(
                f"ungraph tag-sdg: <stdin>:{number}: needs an object with 'id' and a string 'text'",
                err=True,
            )
            continue
        goals, targets = tag_text(record["text"])
        click.echo(
            json.dumps({"id": record["id"], "goals": goals, "targets": targets}, ensure_ascii=False)
        )
    if failures:
        raise SystemExit(EXIT_FAILED)


# Vocabularies -----------------------------------------------------------------------------------
@main.command("vocab")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write each graph as Turtle into this folder.",
)
@pass_cli
def vocab_command(context: CliContext, out_dir: str | None) -> None:
    """Load and check the vocabularies and the registry; list the shared graphs they make."""
    from ungraph.iris import Minter
    from ungraph.vocab import vocabulary_graphs

    minter = Minter(context.settings.base_iri)
    try:
        graphs = vocabulary_graphs(context.settings, minter)
    except (VocabularyError, SettingError) as error:
        raise CommandError(str(error)) from error
    for name, graph in graphs.items():
        line = f"{name:<11} {len(graph):>6} triples  {minter.graph(name)}"
        if out_dir:
            path = Path(out_dir) / f"{name}.ttl"
            path.parent.mkdir(parents=True, exist_ok=True)
            graph.serialize(path, format="turtle")
            line += f"  -> {path}"
        click.echo(line)


# Ontology -----------------------------------------------------------------------------------------
@main.command("ontology-docs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="HTML file to write, e.g. var/docs/ontology.html.",
)
def ontology_docs_command(out: str) -> None:
    """Write the ontology's documentation page (HTML, rendered with pyLODE)."""
    from ungraph.ontology_docs import OntologyDocsError, write_ontology_html

    try:
        path = write_ontology_html(Path(out))
    except (OntologyDocsError, OSError) as error:
        raise CommandError(str(error)) from error
    click.echo(f"ontology documentation -> {path}")


# Serving -----------------------------------------------------------------------------------


@main.command("serve")
@_STORE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Server processes (each with its own query workers and rate limits).",
)
@click.option(
    "--threads",
    default=16,
    show_default=True,
    type=click.IntRange(1),
    help="Requests at once per server process.",
)
@click.option(
    "--query-workers",
    type=click.IntRange(0),
    help="Query processes per server process [env UNGRAPH_QUERY_WORKERS; 4].",
)
@click.option(
    "--query-timeout",
    type=float,
    help="Hard per-query time limit, seconds [env UNGRAPH_QUERY_TIMEOUT; 30].",
)
@click.option("--max-rows", type=int, help="Row cap of an answer [env UNGRAPH_MAX_ROWS; 100000].")
@click.option(
    "--max-result-bytes",
    type=int,
    help="Byte cap of an answer [env UNGRAPH_MAX_RESULT_BYTES; 100 MiB].",
)
@click.option(
    "--max-request-bytes",
    type=int,
    help="Largest request body [env UNGRAPH_MAX_REQUEST_BYTES; 1 MiB].",
)
@click.option(
    "--rate-limit",
    type=float,
    help="Requests per second per client, 0 for none [env UNGRAPH_RATE_LIMIT; 5].",
)
@click.option(
    "--rate-burst",
    type=int,
    help="Requests a client may make at once [env UNGRAPH_RATE_BURST; 50].",
)
@click.option(
    "--trusted-proxies",
    type=int,
    help="Proxies whose X-Forwarded-For is believed [env UNGRAPH_TRUSTED_PROXIES; 0].",
)
@pass_cli
def serve_command(
    context: CliContext,
    /,
    store_location: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    **limits: Any,
) -> None:
    """Serve the store: SPARQL endpoint, linked-data pages, downloads, /healthz and /metrics,
    under gunicorn. Limits and their settings: docs/serve.md."""
    from ungraph.web.serve import run_server

    config: dict[str, Any] = {
        "UNGRAPH_STORE": _store_location(context, store_location),
        "UNGRAPH_BASE_IRI": context.settings.base_iri,
    }
    config.update(
        {f"UNGRAPH_{name.upper()}": value for name, value in limits.items() if value is not None}
    )
    try:
        run_server(config, host=host, port=port, workers=workers, threads=threads)
    except SettingError as error:
        raise CommandError(str(error)) from error


# Build and validate -------------------------------------------------------------------------
@main.command("build")
@click.argument("sources", nargs=-1)
@_STORE_OPTION
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes [CPUs; 0: none].")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    help="Documents a worker validates in one pySHACL run [32].",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON build report here.",
)
@click.option("--prune", is_flag=True, help="Drop documents that are no longer in the sources.")
@click.option("--force", is_flag=True, help="Rebuild unchanged documents too.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds per document before it is quarantined; 0: no limit [120].",
)
@click.option("--max-bytes", type=click.IntRange(min=1), help="Largest document read [5 MiB].")
@click.option(
    "--optimize/--no-optimize",
    default=True,
    show_default=True,
    help="Compact the new store version for faster queries before switching to it.",
)
@click.option("-v", "--verbose", is_flag=True, help="One line per document.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@pass_cli
def build_command(
    context: CliContext,
    sources: tuple[str, ...],
    store_location: str | None,
    workers: int | None,
    batch: int | None,
    report: Path | None,
    prune: bool,
    force: bool,
    timeout: float | None,
    max_bytes: int | None,
    optimize: bool,
    verbose: bool,
    as_json: bool,
) -> None:
    """Build the graph from documents (files, folders, globs; default: the corpus folder):
    parse, extract, map, validate and load into a new store version, switched to when complete.

    Unchanged documents are skipped; documents that fail are quarantined and reported. Exit
    code 0 when everything was built, 1 when something was quarantined, 2 when the build
    could not run (the previous version stays current).
    """
    from ungraph.build import (
        DEFAULT_TIMEOUT,
        BuildError,
        BuildOptions,
        build,
        iter_quarantine_lines,
        summarize,
    )
    from ungraph.validate import DEFAULT_BATCH

    settings = context.settings
    try:
        specs = sources or (str(settings.require_dir("corpus")),)
    except SettingError as error:
        raise CommandError(str(error)) from error
    options = BuildOptions(
        sources=specs,
        store=_store_location(context, store_location),
        workers=workers,
        batch=batch or DEFAULT_BATCH,
        prune=prune,
        force=force,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        report=report,
        optimize=optimize,
    )
    console = Console(stderr=True)
    with _BuildProgress(console, enabled=console.is_terminal and not verbose) as progress:
        try:
            result = build(settings, options, on_document=progress.on_document(verbose))
        except BuildError as error:
            raise CommandError(str(error)) from error
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        for name, value in summarize(result):
            click.echo(f"{name:>20}  {value}")
    for line in iter_quarantine_lines(result):
        click.echo(line, err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    raise SystemExit(result.exit_code)


class _BuildProgress:
    """A rich progress bar on a terminal; one line per document with --verbose; else quiet."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        last = TextColumn("{task.fields[last]}")
        self.bar = Progress(*columns, last, console=console, transient=True) if enabled else None
        self.task = self.bar.add_task("documents", total=None, last="") if self.bar else None

    def on_document(self, verbose: bool) -> Any:
        def show(outcome: Any) -> None:
            if verbose:
                click.echo(f"{outcome.status:<11} {outcome.origin}  {outcome.message}".rstrip())
            if self.bar is not None and self.task is not None:
                self.bar.update(self.task, advance=1, last=Path(outcome.origin).name[-40:])

        return show

    def __enter__(self) -> _BuildProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@_STORE_OPTION
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes [CPUs; 0: none].")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    help="Graphs per pySHACL run [32].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def validate_command(
    context: CliContext,
    files: tuple[str, ...],
    store_location: str | None,
    workers: int | None,
    batch: int | None,
    as_json: bool,
) -> None:
    """Validate a store (default) or RDF files against the SHACL shapes.

    Exit code 0 when everything conforms, 1 when something does not, 2 on an error (an
    unreadable file, bad settings, no store).
    """
    from ungraph.rdfio import RdfInputError
    from ungraph.validate import (
        DEFAULT_BATCH,
        ShapesError,
        validate_files,
        validate_store,
        vocabulary_types,
    )

    if files and store_location:
        raise CommandError("give RDF files or --store, not both")
    try:
        if files:
            types = vocabulary_types(context.settings)
            report = validate_files(files, types, workers=workers, batch=batch or DEFAULT_BATCH)
        else:
            location = _store_location(context, store_location)
            with open_store(location, read_only=True) as store:
                base = context.settings.base_iri
                report = validate_store(store, base, workers=workers, batch=batch or DEFAULT_BATCH)
    except (
        RdfInputError,
        StoreError,
        QueryError,
        ShapesError,
        VocabularyError,
        SettingError,
        OSError,
    ) as error:
        raise CommandError(str(error)) from error
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        verdict = "conforms" if report.conforms else f"{len(report.failed)} graph(s) do not conform"
        click.echo(
            f"{report.source}: {report.graphs} graph(s), {report.triples} triples: {verdict}"
        )
        for validation in report.failed:
            click.echo(f"{validation.name}:")
            for result in validation.results:
                click.echo(f"    {result.describe()}")
    raise SystemExit(EXIT_OK if report.conforms else EXIT_FAILED)
