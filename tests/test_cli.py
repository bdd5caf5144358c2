"""The command line's contract: help lists the stages, errors exit with code 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ungraph.cli import EXIT_ERROR, main


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage: ungraph" in result.output
    assert "config" in result.output


def test_config_shows_origin_of_each_setting(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--shared", str(tmp_path), "config"])
    assert result.exit_code == 0, result.output
    assert f"corpus     {tmp_path / 'corpus'}" in result.output
    assert "(flag)" in result.output


def test_bad_setting_exits_2_with_message() -> None:
    result = CliRunner().invoke(main, ["--base-iri", "nope", "config"])
    assert result.exit_code == EXIT_ERROR
    assert "base_iri" in result.output
