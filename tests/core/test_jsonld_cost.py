"""JSON-LD work grows linearly with an array's length, gives pyld's exact output, and stops at
the request's CPU budget.

Growth is measured in Python function calls (deterministic), never in seconds: pyld's pairwise
de-duplication made 4N values cost about 16 times N; linear work costs about 4 times.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

import pytest
from pyld.jsonld import JsonLdProcessor as PyldProcessor

from app.core import jsonld as jsonld_module
from app.core import jsonld_nodemap
from app.core.budget import WorkBudgetExceeded, checkpoint, work_budget
from app.core.jsonld import (
    ContextStore,
    FastCanonicalizer,
    JsonLdProcessor,
    PyldCanonicalizer,
    default_contexts_dir,
)
from tests.factories import open_badge

_PROCESSOR = JsonLdProcessor(ContextStore.from_directory(default_contexts_dir()))
_FAST = FastCanonicalizer(_PROCESSOR)
_REFERENCE = PyldCanonicalizer(_PROCESSOR)


def _badge(**achievement: Any) -> dict[str, Any]:
    document = open_badge()
    document["issuer"] = {"id": "https://example.edu/issuer", "type": ["Profile"]}
    document["credentialSubject"]["achievement"].update(achievement)
    return document


#: One array of n distinct values, in the shapes pyld de-duplicates: strings, @type IRIs, and
#: linked objects (node references).
SHAPES: dict[str, Callable[[int], dict[str, Any]]] = {
    "strings": lambda n: _badge(tag=[f"tag-{i}" for i in range(n)]),
    "types": lambda n: _badge(type=["Achievement", *(f"https://ex.org/t/{i}" for i in range(n))]),
    "linked objects": lambda n: _badge(
        related=[{"id": f"https://ex.org/a/{i}", "type": ["Related"]} for i in range(n)]
    ),
}


def python_calls(work: Callable[[], object]) -> int:
    """Python function calls made by ``work()``: a deterministic measure of its cost."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_canonicalization_cost_grows_linearly(shape: str) -> None:
    make = SHAPES[shape]
    _FAST.canonicalize(make(1))  # contexts loaded and memoized
    small = python_calls(lambda: _FAST.canonicalize(make(250)))
    large = python_calls(lambda: _FAST.canonicalize(make(1000)))
    # linear: about 4; pyld's pairwise de-duplication: 15 and more
    assert large / small < 5, (small, large)


def test_pyld_compare_values_is_not_called_per_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    original = PyldProcessor.compare_values

    def counting(v1: Any, v2: Any) -> bool:
        nonlocal calls
        calls += 1
        return original(v1, v2)  # type: ignore[no-any-return]

    monkeypatch.setattr(PyldProcessor, "compare_values", staticmethod(counting))
    _FAST.canonicalize(SHAPES["strings"](2000))
    assert calls < 100  # pyld alone: 1,999,000


# -- exactly pyld's output --------------------------------------------------------------------


def test_duplicates_are_dropped_exactly_as_pyld_drops_them() -> None:
    document = _badge(
        tag=["a", "b", "a", "c", "b", "a"],
        type=["Achievement", "https://ex.org/t", "Achievement", "https://ex.org/t"],
        related=[
            {"id": "https://ex.org/r", "type": ["Related"]},
            {"id": "https://ex.org/r", "type": ["Related"], "version": "2"},
            {"type": ["Related"], "version": "3"},
            {"type": ["Related"], "version": "3"},
        ],
        creditsAvailable=3,
    )
    document["credentialSubject"]["achievement"]["inLanguage"] = "en"
    document["name"] = {"@value": "Name", "@language": "en"}
    assert _FAST.canonicalize(document) == _REFERENCE.canonicalize(document)
    assert _FAST.canonicalize(document).count('"a"') == 1


def _random_value(rng: random.Random) -> Any:
    """Values as node-map generation adds them, with every corner of ``compare_values``."""
    primitives: list[Any] = [
        "x",
        "1",
        1,
        1.0,
        True,
        False,
        0,
        None,
        math.nan,
        "https://ex.org/a",
        "_:b0",
    ]
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(primitives)
    if kind == 1:  # a value object
        value: dict[str, Any] = {"@value": rng.choice([*primitives, {"k": 1}, {"k": True}, [1]])}
        for key, options in (
            ("@type", ["https://ex.org/T", "@json"]),
            ("@language", ["en", "fr"]),
            ("@index", ["i"]),
            ("@direction", ["ltr"]),
        ):
            if rng.random() < 0.3:
                value[key] = rng.choice(options)
        return value
    if kind in (2, 3):  # a node reference, sometimes with more
        node: dict[str, Any] = {"@id": rng.choice(["https://ex.org/a", "https://ex.org/b", "_:b1"])}
        if kind == 3:
            node["https://ex.org/p"] = [{"@value": "v"}]
        return node
    if kind == 4:  # a node without @id: equal to nothing but itself
        return {"https://ex.org/p": [{"@value": rng.choice(["v", "w"])}]}
    return {"@list": [{"@value": "l"}]}


def test_indexed_add_value_matches_pyld_on_random_values() -> None:
    original = jsonld_nodemap._original_add_value
    options = {"propertyIsArray": True, "allowDuplicate": False}
    rng = random.Random(20260401)
    for _ in range(300):
        values = [_random_value(rng) for _ in range(rng.randrange(1, 40))]
        values += [rng.choice(values) for _ in range(5)]  # the same objects again
        rng.shuffle(values)
        expected: dict[str, Any] = {}
        for value in values:
            original(expected, "p", value, dict(options))
        got: dict[str, Any] = {}
        with jsonld_nodemap.indexed_add_value():
            for value in values:
                PyldProcessor.add_value(got, "p", value, dict(options))
        assert [id(v) for v in got["p"]] == [id(v) for v in expected["p"]], values


def test_outside_the_processor_pyld_runs_unchanged() -> None:
    jsonld_nodemap.install()
    assert not jsonld_nodemap.is_indexing()
    subject: dict[str, Any] = {"p": ["a"]}
    PyldProcessor.add_value(subject, "p", "a", {"allowDuplicate": False})
    PyldProcessor.add_value(subject, "p", "a", {"allowDuplicate": True})
    assert subject == {"p": ["a", "a"]}


# -- the CPU budget ---------------------------------------------------------------------------


def test_a_spent_budget_stops_the_work_in_its_thread() -> None:
    document = SHAPES["strings"](2000)
    with pytest.raises(WorkBudgetExceeded) as caught, work_budget(0.0):
        _FAST.canonicalize(document)
    assert "CPU" in str(caught.value)
    # the budget is gone with its block: the same work completes afterwards
    assert _FAST.canonicalize(document)


def test_wherever_the_budget_runs_out_it_comes_out_as_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pyld wraps what is raised while it processes a scoped context in its own errors; a spent
    budget must still come out as itself, not as a JsonLdError (which the verifier would turn
    into a failed check and carry on). Tried at every checkpoint of one canonicalization."""
    store = ContextStore.from_directory(default_contexts_dir())
    document = SHAPES["linked objects"](3)
    calls = 0

    def counting(force: bool = False) -> None:
        nonlocal calls
        calls += 1

    monkeypatch.setattr(jsonld_module, "checkpoint", counting)
    FastCanonicalizer(JsonLdProcessor(store)).canonicalize(document)  # fresh: no memo
    total, calls = calls, 0
    assert total > 20
    for spent_at in range(1, total + 1):
        calls = 0

        def spent(force: bool = False, spent_at: int = spent_at) -> None:
            nonlocal calls
            calls += 1
            if calls == spent_at:
                raise WorkBudgetExceeded(0.0)

        monkeypatch.setattr(jsonld_module, "checkpoint", spent)
        with pytest.raises(WorkBudgetExceeded):
            FastCanonicalizer(JsonLdProcessor(store)).canonicalize(document)


def test_without_a_budget_checkpoints_cost_nothing_and_never_raise() -> None:
    for _ in range(1000):
        checkpoint(force=True)


def test_an_outer_budget_wins() -> None:
    with work_budget(0.0), work_budget(3600.0), pytest.raises(WorkBudgetExceeded):
        _FAST.canonicalize(SHAPES["strings"](10))
