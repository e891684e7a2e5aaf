"""Two token requests racing with the same code or the same refresh token: exactly one wins
(conditional updates, not read-then-write), and the loser's request revokes the grant."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts.obhost import Setup, approve, connect, make_setup, query_of
from tests.lms import Lms

Browser = Callable[[], TestClient]


@pytest.fixture
def setup(lms: Lms, new_browser: Browser) -> Setup:
    return make_setup(lms, new_browser)


def _race(call: Callable[[], Any]) -> list[int]:
    with ThreadPoolExecutor(2) as pool:
        return sorted(f.result().status_code for f in [pool.submit(call), pool.submit(call)])


def test_racing_code_exchanges_give_one_token_pair(setup: Setup) -> None:
    params, verifier = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    assert _race(lambda: setup.host.exchange(code, verifier)) == [200, 400]


def test_racing_refreshes_rotate_once(setup: Setup) -> None:
    tokens = connect(setup)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert _race(lambda: setup.host.token(form)) == [200, 400]
