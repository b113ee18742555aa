"""A small per-process cache with a time to live, for the resolver's hot lookups (products, stamp batches).

Each web server worker process keeps its own: a change made in one process is dropped there at once (the services
call `discard`) and seen by the others within `ttl` seconds. The resolver benchmark (bench/codes.py) shows
why: building an ORM query costs milliseconds, several times the static-page ceiling per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class TTLCache(Generic[Value]):
    """Values by key for `ttl` seconds, at most `size` of them (the oldest go first when full)."""

    def __init__(self, *, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[Hashable, tuple[float, Value]] = {}
        self._lock = threading.Lock()  # a worker's threads share the cache

    def get(self, key: Hashable, load: Callable[[], Value]) -> Value:
        """The cached value of `key`, or `load()` (outside the lock) remembered for `ttl` seconds."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self.size:
                for old in list(self._entries)[: max(1, self.size // 10)]:
                    self._entries.pop(old, None)
            self._entries[key] = (now + self.ttl, value)
        return value

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
