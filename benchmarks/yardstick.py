"""The yardstick Y every issue-13 target is a ratio to: pyld alone canonicalizing our credential.

Machines differ (this one is ~2.4x slower than the one that first reported our figures), so a
figure is printed as milliseconds *and* as a multiple of Y measured in the same run:

    Y = process CPU that pyld needs to canonicalize the OB 3.0 credential Laurel issues
        (``jsonld.normalize``, URDNA2015, N-Quads), with a plain in-memory document loader over
        ``contexts/``, median of several runs.

"pyld alone" means pyld as shipped: none of Laurel's JSON-LD code (no memoizing processor, no
compiled expansion, no pyoxigraph).

"No memo" (issue 13's definition) also covers pyld's *own* memos: ``pyld.jsonld`` keeps two
module-level LRU caches that outlive a call, ``_resolved_context_cache`` (each context document
resolved and processed into an active context) and ``_inverse_context_cache`` (the inverse
context used for compaction). With them warm, the second and later canonicalizations skip the
context processing entirely (~half of the work for an OB 3.0 credential, whose three contexts
define hundreds of terms), so the figure would measure pyld *with a memo*. Y therefore clears
both caches before every timed run: every run processes the contexts from the loaded documents,
as a processor meeting the credential for the first time does. The loader is in memory (the
pinned files in ``contexts/``), so no network time is counted either.

The warm figure, ``Y_warm`` (pyld's caches left on; the first call not counted), is printed on
a second line and beside every ratio, so a reader can compare with figures reported before
this definition was applied (those were ratios to ``Y_warm``).
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parents[1] / "contexts"
RUNS = 15


def in_memory_loader(directory: Path = CONTEXTS_DIR) -> Any:
    """A pyld document loader answering from the pinned files in ``contexts/`` (no network).

    Each answer is a fresh copy: pyld gets what a caching HTTP loader would give it, and
    nothing Laurel precomputed."""
    index = json.loads((directory / "index.json").read_text())
    documents = {url: json.loads((directory / e["file"]).read_text()) for url, e in index.items()}

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url not in documents:
            raise jsonld.JsonLdError(f"{url} is not pinned", "loading document failed")
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(documents[url]),
        }

    return load


def issued_open_badge() -> dict[str, Any]:
    """The OB 3.0 credential Laurel issues (the factory's achievement, completed with issuer
    profile, id, validFrom and a revocation status entry), without its proof: the document
    the eddsa-rdfc-2022 suite canonicalizes."""
    from app.credentials.issuance import IssueOptions
    from app.db import session_scope
    from app.issuers.organizations import create_organization
    from benchmarks.common import throwaway_services
    from tests.factories import open_badge

    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="yardstick", name="Bench U")
        record = services.issuance.issue(session, org, open_badge(), IssueOptions())
        signed = json.loads(record.document)
    services.engine.dispose()
    signed.pop("proof", None)
    return signed


def canonicalize_with_pyld(document: dict[str, Any], loader: Any) -> str:
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
        },
    )


def clear_pyld_caches() -> None:
    """Forget everything pyld memoized across calls (see the module docstring)."""
    jsonld._resolved_context_cache.clear()
    jsonld._inverse_context_cache.clear()


def _median_cpu(document: dict[str, Any], runs: int, *, memo: bool) -> float:
    loader = in_memory_loader()
    canonicalize_with_pyld(copy.deepcopy(document), loader)  # imports, first-call costs
    samples = []
    for _ in range(runs):
        doc = copy.deepcopy(document)
        if not memo:
            clear_pyld_caches()
        start = time.process_time()
        canonicalize_with_pyld(doc, loader)
        samples.append(time.process_time() - start)
    return statistics.median(samples)


#: Every sample of the run so far (seconds of CPU): cold (pyld's caches cleared) and warm.
_COLD: list[float] = []
_WARM: list[float] = []


@cache
def _document() -> dict[str, Any]:
    return issued_open_badge()


def sample(runs: int = RUNS) -> tuple[float, float]:
    """Take ``runs`` more samples of Y and of Y_warm.

    A section that measures over minutes calls this around each of its runs, so that a run
    is divided by the Y of its own seconds (wire_speed), and Y spans the same stretch of
    time as the figures. This shared
    machine changes speed from one second to the next: in one process, twelve bursts of 15
    canonicalizations half a second apart gave medians of 8.7 or 14.5 ms, switching back
    and forth. One burst at the start of a run (as before) set every ratio of the run by
    whichever speed that fraction of a second had (Y from 8.1 to 14.8 ms over five runs),
    while the server figures, each a median of five runs of about a second, span both.
    """
    document = _document()
    _COLD.append(_median_cpu(document, runs, memo=False))
    _WARM.append(_median_cpu(document, runs, memo=True))
    clear_pyld_caches()
    return _COLD[-1], _WARM[-1]


def fastest_seconds() -> float:
    """The fastest burst of Y so far: the harshest yardstick a run offers.

    pyld slows down more than the server in this machine's slow spells (an outside review
    measured +50 % against +31 % for an in-process issue), so a ratio taken in one flatters
    Laurel by about a tenth, and slow spells can fill most of a run. Every estimate of the
    fast spells' usual Y chosen from the bursts (a quartile, the faster half) fell among
    slow ones in some run; the fastest burst never does, and errs against Laurel instead
    (15 to 20 % under the fast spells' usual Y, by the same review)."""
    if not _COLD:
        sample()
    return min(_COLD)


def spread() -> str:
    """The fastest and slowest burst of Y so far, e.g. ``8.1 to 14.6 ms``."""
    return f"{min(_COLD) * 1000:.1f} to {max(_COLD) * 1000:.1f} ms"


def samples() -> int:
    """How many bursts of ``RUNS`` samples Y is the median of so far."""
    return len(_COLD)


def _yardsticks() -> tuple[float, float]:
    """Y and Y_warm over every burst sampled in this run (one, if none yet): each burst's
    median drops a garbage collection or a preemption within it; the mean over bursts
    weighs the machine's fast and slow seconds by how often they came, as a server figure
    (all the CPU of a run of about a second) does."""
    if not _COLD:
        sample()
    return statistics.fmean(_COLD), statistics.fmean(_WARM)


def yardstick_seconds() -> float:
    """Y in seconds of process CPU: median of ``RUNS`` canonicalizations, pyld's caches
    cleared before each (issue 13: "no memo")."""
    return _yardsticks()[0]


def yardstick_warm_seconds() -> float:
    """Y_warm: the same with pyld's module-level context caches left warm."""
    return _yardsticks()[1]


def in_y(seconds: float) -> str:
    """A figure as ms, as a multiple of Y and (compact) of Y_warm, e.g.
    ``1.210 ms = 0.24 Y (0.48 Yw)``."""
    y, warm = _yardsticks()
    return f"{seconds * 1000:8.3f} ms = {seconds / y:5.2f} Y ({seconds / warm:5.2f} Yw)"


def print_figure(label: str, seconds: float) -> None:
    print(f"{label:<66} {in_y(seconds)}")


def run() -> None:
    y, warm = _yardsticks()
    print("== yardstick Y: pyld alone, jsonld.normalize URDNA2015 of our OB 3.0 credential ==")
    label = f"Y (no memo: pyld's caches cleared each run, median of {RUNS})"
    print(f"{label:<66} {y * 1000:8.3f} ms = 1.00 Y")
    label = "Y_warm, pyld's context cache on (Yw; as earlier figures)"
    print(f"{label:<66} {warm * 1000:8.3f} ms = {warm / y:5.2f} Y")


if __name__ == "__main__":
    run()
