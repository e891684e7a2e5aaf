"""A small thread-safe LRU cache with an optional time-to-live (the views run in a thread pool).

Entries are stamped when the work is done, not when it began: a value that took longer to make
than the time-to-live would otherwise be stale on arrival and be made again by every request.
Requests for a key being made wait for that one result instead of each redoing the work (an
anonymous page whose verification is costly must not cost it once per visitor).
"""

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
        self._making: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: Hashable) -> tuple[float, V] | None:
        found = self._items.get(key)
        if found is None or (self.ttl is not None and time.monotonic() - found[0] >= self.ttl):
            return None
        self._items.move_to_end(key)
        return found

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        while True:
            with self._lock:
                found = self._fresh(key)
                if found is not None:
                    return found[1]
                making = self._making.get(key)
                if making is None:
                    making = self._making[key] = threading.Event()
                    break  # this thread makes it
            making.wait()  # another thread is making it: take its result (or make it if it failed)
        try:
            value = make()  # outside the lock
            with self._lock:
                self._items[key] = (time.monotonic(), value)  # stamped after the work
                self._items.move_to_end(key)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._making[key]
            making.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
