"""Shared fixtures: the third-party data folder (``UNGRAPH_SHARED``) and settings per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


@dataclass(frozen=True)
class BenchRun:
    """What ``python -m bench --quick --only NAME`` printed and the figures it wrote."""

    stdout: str
    data: dict[str, Any]


@pytest.fixture
def quick_bench(tmp_path: Path) -> Callable[..., BenchRun]:
    """Runs one benchmark of the harness in quick mode in a fresh interpreter, its outputs under
    ``tmp_path`` (never the repository's var/ or bench/results/); ``env`` adds settings."""
    from ungraph.resources import project_root

    def run(name: str, *, timeout: float = 900, **env: str) -> BenchRun:
        root = project_root()
        assert root is not None
        results = tmp_path / "results"
        command = [sys.executable, "-m", "bench", "--quick", "--only", name]
        command += ["--results", str(results)]
        environment = {**os.environ, "UNGRAPH_VAR": str(tmp_path / "var"), **env}
        done = subprocess.run(
            command, cwd=root, env=environment, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return BenchRun(done.stdout, json.loads((results / f"{name}.json").read_text("utf-8")))

    return run
