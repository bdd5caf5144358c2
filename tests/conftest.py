"""Shared fixtures: the third-party data folder (``UNGRAPH_SHARED``) and settings per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from ungraph.config import Settings, load_settings

if TYPE_CHECKING:
    from ungraph.engines import Engine

# Property tests check behaviour, not speed: hypothesis's per-example deadline (200 ms) fails them
# on a busy CI machine (an HTML example took 840 ms once and 0.9 ms when replayed). Speed is
# measured by the benchmarks in bench/.
hypothesis_settings.register_profile("ungraph", deadline=None)
hypothesis_settings.load_profile("ungraph")


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


# External SPARQL engines (tests marked ``engine``) ---------------------------------------------
# One Oxigraph server and one Virtuoso per test session, on loopback, started only when a test
# asks for them. `make test` sets UNGRAPH_REQUIRE_ENGINES=1 (and installs Virtuoso first), so a
# missing engine fails there; a bare `pytest` skips those tests, saying why.
def _engine(name: str) -> Iterator[Engine]:
    from ungraph.engines import EngineError, missing, start

    reason = missing(name)
    if reason:
        if os.environ.get("UNGRAPH_REQUIRE_ENGINES") == "1":
            pytest.fail(f"{name} is required here: {reason}")
        pytest.skip(f"{name} is not available: {reason}")
    try:
        # Oxigraph server's own time limit backs up the endpoint's (which closes the connection,
        # but Oxigraph finishes an aggregate it has started unless told to stop).
        engine = start(name, timeout=20) if name == "oxigraph" else start(name)
    except EngineError as error:
        pytest.fail(str(error))
    try:
        yield engine
    finally:
        from ungraph.store.remote import close_connections

        engine.stop()
        close_connections()


@pytest.fixture(scope="session")
def oxigraph_engine() -> Iterator[Engine]:
    """``oxigraph serve`` on a free loopback port, with a temporary data folder."""
    yield from _engine("oxigraph")


@pytest.fixture(scope="session")
def virtuoso_engine() -> Iterator[Engine]:
    """Virtuoso (``virtuoso-t``) on free loopback ports, configured by ``ungraph.engines``."""
    yield from _engine("virtuoso")


@pytest.fixture
def remote_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The engine named by the test's parameter (``oxigraph`` or ``virtuoso``), wiped clean and
    with its credentials in the environment for the duration of the test."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    engine.wipe()
    with engine.credentials():
        yield engine
