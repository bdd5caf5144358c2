"""Shared fixtures: the third-party data folder (``UNGRAPH_SHARED``) and settings per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from ungraph.config import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings as a user gets them: defaults plus the environment (UNGRAPH_SHARED, ...)."""
    return load_settings()


@pytest.fixture(scope="session")
def shared_dir(settings: Settings) -> Path:
    return settings.require_dir("shared")


@pytest.fixture(scope="session")
def corpus_dir(settings: Settings) -> Path:
    return settings.require_dir("corpus")


@pytest.fixture(scope="session")
def reference_dir(settings: Settings) -> Path:
    return settings.require_dir("reference")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ instead of comparing with them.",
    )


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden files (``pytest --regen-golden``)."""
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> str:
    """A store built from the corpus by ``ungraph build`` once per test session (read it
    with ``open_store(corpus_store, read_only=True)``); its folder."""
    from click.testing import CliRunner

    from ungraph.cli import main

    store = tmp_path_factory.mktemp("corpus-store") / "store"
    result = CliRunner().invoke(
        main, ["--corpus", str(corpus_dir), "build", "--store", str(store), "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    return str(store)
