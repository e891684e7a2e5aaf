"""A small thread-safe LRU cache with an optional time-to-live (the views run in a thread pool)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    def __init__(self, maxsize: int, ttl_seconds: float | None = None) -> None:
        self.maxsize = maxsize
        self.ttl = ttl_seconds
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and (self.ttl is None or now - found[0] < self.ttl):
                self._items.move_to_end(key)
                return found[1]
        value = make()  # outside the lock: two threads may both make it, which is harmless
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
