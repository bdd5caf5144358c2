"""External SPARQL engines on loopback, for tests, benchmarks and trying ``--store sparql+http``:
Oxigraph server (the ``oxigraph`` package's binary) and OpenLink Virtuoso (Debian's
``virtuoso-opensource``, installed by ``make system-deps``).

Each engine starts on free ports of 127.0.0.1 with a data folder of its own (a temporary one
unless given), is polled until it answers a query, and stops with :meth:`Engine.stop`; when it
does not start, the error carries the end of its log. ``python -m ungraph.engines oxigraph``
starts one in the foreground and prints the ``--store`` location to use.

What Virtuoso is given (``virtuoso.ini`` written into the data folder, then ``isql``):

- its SQL and HTTP listeners on loopback only, the estimate-based refusal of queries switched
  off (``MaxQueryCostEstimationTime = 0``) so that a query's time limit is what stops it, no
  server-wide execution time limit (ungraph passes its own per query), and a result row limit
  (``ResultSetMaxRows``) far above ungraph's row cap, because Virtuoso cuts larger answers
  silently;
- a user for ungraph's writes with a random password and the ``SPARQL_UPDATE`` role, used
  through the Digest-authenticated ``/sparql-auth`` and ``/sparql-graph-crud-auth``; the
  anonymous ``/sparql`` that queries go to stays read-only; the ``dba`` password is replaced by
  a random one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ungraph.store.remote import PASSWORD_VARIABLE, USER_VARIABLE

ENGINES = ("oxigraph", "virtuoso")
VIRTUOSO_PACKAGE = "virtuoso-opensource"


class EngineError(RuntimeError):
    """An engine could not be found, started or configured; the message says why."""


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command: beside this Python (a virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return str(beside)
    return shutil.which("oxigraph")


def missing(name: str) -> str | None:
    """Why the engine ``name`` cannot start here (None when it can)."""
    if name == "oxigraph":
        if oxigraph_binary() is None:
            return "the oxigraph command is missing (pip install oxigraph, or .[dev])"
        return None
    if name == "virtuoso":
        for command in ("virtuoso-t", "isql-vt"):
            if shutil.which(command) is None:
                return f"{command} is missing (make system-deps installs {VIRTUOSO_PACKAGE})"
        return None
    raise EngineError(f"unknown engine {name!r}; one of {', '.join(ENGINES)}")


@dataclass
class Engine:
    """A running engine. ``location`` is the ``--store`` value, ``environment`` the variables
    the store needs (credentials), ``query_url`` its SPARQL query endpoint."""

    name: str
    process: subprocess.Popen[bytes]
    folder: Path
    port: int
    location: str
    query_url: str
    log: Path
    environment: dict[str, str] = field(default_factory=dict)
    admin: tuple[str, str] | None = None
    """Virtuoso's ``isql`` address and dba password (wiping needs them)."""
    owns_folder: bool = False

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        return "(no log)"

    @contextlib.contextmanager
    def credentials(self) -> Iterator[None]:
        """Set :attr:`environment` in ``os.environ`` for the duration (tests, benchmarks)."""
        saved = {k: os.environ.get(k) for k in self.environment}
        os.environ.update(self.environment)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def wipe(self) -> None:
        """Remove every graph except the engine's own system graphs: a clean slate between
        tests, whatever locks or records a failed test left."""
        if self.name == "oxigraph":
            _post(
                f"http://127.0.0.1:{self.port}/update",
                b"DROP ALL",
                "application/sparql-update",
            )
            return
        # Virtuoso: every graph but its own system graphs (the remote store's rules).
        from ungraph.store.remote import RemoteStore, parse_location

        with self.credentials():
            store = RemoteStore(parse_location(self.location), read_only=True)
            system = set(store._system_graphs())
            for graph in store._all_graphs():
                if graph not in system:
                    store._update_raw(f"DROP SILENT GRAPH <{graph}>", "wiping the engine")

    def stop(self) -> None:
        """Stop the engine (SIGTERM, then SIGKILL after 20 s) and remove a temporary folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _post(url: str, body: bytes, content_type: str) -> None:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _wait_ready(engine: Engine, seconds: float) -> None:
    """Poll the query endpoint until it answers ``ASK {}``; raise with the log otherwise."""
    url = engine.query_url + "?query=" + quote("ASK {}")
    end = time.monotonic() + seconds
    last = ""
    while time.monotonic() < end:
        if engine.process.poll() is not None:
            raise EngineError(
                f"{engine.name} exited with status {engine.process.returncode} while starting; "
                f"its log ({engine.log}) ends with:\n{engine.log_tail()}"
            )
        try:
            request = urllib.request.Request(
                url, headers={"Accept": "application/sparql-results+json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200 and b"true" in response.read():
                    return
        except (OSError, urllib.error.URLError) as error:
            last = str(error)
        time.sleep(0.2)
    engine.stop()
    raise EngineError(
        f"{engine.name} did not answer within {seconds:g} s ({last}); its log ({engine.log}) "
        f"ends with:\n{engine.log_tail()}"
    )


def _folder(folder: Path | None, name: str) -> tuple[Path, bool]:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        return folder, False
    return Path(tempfile.mkdtemp(prefix=f"ungraph-{name}-")), True


def start_oxigraph(
    folder: Path | None = None,
    *,
    port: int | None = None,
    timeout: float | None = None,
    startup: float = 60.0,
) -> Engine:
    """Start ``oxigraph serve`` on 127.0.0.1 with its data in ``folder`` (a temporary one when
    None); ``timeout`` is the server's own time limit for queries (``--timeout-s``)."""
    binary = oxigraph_binary()
    if binary is None:
        raise EngineError(missing("oxigraph") or "oxigraph is missing")
    folder, owns = _folder(folder, "oxigraph")
    port = port or free_port()
    command = [binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"]
    if timeout:
        command += ["--timeout-s", str(max(1, round(timeout)))]
    log = folder / "engine.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    engine = Engine(
        "oxigraph",
        process,
        folder,
        port,
        location=f"sparql+http://127.0.0.1:{port}/?engine=oxigraph",
        query_url=f"http://127.0.0.1:{port}/query",
        log=log,
        owns_folder=owns,
    )
    _wait_ready(engine, startup)
    return engine


VIRTUOSO_INI = """\
; Written by ungraph.engines for a throw-away Virtuoso on loopback.
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 4
AsyncQueueMaxThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}/vsp
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[URIQA]
DefaultHost = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


def _isql(address: str, password: str, statements: str, user: str = "dba") -> str:
    """Run SQL statements with Virtuoso's ``isql``; raise with its output when one fails."""
    completed = subprocess.run(
        ["isql-vt", address, user, password, f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0 or "*** Error" in output:
        # The password is an argument of isql; it is not repeated here.
        raise EngineError(f"isql failed on Virtuoso at {address}: {output.strip()[:2000]}")
    return completed.stdout


def start_virtuoso(
    folder: Path | None = None,
    *,
    port: int | None = None,
    sql_port: int | None = None,
    memory_mb: int = 256,
    startup: float = 120.0,
) -> Engine:
    """Start ``virtuoso-t`` on 127.0.0.1 with a generated ``virtuoso.ini`` in ``folder`` (a
    temporary one when None), and create ungraph's writing user (see the module docstring)."""
    reason = missing("virtuoso")
    if reason:
        raise EngineError(reason)
    folder, owns = _folder(folder, "virtuoso")
    port = port or free_port()
    sql_port = sql_port or free_port()
    (folder / "vsp").mkdir(exist_ok=True)
    buffers = max(2000, memory_mb * 1024 // 8 * 2 // 3)  # 8 KiB pages, two thirds of the memory
    ini = folder / "virtuoso.ini"
    fresh = not (folder / "virtuoso.db").exists()
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder,
            sql_port=sql_port,
            http_port=port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
        ),
        "utf-8",
    )
    log = folder / "engine.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            ["virtuoso-t", "-f", "-c", str(ini)],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    address = f"127.0.0.1:{sql_port}"
    secrets_file = folder / "ungraph-credentials"
    engine = Engine(
        "virtuoso",
        process,
        folder,
        port,
        location=f"sparql+http://127.0.0.1:{port}/?engine=virtuoso",
        query_url=f"http://127.0.0.1:{port}/sparql",
        log=log,
        owns_folder=owns,
    )
    try:
        _wait_ready(engine, startup)
        if fresh or not secrets_file.exists():
            admin_password = secrets.token_urlsafe(16)
            user_password = secrets.token_urlsafe(16)
            _isql(
                address,
                "dba",
                "DB.DBA.USER_CREATE('ungraph', '" + user_password + "'); "
                'GRANT SPARQL_UPDATE TO "ungraph"; '
                "USER_SET_PASSWORD('dba', '" + admin_password + "');",
            )
            secrets_file.write_text(f"{admin_password}\n{user_password}\n", "utf-8")
            secrets_file.chmod(0o600)
        admin_password, user_password = secrets_file.read_text("utf-8").split()
    except BaseException:
        engine.stop()
        raise
    engine.admin = (address, admin_password)
    engine.environment = {USER_VARIABLE: "ungraph", PASSWORD_VARIABLE: user_password}
    return engine


def start(name: str, folder: Path | None = None, **options: object) -> Engine:
    """Start the engine ``name`` (``oxigraph`` or ``virtuoso``)."""
    if name == "oxigraph":
        return start_oxigraph(folder, **options)  # type: ignore[arg-type]
    if name == "virtuoso":
        return start_virtuoso(folder, **options)  # type: ignore[arg-type]
    raise EngineError(f"unknown engine {name!r}; one of {', '.join(ENGINES)}")


def main(argv: list[str] | None = None) -> int:
    """``python -m ungraph.engines NAME [--data DIR] [--port N]``: run an engine until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m ungraph.engines", description=__doc__)
    parser.add_argument("name", choices=ENGINES)
    parser.add_argument("--data", type=Path, help="data folder (kept); default: a temporary one")
    parser.add_argument("--port", type=int, help="HTTP port on 127.0.0.1; default: a free one")
    args = parser.parse_args(argv)
    try:
        engine = start(args.name, args.data, port=args.port)
    except EngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with engine:
        print(f"{engine.name} is running (pid {engine.process.pid}, data in {engine.folder})")
        print(f"  --store '{engine.location}'")
        for key in engine.environment:
            print(f"  {key}: see {engine.folder / 'ungraph-credentials'} (second line)")
        print("Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            engine.process.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
