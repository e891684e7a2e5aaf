"""Token buckets: in this process by default, in Redis when several workers share the limits.

A bucket holds up to ``capacity`` tokens and regains ``capacity`` of them every ``period``
seconds; an action takes one. When none is left the answer is how many seconds until one is
(a 429 with ``Retry-After``). Buckets expire once full again, so idle keys cost nothing.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from app.errors import AppError

log = logging.getLogger("laurel")


class RateLimited(AppError):
    """Too many requests; ``retry_after`` (whole seconds) goes into the Retry-After header."""

    status = 429
    code = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass(frozen=True)
class Rate:
    capacity: int
    period: float  # seconds to refill a whole bucket

    @property
    def per_second(self) -> float:
        return self.capacity / self.period


class Limiter(Protocol):
    def take(self, key: str, rate: Rate) -> float:
        """Take a token: 0 when one was there, else the seconds until one is (none taken)."""

    def wait(self, key: str, rate: Rate) -> float:
        """Like ``take`` without taking: 0 when a token is there."""


class MemoryLimiter:
    """One process's buckets (a bounded LRU, so a flood of keys cannot grow it forever)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_keys = max_keys

    def _level(self, key: str, rate: Rate, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (float(rate.capacity), now))
        return min(float(rate.capacity), tokens + (now - stamp) * rate.per_second)

    def take(self, key: str, rate: Rate) -> float:
        with self._lock:
            now = time.monotonic()
            tokens = self._level(key, rate, now)
            if tokens < 1:
                return (1 - tokens) / rate.per_second
            self._buckets[key] = (tokens - 1, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return 0.0

    def wait(self, key: str, rate: Rate) -> float:
        with self._lock:
            tokens = self._level(key, rate, time.monotonic())
            return 0.0 if tokens >= 1 else (1 - tokens) / rate.per_second


# KEYS[1]: the bucket; ARGV: capacity, tokens per second, now, take (1) or look (0).
# Returns the wait in seconds as a string (Redis turns Lua numbers into integers).
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or capacity
local stamp = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - stamp) * rate)
if tokens < 1 then
  return tostring((1 - tokens) / rate)
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'tokens', tokens - 1, 'stamp', now)
  redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
end
return '0'
"""


class RedisLimiter:
    """Buckets shared by every worker, one atomic script call per check."""

    def __init__(self, url: str, prefix: str = "laurel:rate:") -> None:
        import redis  # only deployments that set LAUREL_REDIS_URL need it

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._script = self.client.register_script(_BUCKET_SCRIPT)

    def _run(self, key: str, rate: Rate, take: bool) -> float:
        import redis

        try:
            answer = self._script(
                keys=[self.prefix + key],
                args=[rate.capacity, rate.per_second, time.time(), "1" if take else "0"],
            )
        except redis.RedisError as exc:
            # Fail open: a Redis outage must not lock every client out of its tokens.
            log.warning("rate limiter unavailable (%s); request allowed", type(exc).__name__)
            return 0.0
        return float(answer)

    def take(self, key: str, rate: Rate) -> float:
        return self._run(key, rate, True)

    def wait(self, key: str, rate: Rate) -> float:
        return self._run(key, rate, False)


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
