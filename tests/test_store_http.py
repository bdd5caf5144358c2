"""The remote store's HTTP client keeps connections alive, but not beyond what servers allow."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ungraph.store.http import HttpClient


class _Recorder(BaseHTTPRequestHandler):
    """Answers every GET with the client's port: one port per TCP connection."""

    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self) -> None:
        body = str(self.client_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _port(client: HttpClient) -> bytes:
    return client.request("GET", "/").body()


def test_a_connection_is_reused_while_it_is_fresh(origin: str) -> None:
    client = HttpClient(origin, max_idle=30.0)
    assert _port(client) == _port(client) == _port(client)
    client.close()


def test_a_connection_idle_too_long_is_not_reused(origin: str) -> None:
    # Oxigraph server answers 500 on a connection idle beyond its own limit instead of
    # closing it, so the client must not wait to be told.
    client = HttpClient(origin, max_idle=0.05)
    first = _port(client)
    assert _port(client) == first
    time.sleep(0.2)
    assert _port(client) != first
    client.close()
