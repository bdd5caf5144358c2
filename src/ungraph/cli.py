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
from ungraph.formats import RDF_FORMATS, RESULT_FORMATS, by_name
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
from ungraph.tables import result_table, stats_table

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
