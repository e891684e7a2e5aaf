"""The pages' cache: an entry is stamped when its work is done, and made once at a time."""

from __future__ import annotations

import threading

import pytest

from app.web import cache as cache_module
from app.web.cache import LruCache


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(cache_module.time, "monotonic", fake.monotonic)
    return fake


def test_work_longer_than_the_ttl_is_still_reused(clock: _Clock) -> None:
    cache: LruCache[str] = LruCache(8, ttl_seconds=30)
    made = 0

    def slow() -> str:
        nonlocal made
        made += 1
        clock.now += 75  # a verification that took longer than the time-to-live
        return "report"

    assert cache.get_or_make("k", slow) == "report"
    clock.now += 10
    assert cache.get_or_make("k", slow) == "report"
    assert made == 1
    clock.now += 25  # 35 s after it was made: stale
    cache.get_or_make("k", slow)
    assert made == 2


def test_concurrent_requests_for_one_key_share_one_piece_of_work() -> None:
    cache: LruCache[str] = LruCache(8)
    started, release = threading.Event(), threading.Event()
    made = 0

    def work() -> str:
        nonlocal made
        made += 1
        started.set()
        release.wait(10)
        return "done"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_make("k", work)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(cache.get_or_make("k", work)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first one's result, not working
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["done", "done"]
    assert made == 1


def test_a_failed_make_lets_the_next_request_try_again() -> None:
    cache: LruCache[str] = LruCache(8)

    def failing() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get_or_make("k", failing)
    assert cache.get_or_make("k", lambda: "ok") == "ok"
