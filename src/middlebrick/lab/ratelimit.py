"""A small in-memory sliding-window rate limiter for the hardened twin."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

_MAX_KEYS = 10_000  # beyond this many clients, idle ones are forgotten so memory stays bounded


class RateLimiter:
    """At most `limit` hits per `window` seconds for each key; thread-safe."""

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Record a hit; None if allowed, else the whole seconds to wait (for Retry-After)."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > _MAX_KEYS:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
