"""The yardstick Y every issue-13 target is a ratio to: pyld alone canonicalizing our credential.

Machines differ (this one is ~2.4x slower than the one that first reported our figures), so a
figure is printed as milliseconds *and* as a multiple of Y measured in the same run:

    Y = process CPU that pyld needs to canonicalize the OB 3.0 credential Laurel issues
        (``jsonld.normalize``, URDNA2015, N-Quads), with a plain in-memory document loader over
        ``contexts/``, median of several runs.

"pyld alone" means pyld as shipped: none of Laurel's JSON-LD code (no memoizing processor, no
compiled expansion, no pyoxigraph). pyld's own module-level resolved-context cache is part of
pyld as shipped, so it is left as it is; the first (cold) call is not counted.
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


@cache
def yardstick_seconds(runs: int = RUNS) -> float:
    """Y in seconds of process CPU: median of ``runs`` canonicalizations (one warm-up)."""
    document = issued_open_badge()
    loader = in_memory_loader()
    canonicalize_with_pyld(copy.deepcopy(document), loader)
    samples = []
    for _ in range(runs):
        doc = copy.deepcopy(document)
        start = time.process_time()
        canonicalize_with_pyld(doc, loader)
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def in_y(seconds: float) -> str:
    """A figure as ms and as a multiple of Y, e.g. ``4.210 ms = 0.58 Y``."""
    return f"{seconds * 1000:8.3f} ms = {seconds / yardstick_seconds():5.2f} Y"


def print_figure(label: str, seconds: float) -> None:
    print(f"{label:<66} {in_y(seconds)}")


def run() -> None:
    y = yardstick_seconds()
    print("== yardstick Y: pyld alone, jsonld.normalize URDNA2015 of our OB 3.0 credential ==")
    label = f"Y (process CPU, median of {RUNS} runs)"
    print(f"{label:<66} {y * 1000:8.3f} ms = 1.00 Y")


if __name__ == "__main__":
    run()
