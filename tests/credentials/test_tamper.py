"""Changing any one value of an issued credential makes verification fail (property-based)."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Factory

#: An XML Schema dateTime in UTC (validFrom, ...); not any value ending in "Z" with a "T" in
#: it, such as a status list URL whose random id happens to (a run now and then failed so).
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z")


def _leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() if k != "@context" for p in _leaf_paths(v, (*prefix, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, (*prefix, i))]
    return [prefix]


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _mutate(value: Any, salt: int) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1 + salt
    text = str(value)
    if DATE_TIME.fullmatch(text):  # move it by a year, keep it valid
        return str(int(text[:4]) + 1 + salt % 3) + text[4:]
    return text[:-1] + ("X" if text[-1:] != "X" else "Y") if text else "X"


def test_every_mutation_fails_verification(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    assert factory.services.verifier.verify(session, vc).verified
    paths = [p for p in _leaf_paths(vc) if p not in (("proof", "created"),)]
    seen: set[tuple[Any, ...]] = set()

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.sampled_from(paths), st.integers(min_value=0, max_value=5))
    def check(path: tuple[Any, ...], salt: int) -> None:
        seen.add(path)
        tampered = copy.deepcopy(vc)
        _set(tampered, path, _mutate(_get(vc, path), salt))
        report = factory.services.verifier.verify(session, tampered)
        assert not report.verified, (path, report.to_json())

    check()
    assert len(seen) > 10


def test_proof_created_change_fails(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    tampered = copy.deepcopy(vc)
    tampered["proof"]["created"] = "2001-01-01T00:00:00Z"
    assert not factory.services.verifier.verify(session, tampered).verified


def test_added_property_fails(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["name"] = "Mallory"
    report = factory.services.verifier.verify(session, tampered)
    assert not report.verified
    assert any(c.name == "proof" and not c.passed for c in report.checks)
