"""The ``ungraph`` command line: one thin sub-command per pipeline stage.

Exit codes follow pySHACL's convention where a command checks something: 0 success or
conforms, 1 does not conform / found problems, 2 error (bad input, missing setting).
"""

from __future__ import annotations

from typing import Any

import click

from ungraph import __version__
from ungraph.config import SettingError, Settings, load_settings

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
