"""RDFC-1.0 without poison datasets: the fast path when it cannot blow up, a stoppable one when
it can (RDF Dataset Canonicalization §4.4 and its security considerations).

RDFC-1.0 issues canonical blank node labels from each node's first-degree hash (§4.6). Only
blank nodes that share that hash need Hash N-Degree Quads (§4.8), which tries permutations of
related blank nodes and recurses: a few hundred bytes of JSON-LD (a "clique" of ten blank
nodes, or two long rings) cost minutes. pyoxigraph runs it in Rust, where no checkpoint can
stop it. So:

- when every blank node's first-degree hash is unique (every credential we issue, and the
  usual third-party one), pyoxigraph canonicalizes: no N-degree work is possible;
- otherwise pyld's URDNA2015 (= RDFC-1.0, pure Python) runs with a budget checkpoint in each
  N-degree call, and refuses a group of more than ``MAX_PERMUTED`` related blank nodes (their
  permutations alone would be ``MAX_PERMUTED!``) with ``PoisonDatasetError``.

Both give the same bytes (tests compare them), so which one ran never shows in a proof.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph
from pyld.canon import URDNA2015

from app.core.budget import WorkBudgetExceeded, checkpoint

#: Related blank nodes one Hash N-Degree Quads step may permute (8! = 40,320 orders).
MAX_PERMUTED = 8


class PoisonDatasetError(WorkBudgetExceeded):
    """Blank nodes so alike that canonicalizing them would take factorial time."""

    def __init__(self, count: int) -> None:
        RuntimeError.__init__(
            self,
            f"{count} indistinguishable blank nodes would have to be tried in every order "
            f"to canonicalize it (RDFC-1.0 Hash N-Degree Quads); at most {MAX_PERMUTED} are",
        )
        self.seconds = 0.0


def needs_n_degree(dataset: pyoxigraph.Dataset) -> bool:
    """True when two blank nodes share a first-degree hash (RDFC-1.0 §4.6): only then does
    canonicalization run Hash N-Degree Quads. Compares the hash inputs, not their digests."""
    quads_of: defaultdict[str, list[Any]] = defaultdict(list)
    for quad in dataset:
        for term in (quad.subject, quad.object, quad.graph_name):
            if isinstance(term, pyoxigraph.BlankNode):
                quads_of[term.value].append(quad)
    if len(quads_of) < 2:
        return False
    seen: set[tuple[str, ...]] = set()
    for label, quads in quads_of.items():
        checkpoint()
        key = tuple(sorted(_first_degree_line(quad, label) for quad in quads))
        if key in seen:
            return True
        seen.add(key)
    return False


def _first_degree_line(quad: Any, label: str) -> str:
    """The quad as §4.6 step 3.1 serializes it: this blank node ``_:a``, any other ``_:z``."""
    parts = []
    for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
        if isinstance(term, pyoxigraph.BlankNode):
            parts.append("_:a" if term.value == label else "_:z")
        elif isinstance(term, pyoxigraph.DefaultGraph):
            continue
        else:
            parts.append(str(term))
    return " ".join(parts)


class _StoppableURDNA2015(URDNA2015):
    """pyld's RDFC-1.0 with a budget checkpoint per N-degree step and a cap on permutations."""

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        checkpoint(force=True)
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        largest = max((len(nodes) for nodes in related.values()), default=0)
        if largest > MAX_PERMUTED:
            raise PoisonDatasetError(largest)
        return related


def canonicalize_nquads(nquads: str, *, distinct_blank_nodes: bool = False) -> str:
    """RDFC-1.0 of an N-Quads document: canonical N-Quads, one sorted line per quad.

    ``distinct_blank_nodes``: the caller has proven every first-degree hash unique (a JSON-LD
    template whose blank nodes differ in predicates, ``jsonld_compiled``): no poison check.
    """
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))
    if not distinct_blank_nodes and needs_n_degree(dataset):
        return _StoppableURDNA2015().main(_pyld_dataset(dataset), {"format": "application/n-quads"})
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def _pyld_dataset(dataset: pyoxigraph.Dataset) -> dict[str, list[dict[str, Any]]]:
    """pyoxigraph's quads (a set already) in pyld's form: pyld's own N-Quads parser checks
    each new quad against every earlier one, quadratic in turn."""
    out: dict[str, list[dict[str, Any]]] = {}
    for quad in dataset:
        triple = {
            "subject": _pyld_term(quad.subject),
            "predicate": _pyld_term(quad.predicate),
            "object": _pyld_term(quad.object),
        }
        graph = quad.graph_name
        name = "@default" if isinstance(graph, pyoxigraph.DefaultGraph) else _pyld_label(graph)
        out.setdefault(name, []).append(triple)
    return out


def _pyld_label(term: Any) -> str:
    return f"_:{term.value}" if isinstance(term, pyoxigraph.BlankNode) else str(term.value)


def _pyld_term(term: Any) -> dict[str, Any]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    literal: dict[str, Any] = {
        "type": "literal",
        "value": term.value,
        "datatype": term.datatype.value,
    }
    if term.language:
        literal["language"] = term.language
    return literal
