"""``ungraph serve``: the application under gunicorn, used as a library.

Gunicorn's ``gthread`` workers serve requests on threads; queries run in each server process's
pool of query worker processes (see :mod:`ungraph.web.executor`), so one server process is
usually enough and keeps the rate limit exact. With several, ``PROMETHEUS_MULTIPROC_DIR`` is set
(to a fresh folder) before any process imports prometheus_client, and ``/metrics`` sums them.

This module imports neither Flask nor prometheus_client at import time, for that reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class UngraphServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn running ``create_app(app_config)`` with ``options`` (gunicorn settings)."""

    def __init__(self, app_config: Mapping[str, Any], options: Mapping[str, Any]) -> None:
        self.app_config = dict(app_config)
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        from ungraph.web import create_app

        app = create_app(self.app_config)
        executor = app.extensions["ungraph"].extras.get("executor")
        if executor is not None:
            executor.warm()
        return app


def _child_exit(server: Any, worker: Any) -> None:
    # A dead process's gauges must not count any more (prometheus_client multiprocess mode).
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _when_ready(server: Any) -> None:
    # Small answers go out in a few writes (headers, body, chunk end); with Nagle's algorithm
    # on, each waits for the client's delayed ACK, adding tens of milliseconds. Accepted
    # sockets inherit the option from the listener.
    for listener in getattr(server, "LISTENERS", []):
        sock = getattr(listener, "sock", None)
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, query_timeout: float
) -> dict[str, Any]:
    """Gunicorn settings for ``ungraph serve``.

    >>> gunicorn_options(host="127.0.0.1", port=8000, workers=1, threads=8, query_timeout=30)["bind"]
    '127.0.0.1:8000'
    """
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # A request may stream for the whole query time limit; the worker's heartbeat must
        # outlast it.
        "timeout": int(query_timeout) + 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        # gunicorn's ceiling: longer GET URLs must be POSTed (its 414 is not in the JSON shape).
        "limit_request_line": 8190,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "child_exit": _child_exit,
        "when_ready": _when_ready,
        "proc_name": "ungraph",
        # One fixed control socket path per user would make two servers on a machine (tests,
        # staging beside production) fight over it; gunicorn < 25.1 has none and skips this.
        "control_socket_disable": True,
    }


def run_server(
    app_config: Mapping[str, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    threads: int = 16,
) -> None:
    """Serve until stopped (SIGINT/SIGTERM). ``app_config`` goes to ``create_app``."""
    from ungraph.web.settings import load_config

    checked = load_config(app_config)  # fail here, before gunicorn forks, on a bad setting
    multiproc: str | None = None
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        multiproc = tempfile.mkdtemp(prefix="ungraph-metrics-")
        os.environ[MULTIPROC_ENV] = multiproc
    options = gunicorn_options(
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        query_timeout=checked["UNGRAPH_QUERY_TIMEOUT"],
    )
    shown = f"[{host}]" if ":" in host else host
    print(
        f"ungraph: serving {checked['UNGRAPH_STORE']} at http://{shown}:{port}/ "
        f"(SPARQL endpoint http://{shown}:{port}/sparql)",
        file=sys.stderr,
        flush=True,
    )
    try:
        UngraphServer(app_config, options).run()
    finally:
        if multiproc is not None:
            shutil.rmtree(multiproc, ignore_errors=True)
