"""How verification cost grows with one array's length (the CPU attack on /credentials/verify).

A signed OB 3.0 credential gets an ``achievement.tag`` array of N distinct strings (the proof
then fails, as an attacker's would, but the JSON-LD work is the same) and is verified for
N = 1,000 / 4,000 / 16,000: CPU time of the verifying thread, best of 3 runs. Linear work gives
a ratio near 4 from N to 4N; pyld's pairwise de-duplication gave 16 and more.
``python -m benchmarks.verifier_cost N ...`` picks other sizes.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from typing import Any

from pyld.jsonld import JsonLdProcessor
from sqlmodel import Session

from app.credentials.issuance import IssueOptions
from app.issuers.organizations import create_organization
from benchmarks.common import throwaway_services
from tests.factories import open_badge

SIZES = (1_000, 4_000, 16_000)
#: Best of this many runs (CPU time of the verifying thread), unless one run takes over 5 s.
RUNS = 3


def with_tags(document: dict[str, Any], count: int) -> dict[str, Any]:
    """The credential with ``count`` distinct tags on its achievement (OB 3.0 §B.1.1)."""
    bigger = copy.deepcopy(document)
    bigger["credentialSubject"]["achievement"]["tag"] = [f"tag-{i:06d}" for i in range(count)]
    return bigger


class _CompareCounter:
    """Counts pyld's pairwise ``compare_values`` calls (the quadratic de-duplication)."""

    def __init__(self) -> None:
        self.calls = 0
        self._original = JsonLdProcessor.__dict__["compare_values"]

    def __enter__(self) -> _CompareCounter:
        original = self._original.__func__

        def counting(v1: Any, v2: Any) -> bool:
            self.calls += 1
            return original(v1, v2)  # type: ignore[no-any-return]

        JsonLdProcessor.compare_values = staticmethod(counting)
        return self

    def __exit__(self, *exc: object) -> None:
        JsonLdProcessor.compare_values = self._original


def run(sizes: tuple[int, ...] = SIZES) -> None:
    services = throwaway_services()
    with Session(services.engine, expire_on_commit=False) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        record = services.issuance.issue(session, org, open_badge(), IssueOptions())
    document = json.loads(record.document)
    verifier = services.verifier
    with Session(services.engine) as session:
        verifier.verify(session, document)  # warm the contexts and keys

    print("== verifier cost: one array of N distinct strings (achievement.tag) ==")
    print(f"{'N':>7} {'bytes':>9} {'wall s':>9} {'cpu s':>9} {'compare_values':>15} {'x prev':>7}")
    previous: float | None = None
    for count in sizes:
        doc = with_tags(document, count)
        size = len(json.dumps(doc))
        outcome = ""
        best: tuple[float, float] | None = None
        for _ in range(RUNS):
            with _CompareCounter() as counter, Session(services.engine) as session:
                w0, c0 = time.perf_counter(), time.thread_time()
                try:
                    verifier.verify(session, doc)
                except Exception as exc:  # a budget refusal is a figure too
                    outcome = f"  ({type(exc).__name__}: {str(exc)[:60]})"
                timing = (time.perf_counter() - w0, time.thread_time() - c0)
            best = timing if best is None or timing[1] < best[1] else best
            if timing[1] > 5:  # the quadratic processor: one run says enough
                break
        assert best is not None
        wall, cpu = best
        ratio = f"{cpu / previous:7.1f}" if previous else f"{'':>7}"
        print(f"{count:>7} {size:>9} {wall:>9.3f} {cpu:>9.3f} {counter.calls:>15} {ratio}{outcome}")
        previous = cpu


if __name__ == "__main__":
    run(tuple(int(a) for a in sys.argv[1:]) or SIZES)
