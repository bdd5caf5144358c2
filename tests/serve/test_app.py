"""The application factory: settings, the store handle, the error shape, request ids, CORS,
rate limiting, /healthz and /metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from ungraph.config import SettingError
from ungraph.store import begin_build, load_files
from ungraph.web import BLUEPRINTS, create_app
from ungraph.web.handle import StoreHandle
from ungraph.web.settings import KEYS, load_config

from .conftest import DATASET, DOC1_GRAPH, make_app

ERROR_KEYS = {"status", "title", "detail", "instance", "request_id"}


def assert_error(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is ``status`` with the one JSON error shape; returns the error member."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) >= ERROR_KEYS
    assert error["status"] == status
    assert error["title"]
    assert error["detail"]
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return error


# Settings -------------------------------------------------------------------------------------


def test_config_defaults_env_and_overrides() -> None:
    config = load_config({"UNGRAPH_MAX_ROWS": 7}, environ={"UNGRAPH_QUERY_TIMEOUT": "2.5"})
    assert config["UNGRAPH_MAX_ROWS"] == 7
    assert config["UNGRAPH_QUERY_TIMEOUT"] == 2.5
    assert config["UNGRAPH_BASE_IRI"] == "https://w3id.org/ungraph/"
    assert config["UNGRAPH_STORE"].endswith("var/store")
    for key in KEYS:
        assert key.name in config
        assert key.doc


def test_config_error_names_the_key_and_origin() -> None:
    with pytest.raises(SettingError, match=r"UNGRAPH_RATE_BURST \(from env UNGRAPH_RATE_BURST\)"):
        load_config({}, environ={"UNGRAPH_RATE_BURST": "0"})
    with pytest.raises(SettingError, match="UNGRAPH_NETWORK_SANDBOX"):
        load_config({"UNGRAPH_NETWORK_SANDBOX": "maybe"}, environ={})


def test_every_setting_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "serve.md").read_text(encoding="utf-8")
    for key in KEYS:
        assert f"`{key.name}`" in doc, key.name


# Factory and handle ---------------------------------------------------------------------------


def test_blueprints_are_registered(app: Flask) -> None:
    names = set(app.blueprints)
    for module in BLUEPRINTS:
        assert module.rsplit(".", 1)[1] in names
    assert isinstance(app.extensions["ungraph"], StoreHandle)
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["UNGRAPH_MAX_REQUEST_BYTES"]


def test_apps_do_not_share_state(store_dir: str, tmp_path: Path) -> None:
    other = str(tmp_path / "other")
    load_files(other, [DATASET])
    first, second = make_app(store_dir), make_app(other)
    assert first.extensions["ungraph"] is not second.extensions["ungraph"]
    assert (
        first.extensions["ungraph.metrics"].registry
        is not second.extensions["ungraph.metrics"].registry
    )
    first.test_client().get("/healthz")
    assert b'route="/healthz"' in first.test_client().get("/metrics").data
    assert b'route="/healthz"' not in second.test_client().get("/metrics").data


def test_handle_reopens_after_a_build(store_dir: str) -> None:
    handle = StoreHandle(store_dir, check_interval=0)
    before = handle.version
    assert DOC1_GRAPH in handle.store.named_graphs()
    with begin_build(store_dir) as build:
        build.store.drop_graph(DOC1_GRAPH)
    assert handle.version != before
    assert DOC1_GRAPH not in handle.store.named_graphs()


def test_handle_caches_per_version(store_dir: str) -> None:
    handle = StoreHandle(store_dir, check_interval=0)
    calls: list[int] = []

    def compute(store: object) -> int:
        calls.append(1)
        return len(calls)

    assert handle.cached("x", compute) == 1
    assert handle.cached("x", compute) == 1
    with begin_build(store_dir) as build:
        build.store.drop_graph(DOC1_GRAPH)
    assert handle.cached("x", compute) == 2


def test_memory_store_follows_builds() -> None:
    from ungraph.store.memory import forget_memory_store

    name = "memory:test-web-handle"
    try:
        handle = StoreHandle(name)
        assert handle.store.named_graphs() == []
        with begin_build(name, seed=False) as build:
            build.store.load_file(DATASET)
        assert DOC1_GRAPH in handle.store.named_graphs()
    finally:
        forget_memory_store("test-web-handle")


# Errors, request ids, CORS --------------------------------------------------------------------


def test_flask_404_has_the_error_shape(client: Any) -> None:
    error = assert_error(client.get("/no/such/page"), 404)
    assert error["instance"] == "/no/such/page"
    assert error["title"] == "Not Found"


def test_405_keeps_allow(client: Any) -> None:
    response = client.delete("/healthz")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unexpected_exception_is_a_500_without_internals(store_dir: str) -> None:
    app = make_app(store_dir)

    def boom() -> str:
        raise RuntimeError("secret internal detail /etc/passwd")

    app.add_url_rule("/boom", view_func=boom)
    response = app.test_client().get("/boom")
    error = assert_error(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert error["request_id"] in error["detail"]


def test_request_id_is_echoed_or_made(client: Any) -> None:
    given = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])


def test_cors_on_reads_without_credentials(client: Any) -> None:
    response = client.get("/healthz", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight(client: Any) -> None:
    response = client.options(
        "/healthz",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_long_query_string_is_414(store_dir: str) -> None:
    app = make_app(store_dir, UNGRAPH_MAX_REQUEST_BYTES=100)
    assert_error(app.test_client().get("/healthz?x=" + "a" * 200), 414)


# Rate limiting --------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(store_dir: str) -> None:
    app = make_app(store_dir, UNGRAPH_RATE_LIMIT=0.5, UNGRAPH_RATE_BURST=2)
    app.add_url_rule("/thing", view_func=lambda: "ok")
    client = app.test_client()
    assert [client.get("/thing").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/thing")
    error = assert_error(refused, 429)
    assert refused.headers["Retry-After"] == "2"
    assert error["retry_after"] == 2
    # Another client is not affected; health checks and metrics are never limited.
    other = client.get("/thing", environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert client.get("/healthz").status_code == 200
    assert b"ungraph_rate_limited_requests_total 1.0" in client.get("/metrics").data


def test_forwarded_for_is_ignored_unless_trusted(store_dir: str) -> None:
    for proxies, expected in ((0, 429), (1, 200)):
        app = make_app(
            store_dir,
            UNGRAPH_RATE_LIMIT=0.01,
            UNGRAPH_RATE_BURST=1,
            UNGRAPH_TRUSTED_PROXIES=proxies,
        )
        app.add_url_rule("/thing", view_func=lambda: "ok")
        client = app.test_client()
        assert client.get("/thing", headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 200
        second = client.get("/thing", headers={"X-Forwarded-For": "192.0.2.2"})
        assert second.status_code == expected


# Operations -----------------------------------------------------------------------------------


def test_healthz_reports_the_store(client: Any, app: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "ok"
    assert report["store_version"] == app.extensions["ungraph"].version
    assert report["documents"] == 0  # loaded with `load`, not `build`: no document records


def test_healthz_503_without_a_store(tmp_path: Path) -> None:
    app = make_app(str(tmp_path / "nothing-here"))
    error = assert_error(app.test_client().get("/healthz"), 503)
    assert "no store" in error["detail"]


def test_metrics_count_requests_by_route_and_status(client: Any) -> None:
    client.get("/healthz")
    client.get("/healthz")
    client.get("/nowhere")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(
        r'ungraph_http_requests_total\{method="GET",route="/healthz",status="200"\} 2\.0', text
    )
    assert re.search(
        r'ungraph_http_requests_total\{.*route="<unmatched>",status="404"\} 1\.0', text
    )
    assert re.search(r'ungraph_http_request_duration_seconds_count\{route="/healthz"\} 2\.0', text)
    assert "ungraph_sparql_query_timeouts_total 0.0" in text
    assert "ungraph_query_worker_restarts" in text


def test_create_app_before_the_first_build(tmp_path: Path) -> None:
    app = create_app({"UNGRAPH_STORE": str(tmp_path / "later"), "UNGRAPH_RATE_LIMIT": 0})
    assert app.test_client().get("/metrics").status_code == 200
