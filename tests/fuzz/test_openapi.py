"""Property-based fuzz of the whole OpenAPI surface (schemathesis): no input is ever a 5xx.

Every operation in ``/openapi.json`` gets valid (positive) and schema-violating (negative)
requests, sent in-process to the ASGI app with an API client's bearer token, on SQLite and
on PostgreSQL (where a NUL in a string was a DataError). The budget is bounded; each run draws
new examples, and a failure prints the request as a curl command to replay it.
``LAUREL_FUZZ_EXAMPLES=200`` explores further by hand; ``LAUREL_FUZZ_SEED=n`` repeats a run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.python import asgi

from tests.conftest import BASE_URL
from tests.factories import Factory

EXAMPLES = int(os.environ.get("LAUREL_FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("LAUREL_FUZZ_SEED")

pytestmark = pytest.mark.slow


def test_no_input_is_a_server_error(factory: Factory) -> None:
    caller = factory.caller("acme")
    factory.issue(caller)  # something to find: an org, keys, a credential, a status list
    schema = schemathesis.openapi.from_asgi("/openapi.json", factory.client.app)
    failures: list[str] = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            _fuzz(operation, GenerationMode.POSITIVE, caller.headers, failures)
            if len(operation.body) or len(operation.query):  # else nothing can violate it
                _fuzz(operation, GenerationMode.NEGATIVE, caller.headers, failures)
    finally:
        asgi.shutdown_lifespans()  # the app's lifespan, started by schemathesis' transport
    assert not failures, "server errors:\n" + "\n".join(failures)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], out: list[str]) -> None:
    """Up to ``EXAMPLES`` requests; the first 5xx (or exception) is recorded and ends the run."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the budget stays bounded
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    @seed(int(SEED) if SEED else None)
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers, base_url=BASE_URL)
        except Exception as exc:  # the test transport re-raises the app's exception
            out.append(f"{operation.label} ({mode}): {exc!r:.300}\n  {case.as_curl_command()}")
            raise _Found from None
        if response.status_code >= 500:
            out.append(
                f"{operation.label} ({mode}): {response.status_code}\n  {case.as_curl_command()}"
            )
            raise _Found

    try:
        run()
    except _Found:
        pass
    except Unsatisfiable:
        pass  # no schema-violating request exists (e.g. only free-form path strings)


class _Found(Exception):
    """A server error was recorded for this operation."""
