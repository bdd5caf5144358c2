"""A small HTTP/1.1 client for SPARQL services: kept-alive connections, streamed bodies, a
deadline on every read, and Basic or Digest authentication answered only when challenged.

The standard library's ``http.client`` is enough and gives the control the remote store needs:
the socket's timeout is set to what is left of a query's time limit before every read, and a
response closed before its end closes its connection (the engine sees the client go away).
Digest credentials are sent pre-emptively once a challenge is known, because Virtuoso resets
the connection when a large unauthenticated body arrives instead of reading it and answering 401.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import re
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ungraph.store.base import QueryTimeout, StoreError

CHUNK = 1 << 16
USER_AGENT = "ungraph-remote-store"
# Bodies larger than this are not sent before the server's authentication challenge is known.
_PRIME_ABOVE = 1 << 16


class EngineUnavailable(StoreError):
    """The SPARQL service cannot be reached (refused, reset, name not resolved)."""


class HttpError(StoreError):
    """The service answered with an error status; ``body`` is (the start of) its explanation."""

    def __init__(self, status: int, reason: str, body: str, what: str) -> None:
        self.status = status
        self.body = body
        detail = f": {body}" if body else ""
        super().__init__(f"{what} failed with HTTP {status} {reason}{detail}")


@dataclass
class _Challenge:
    scheme: str
    params: dict[str, str]
    count: int = 0


_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """The scheme and parameters of a ``WWW-Authenticate`` header.

    >>> parse_challenge('Digest realm="SPARQL", nonce="ab\\\\"c", qop="auth", stale=false')
    ('digest', {'realm': 'SPARQL', 'nonce': 'ab"c', 'qop': 'auth', 'stale': 'false'})
    """
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): re.sub(r"\\(.)", r"\1", m.group(2))
        if m.group(2) is not None
        else m.group(3)
        for m in _PARAM.finditer(rest)
    }
    return scheme.lower(), params


def digest_authorization(
    challenge: Mapping[str, str],
    user: str,
    password: str,
    method: str,
    uri: str,
    count: int,
    cnonce: str,
) -> str:
    """The ``Authorization`` header answering an RFC 7616 Digest challenge (MD5 or SHA-256,
    ``qop=auth`` or none).

    The example of RFC 2617, section 3.5 (its ``response`` value):

    >>> header = digest_authorization(
    ...     {"realm": "testrealm@host.com", "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    ...      "qop": "auth", "opaque": "5ccc069c403ebaf9f0171e9517f40e41"},
    ...     "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b")
    >>> header.split('response="')[1][:32]
    '6629fae49393a05397450978507c4ef1'
    """
    algorithm = challenge.get("algorithm", "MD5").upper()
    hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(algorithm.removesuffix("-SESS"))
    if hasher is None:
        raise StoreError(f"the service asks for Digest {algorithm}, which is not supported")

    def h(text: str) -> str:
        return hasher(text.encode("utf-8")).hexdigest()

    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    ha1 = h(f"{user}:{realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
    fields = [
        f'username="{user}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
        f"algorithm={algorithm}",
    ]
    if "auth" in qops:
        nc = f"{count:08x}"
        response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    elif qops:
        raise StoreError(f"the service asks for Digest qop={qops}, which is not supported")
    else:
        response = h(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{response}"')
    if "opaque" in challenge:
        fields.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(fields)


_READ_ERRORS = threading.local()


def take_read_error() -> StoreError | None:
    """The error the last failed body read of this thread raised (then forgotten).

    Parsers that pull bytes from a :class:`Response` (pyoxigraph's) report a failed read as an
    I/O error of their own; this gives back the original (a time limit, a broken connection).
    """
    error: StoreError | None = getattr(_READ_ERRORS, "error", None)
    _READ_ERRORS.error = None
    return error


class Response:
    """A response being read. Iterate :meth:`chunks` (or call :meth:`read`), then :meth:`close`;
    a response closed before its end closes its connection instead of reusing it."""

    def __init__(
        self, client: HttpClient, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse
    ) -> None:
        self._client = client
        self._conn: http.client.HTTPConnection | None = conn
        self._raw = raw
        self.status = raw.status
        self.reason = raw.reason
        self.headers = raw.headers
        self.deadline: float | None = None
        self.timeout_message = "the engine did not answer in time"

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def _arm(self) -> None:
        conn = self._conn
        if conn is None or conn.sock is None:
            return
        if self.deadline is None:
            conn.sock.settimeout(self._client.timeout)
            return
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise self._failed(QueryTimeout(self.timeout_message))
        conn.sock.settimeout(remaining)

    @staticmethod
    def _failed(error: StoreError | QueryTimeout) -> StoreError | QueryTimeout:
        _READ_ERRORS.error = error
        return error

    def read1(self, size: int = CHUNK) -> bytes:
        """Up to ``size`` bytes as soon as some are there; ``b""`` at the end."""
        if self._conn is None:
            return b""
        self._arm()
        try:
            data = self._raw.read1(size)
        except TimeoutError:
            self.close()
            raise self._failed(QueryTimeout(self.timeout_message)) from None
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise self._failed(
                EngineUnavailable(f"the engine's answer broke off: {error}")
            ) from error
        if not data:
            self._release()
        return data

    def chunks(self) -> Iterator[bytes]:
        try:
            while data := self.read1():
                yield data
        finally:
            self.close()

    def read(self, size: int = -1) -> bytes:
        """File protocol: up to ``size`` bytes (all that is left when negative)."""
        if size is None or size < 0:
            return self.body()
        return self.read1(size)

    def body(self, limit: int | None = None) -> bytes:
        """The whole body (at most ``limit`` bytes; the rest is dropped with the connection)."""
        parts: list[bytes] = []
        size = 0
        try:
            while limit is None or size < limit:
                data = self.read1()
                if not data:
                    break
                parts.append(data)
                size += len(data)
        finally:
            self.close()
        body = b"".join(parts)
        return body if limit is None else body[:limit]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """File protocol for parsers that pull bytes (pyoxigraph's)."""
        data = self.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Read to the end: marking the response closed frees the connection for the next
            # request (the socket stays open for keep-alive).
            reusable = not self._raw.will_close
            self._raw.close()
            self._client._give_back(conn, reusable=reusable)

    def abort(self) -> None:
        """Close from another thread too: a read blocked on the socket wakes up and fails."""
        conn = self._conn
        if conn is not None and conn.sock is not None and not self._raw.isclosed():
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._raw.isclosed() or self._raw.length == 0:
            reusable = not self._raw.will_close
            self._raw.close()
            self._client._give_back(conn, reusable=reusable)
        else:
            # Unread bytes are still coming: closing the socket tells the engine to stop.
            self._raw.close()
            conn.close()


class HttpClient:
    """Kept-alive connections to one ``scheme://host:port``, shared by the threads of a process."""

    def __init__(
        self,
        origin: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 300.0,
        pool_size: int = 8,
        max_idle: float = 4.0,
    ) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"not an http(s) address: {origin!r}")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._user = user
        self._password = password or ""
        self.timeout = timeout
        self._pool_size = pool_size
        # Servers close or break kept-alive connections left idle beyond their own limit
        # (gunicorn after 5 s; Oxigraph server answers 500 "Resource temporarily unavailable"
        # on one idle beyond its --timeout-s instead of closing it), so a connection idle
        # longer than this is closed rather than reused.
        self._max_idle = max_idle
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []
        self._lock = threading.Lock()
        self._challenge: _Challenge | None = None

    def __repr__(self) -> str:
        # Never the credentials: this ends up in logs and error messages.
        who = " (authenticated)" if self._user else ""
        return f"<HttpClient {self.origin}{who}>"

    # Connections -------------------------------------------------------------------------
    def _connect(self) -> http.client.HTTPConnection:
        stale: list[http.client.HTTPConnection] = []
        reused: http.client.HTTPConnection | None = None
        with self._lock:
            now = time.monotonic()
            while self._idle:
                conn, since = self._idle.pop()
                if now - since <= self._max_idle:
                    reused = conn
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        if reused is not None:
            return reused
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _give_back(self, conn: http.client.HTTPConnection, *, reusable: bool) -> None:
        with self._lock:
            if reusable and len(self._idle) < self._pool_size:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections (the client stays usable and opens new ones)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()

    # Authentication ------------------------------------------------------------------------
    def _authorization(self, method: str, target: str) -> str | None:
        if self._user is None:
            return None
        with self._lock:
            challenge = self._challenge
            if challenge is None:
                return None
            if challenge.scheme == "basic":
                token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
                return f"Basic {token}"
            challenge.count += 1
            count = challenge.count
            params = dict(challenge.params)
        return digest_authorization(
            params, self._user, self._password, method, target, count, secrets.token_hex(8)
        )

    def _learn(self, header: str | None) -> bool:
        """Remember the server's challenge; returns whether a retry can answer it."""
        if self._user is None or not header:
            return False
        scheme, params = parse_challenge(header)
        if scheme not in ("basic", "digest"):
            return False
        with self._lock:
            self._challenge = _Challenge(scheme, params)
        return True

    # Requests --------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        what: str = "the request",
    ) -> Response:
        """Send a request (``target`` is the path and query) and return the response once its
        status line and headers are in; error statuses are returned too (see :meth:`check`).

        ``deadline`` (``time.monotonic()``) bounds the wait for the headers and every later
        read of the body (``QueryTimeout``)."""
        if body is not None and len(body) > _PRIME_ABOVE and self._user and not self._challenge:
            # Learn the challenge with a bodiless request first (see the module docstring).
            self.request("GET", target.split("?")[0], deadline=deadline, what=what).body(0)
        response = self._send(method, target, body, headers, deadline, what)
        if response.status == 401:
            stale = self._challenge is not None
            if self._learn(response.headers.get("WWW-Authenticate")):
                response.body(1 << 12)
                response = self._send(method, target, body, headers, deadline, what)
                if response.status == 401 and stale:
                    # A nonce the server no longer accepts: one more try with its new one.
                    self._learn(response.headers.get("WWW-Authenticate"))
                    response.body(1 << 12)
                    response = self._send(method, target, body, headers, deadline, what)
        return response

    def _send(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        deadline: float | None,
        what: str,
    ) -> Response:
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if body is not None:
            all_headers.setdefault("Content-Length", str(len(body)))
        authorization = self._authorization(method, target)
        if authorization:
            all_headers["Authorization"] = authorization
        for attempt in (1, 2):
            if attempt == 2:
                # The server closed kept-alive connections (idle too long, restarted): the
                # others in the pool are likely gone too.
                self.close()
            conn = self._connect()
            fresh = conn.sock is None
            try:
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        conn.close()
                        raise QueryTimeout(_late(what, deadline, self.timeout))
                    conn.timeout = remaining
                    if conn.sock is not None:
                        conn.sock.settimeout(remaining)
                else:
                    conn.timeout = self.timeout
                    if conn.sock is not None:
                        conn.sock.settimeout(self.timeout)
                conn.request(method, target, body=body, headers=all_headers)
                if fresh and conn.sock is not None:
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                raw = conn.getresponse()
            except TimeoutError:
                conn.close()
                raise QueryTimeout(_late(what, deadline, self.timeout)) from None
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError) as error:
                conn.close()
                # A kept-alive connection the server has closed meanwhile: retry on a new one.
                if attempt == 1 and not fresh:
                    continue
                raise EngineUnavailable(f"{what}: cannot reach {self.origin}: {error}") from error
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                raise EngineUnavailable(f"{what}: cannot reach {self.origin}: {error}") from error
            response = Response(self, conn, raw)
            response.deadline = deadline
            response.timeout_message = _late(what, deadline, self.timeout)
            return response
        raise AssertionError("unreachable")

    @staticmethod
    def check(response: Response, what: str, *, ok: tuple[int, ...] = (200, 201, 204)) -> Response:
        """``response`` if its status is one of ``ok``; else read its explanation, close it and
        raise :class:`HttpError`."""
        if response.status in ok:
            return response
        text = response.body(4096).decode("utf-8", "replace").strip()
        raise HttpError(response.status, response.reason, _explanation(text), what)


def _late(what: str, deadline: float | None, timeout: float) -> str:
    """What a time-out says: the caller's time limit, or the client's own patience.

    >>> _late("the query", 1.0, 300)
    'the query ran longer than its time limit'
    """
    if deadline is not None:
        return f"{what} ran longer than its time limit"
    return f"{what}: the engine did not answer within {timeout:g} s"


def _explanation(text: str) -> str:
    """The useful part of an error body: HTML tags dropped, white space folded, cut short.

    >>> _explanation("<html><h3>Error 42000</h3><xmp>SQ110: denied</xmp></html>")
    'Error 42000 SQ110: denied'
    """
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:600]
