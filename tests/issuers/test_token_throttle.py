"""POST /oauth/token is rate limited per address and per client, and locks out wrong secrets."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.container import Services, build_services, prepare
from app.http.rate_limit import Rate, RedisLimiter
from app.issuers import clients
from app.main import create_app
from tests.conftest import BASE_URL
from tests.factories import Factory

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def _token(client: TestClient, client_id: str, secret: str) -> httpx.Response:
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def _assert_429(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == 429 and body["error"] == "temporarily_unavailable"
    return body


def test_wrong_secrets_lock_the_client_id(factory: Factory) -> None:
    caller = factory.caller()
    client = factory.client
    for _ in range(5):
        assert _token(client, caller.client_id, "wrong").status_code == 401
    locked = _token(client, caller.client_id, caller.secret)  # even the right secret, for now
    assert _assert_429(locked)["field"] == "client_id"
    assert int(locked.headers["retry-after"]) > 30  # one more try per minute (5 per 300 s)
    # an unknown client id is locked the same way: nothing tells which ids exist
    for _ in range(5):
        assert _token(client, "acme-0000000000000000", "wrong").status_code == 401
    _assert_429(_token(client, "acme-0000000000000000", "wrong"))
    # other clients are not affected
    other = factory.caller()
    assert _token(client, other.client_id, other.secret).status_code == 200


def test_requests_per_address_are_limited(settings: Settings, services: Services) -> None:
    strict = build_services(
        settings.model_copy(update={"token_requests_per_minute": 3}), services.engine
    )
    prepare(strict)
    with TestClient(create_app(strict.settings, strict), base_url=BASE_URL) as client:
        answers = [_token(client, f"acme-{i:016x}", "s").status_code for i in range(3)]
        assert answers == [401, 401, 401]
        _assert_429(_token(client, "acme-ffffffffffffffff", "s"))


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real: Callable[..., bytes] = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_unknown_client_ids_cost_the_same_hash(factory: Factory, scrypt_calls: list[int]) -> None:
    caller = factory.caller()
    scrypt_calls.clear()
    assert _token(factory.client, caller.client_id, "wrong").status_code == 401
    assert _token(factory.client, "nobody-0123456789abcdef", "wrong").status_code == 401
    assert len(scrypt_calls) == 2  # one hash each: the unknown id against a dummy hash
    assert clients._DUMMY_HASH.count("$") == 2


# -- Redis: the buckets every worker shares ---------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")

    def clear() -> None:
        for key in connection.scan_iter("laurel:rate:*"):
            connection.delete(key)

    clear()
    yield REDIS_URL
    clear()
    connection.close()


def test_redis_buckets_are_shared_by_workers(redis_url: str) -> None:
    one, two = RedisLimiter(redis_url), RedisLimiter(redis_url)
    rate = Rate(3, 60.0)
    assert one.wait("shared", rate) == 0  # looking takes nothing
    assert [one.take("shared", rate), two.take("shared", rate), one.take("shared", rate)] == [
        0,
        0,
        0,
    ]
    assert two.wait("shared", rate) > 0
    assert 0 < one.take("shared", rate) <= 20  # one token every 20 s
    assert two.take("another", rate) == 0


def test_a_lockout_holds_across_workers(settings: Settings, engine: Any, redis_url: str) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    workers = []
    for _ in range(2):
        services = build_services(shared, engine)
        prepare(services)
        workers.append(TestClient(create_app(shared, services), base_url=BASE_URL))
    with workers[0] as first, workers[1] as second:
        for i in range(5):
            worker = (first, second)[i % 2]
            assert _token(worker, "acme-1111111111111111", "wrong").status_code == 401
        _assert_429(_token(first, "acme-1111111111111111", "wrong"))
        _assert_429(_token(second, "acme-1111111111111111", "wrong"))
