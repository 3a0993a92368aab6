"""Token buckets against guessing: failed tokens (per address and per token prefix) and failed
enrollment attempts (per address and per device id).

In memory (a restart forgets them, which only helps an attacker once per restart). A key may
fail ``burst`` times at once, then once per ``every`` seconds; while its bucket is empty the
caller refuses with 429 ``rate_limited`` (an enrollment before its code is checked; a token only
once it is known to be bad, so a neighbour's guesses never lock out a valid token).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable

from sync_server.http_errors import ApiError

MAX_KEYS = 10_000
"""Buckets kept at most; beyond it the full (harmless) ones are forgotten first."""


class RateLimiter:
    def __init__(self, burst: int, every: float,
                 clock: Callable[[], float] = time.monotonic):
        self.burst = burst
        self.every = every
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key → (tokens, at)

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) / self.every)

    def check(self, keys: Iterable[Hashable]) -> None:
        """Raise 429 ``rate_limited`` (with Retry-After) if any key has no attempt left."""
        now = self._clock()
        with self._lock:
            wait = max((self.every * (1 - self._tokens(k, now)) for k in keys), default=0.0)
        if wait > 0:
            err = ApiError(429, "rate_limited", "Too many failed attempts; try again later.",
                           retry_after=math.ceil(wait))
            err.headers["Retry-After"] = str(math.ceil(wait))
            raise err

    def fail(self, keys: Iterable[Hashable]) -> None:
        """Count one failed attempt against each key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._buckets[key] = (self._tokens(key, now) - 1, now)
            if len(self._buckets) > MAX_KEYS:
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if self._tokens(k, now) < self.burst}
                if len(self._buckets) > MAX_KEYS:  # a flood of addresses: start over
                    self._buckets.clear()


class RateLimits:
    """The server's limiters. ``auth``: bad or unknown bearer tokens, per address and per token
    prefix. ``enroll``: failed enrollment codes, per address and per device id."""

    def __init__(self, auth_burst: int = 60, auth_every: float = 1.0,
                 enroll_burst: int = 10, enroll_every: float = 30.0):
        self.auth = RateLimiter(auth_burst, auth_every)
        self.enroll = RateLimiter(enroll_burst, enroll_every)
