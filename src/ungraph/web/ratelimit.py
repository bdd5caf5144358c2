"""Per-client rate limiting with token buckets (429 Too Many Requests with ``Retry-After``)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """One token bucket per client key: ``burst`` tokens at most, refilled at ``rate`` per second;
    each request takes one. A client that keeps within the rate is never refused, and one that
    pauses may then send ``burst`` requests at once.

    Buckets live in this process; with several server processes each keeps its own (see
    docs/serve.md). The least recently seen clients are forgotten beyond ``max_clients`` (a
    forgotten client starts again with a full bucket, the lenient side).

    >>> clock = [0.0]
    >>> limiter = RateLimiter(rate=1.0, burst=2, clock=lambda: clock[0])
    >>> [limiter.take("a") for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> clock[0] = 1.0
    >>> limiter.take("a"), limiter.take("b")
    (0.0, 0.0)
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive")
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Take a token for ``client``: 0.0 when the request may go ahead, else the seconds to
        wait until a token is available (the ``Retry-After``)."""
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    """The ``Retry-After`` value for a wait in seconds: whole seconds, rounded up, at least 1.

    >>> retry_after(0.2), retry_after(2.0), retry_after(2.01)
    ('1', '2', '3')
    """
    return str(max(1, math.ceil(wait - 1e-9)))
