"""Fixtures of the serving tests: stores built in ``tmp_path`` and an application per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ungraph.store import load_files
from ungraph.web import create_app

DATA = Path(__file__).resolve().parent.parent / "data" / "serve"
DATASET = DATA / "dataset.trig"
REGISTRY = "https://w3id.org/ungraph/graph/registry"
DOC1_GRAPH = "https://w3id.org/ungraph/graph/document/doc-1"
DOC2_GRAPH = "https://w3id.org/ungraph/graph/document/doc-2"

# Limits that keep tests quick and independent of the developer's environment.
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "UNGRAPH_RATE_LIMIT": 0,
    "UNGRAPH_QUERY_WORKERS": 0,
    "UNGRAPH_STORE_CHECK_INTERVAL": 0,
}


@pytest.fixture
def store_dir(tmp_path: Path) -> str:
    """A folder store holding the test dataset."""
    location = str(tmp_path / "store")
    load_files(location, [DATASET])
    return location


def make_app(location: str, **config: Any) -> Flask:
    return create_app({**TEST_CONFIG, "UNGRAPH_STORE": location, **config})


@pytest.fixture
def app(store_dir: str) -> Iterator[Flask]:
    application = make_app(store_dir)
    yield application
    application.extensions["ungraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
