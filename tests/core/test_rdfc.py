"""RDFC-1.0 against poison datasets: same bytes on either path, and the slow path stoppable."""

from __future__ import annotations

from typing import Any

import pyoxigraph
import pytest

from app.core import rdfc
from app.core.budget import WorkBudgetExceeded, work_budget
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

ALIKE = (
    '_:a <https://ex.org/p> "x"@en .\n'
    '_:b <https://ex.org/p> "x"@en .\n'
    "<https://ex.org/s> <https://ex.org/q> _:a .\n"
    "<https://ex.org/s> <https://ex.org/q> _:b .\n"
    '_:a <https://ex.org/r> "\\u00E9\\t\\"q\\"\\n" <https://ex.org/g> .\n'
    '_:b <https://ex.org/r> "\\u00E9\\t\\"q\\"\\n" <https://ex.org/g> .\n'
    '_:a <https://ex.org/r> "1"^^<http://www.w3.org/2001/XMLSchema#integer> _:g .\n'
    '_:b <https://ex.org/r> "1"^^<http://www.w3.org/2001/XMLSchema#integer> _:g .\n'
)


def clique(size: int) -> str:
    """Blank nodes each linked to every other: all alike, factorial to canonicalize."""
    return "".join(
        f"_:b{i} <https://ex.org/p> _:b{j} .\n" for i in range(size) for j in range(size) if i != j
    )


def rings(count: int, length: int) -> str:
    """Identical rings of blank nodes: no permutations, but recursion about n^3 deep."""
    return "".join(
        f"_:r{r}x{i} <https://ex.org/p> _:r{r}x{(i + 1) % length} .\n"
        for r in range(count)
        for i in range(length)
    )


def _oxigraph(nquads: str) -> str:
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def _dataset(nquads: str) -> pyoxigraph.Dataset:
    return pyoxigraph.Dataset(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))


@pytest.mark.parametrize(
    "nquads",
    [ALIKE, clique(4), clique(6), rings(2, 8), rings(3, 5)],
    ids=["alike", "clique4", "clique6", "rings2x8", "rings3x5"],
)
def test_the_stoppable_path_gives_pyoxigraphs_bytes(nquads: str) -> None:
    assert rdfc.needs_n_degree(_dataset(nquads))
    assert rdfc.canonicalize_nquads(nquads) == _oxigraph(nquads)


def test_a_credential_takes_the_fast_path() -> None:
    document: dict[str, Any] = open_badge()
    document["issuer"] = {"id": "https://example.edu/issuer", "type": ["Profile"]}
    assert not rdfc.needs_n_degree(_dataset(_PROCESSOR.to_nquads(document)))


def test_alike_blank_nodes_in_json_ld_give_the_reference_bytes() -> None:
    document: dict[str, Any] = open_badge()
    document["issuer"] = {"id": "https://example.edu/issuer", "type": ["Profile"]}
    twin = {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Ana",
        "identityType": "name",
    }
    document["credentialSubject"]["identifier"] = [twin, dict(twin)]
    nquads = _PROCESSOR.to_nquads(document)
    assert rdfc.needs_n_degree(_dataset(nquads))
    assert _FAST.canonicalize(document) == PyldCanonicalizer(_PROCESSOR).canonicalize(document)


def test_a_clique_is_refused_at_once_even_without_a_budget() -> None:
    with pytest.raises(rdfc.PoisonDatasetError) as caught:
        rdfc.canonicalize_nquads(clique(rdfc.MAX_PERMUTED + 3))
    assert "indistinguishable blank nodes" in str(caught.value)
    assert isinstance(caught.value, WorkBudgetExceeded)  # answered like a spent budget


def test_n_degree_work_is_checkpointed(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyoxigraph cannot be stopped mid-way; the path that runs Hash N-Degree Quads can."""
    calls = 0

    def counting(force: bool = False) -> None:
        nonlocal calls
        calls += 1

    monkeypatch.setattr(rdfc, "checkpoint", counting)
    rdfc.canonicalize_nquads(rings(2, 16))
    assert calls > 2 * 16  # at least once per blank node hashed in n degrees


def test_rings_stop_at_the_budget() -> None:
    with pytest.raises(WorkBudgetExceeded), work_budget(0.0):
        rdfc.canonicalize_nquads(rings(2, 200))  # pyoxigraph: seconds, uninterruptible
