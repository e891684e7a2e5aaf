"""Issue 13: the CPU of signing and verifying one OB 3.0 credential, as ms and as multiples of Y.

Y (``benchmarks/yardstick.py``) is pyld alone canonicalizing the same credential (no memo; Yw
beside it: pyld's context cache warm). Figures are
process CPU per credential, medians of 5 runs, over 20 different issued credentials in turn
(different ids, so no per-document memo helps). Then where the time goes, stage by stage, and
the same signing with the per-shape JSON-LD templates turned off (pyld for every document).
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core import rdfc
from app.core.jsonld import FastCanonicalizer, JsonLdProcessor, SafeModeCanonicalizer
from app.core.proofs import SUITES, data_integrity
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer
from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.issuers.organizations import create_organization
from app.main import create_app
from benchmarks.common import measure
from benchmarks.yardstick import print_figure, yardstick_seconds
from tests.factories import open_badge

CREDENTIALS = 20
CALLS = 100


def _cpu(fn: Callable[[], object], count: int = CALLS) -> float:
    """Seconds of process CPU per call, median of 5 runs."""
    return measure(fn, count).cpu_ms / 1000


def _rotating(items: list[Any]) -> Callable[[], Any]:
    position = 0

    def take() -> Any:
        nonlocal position
        position += 1
        return items[position % len(items)]

    return take


def run() -> None:
    from benchmarks.common import throwaway_services

    yardstick_seconds()
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="proofcpu", name="Bench U")
        issued = [
            services.issuance.issue(session, org, copy.deepcopy(open_badge()), IssueOptions())
            for _ in range(CREDENTIALS)
        ]
        contexts = {
            suite: services.issuance.signer.context_for(session, org, suite)
            for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
        }
    documents = [json.loads(record.document) for record in issued]
    unsigned = [{k: v for k, v in d.items() if k != "proof"} for d in documents]
    signing = services.issuance.signer.engine
    print("== issue 13: signing and verifying one OB 3.0 credential (process CPU, medians) ==")

    def signer_of(suite: str) -> Any:
        rdfc_suite = "ecdsa-rdfc-2019" if suite == "ecdsa-rdfc-2019" else "eddsa-rdfc-2022"
        return contexts[rdfc_suite].signer

    totals: dict[str, float] = {}
    for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "Ed25519Signature2020"):
        signer = signer_of(suite)
        options = ProofOptions(verification_method=signer.verification_method)
        take = _rotating(unsigned)

        def sign(engine: DataIntegrityEngine = signing) -> None:
            engine.add_proof(take(), SUITES[suite], signer, options)  # noqa: B023

        totals[suite] = _cpu(sign)
        print_figure(f"sign {suite} (safe mode, per credential)", totals[suite])

    plain = JsonLdProcessor(services.processor.store, compiled=False)
    pyld_engine = DataIntegrityEngine(plain, SafeModeCanonicalizer(FastCanonicalizer(plain), plain))
    signer = signer_of("eddsa-rdfc-2022")
    options = ProofOptions(verification_method=signer.verification_method)
    take = _rotating(unsigned)
    print_figure(
        "  the same eddsa-rdfc-2022 without templates (pyld expansion)",
        _cpu(lambda: pyld_engine.add_proof(take(), SUITES["eddsa-rdfc-2022"], signer, options)),
    )
    take = _rotating(unsigned)
    _signing_stages(
        signing, lambda: signing.add_proof(take(), SUITES["eddsa-rdfc-2022"], signer, options)
    )

    verifier = services.verifier
    take = _rotating(documents)

    def verify_one() -> None:
        with Session(services.engine) as session:
            result = verifier.verify(session, take())
        assert result.verified, result.to_json()

    verify_total = _cpu(verify_one)
    print_figure(
        "verify our OB 3.0 credential in-process (all checks, status cached)", verify_total
    )
    _verification_stages(verify_one)
    compiler, services.processor.compiler = services.processor.compiler, None
    print_figure("  the same verification without templates (pyld expansion)", _cpu(verify_one))
    services.processor.compiler = compiler
    if compiler is not None:
        print(f"  JSON-LD templates: {compiler.stats} (compiled = documents done by template)")

    app = create_app(services.settings, services)
    with TestClient(app) as http:

        def through_http() -> None:
            answer = http.post("/credentials/verify", json={"verifiableCredential": take()})
            assert answer.status_code == 200 and answer.json()["verified"] is True

        print_figure(
            "verify over HTTP POST /credentials/verify (ASGI in-process, client incl.)",
            _cpu(through_http),
        )
    services.engine.dispose()


@contextmanager
def _accounting(targets: list[tuple[Any, str, str]]) -> Iterator[Counter[str]]:
    """Thread CPU spent inside each (owner, attribute) while the block runs, by label; the
    attributes are put back afterwards (other benchmarks see the code as it is)."""
    spent: Counter[str] = Counter()
    saved = []
    for owner, name, label in targets:
        original = getattr(owner, name)
        saved.append((owner, name, owner.__dict__[name]))

        def timed(*args: Any, _f: Any = original, _label: str = label, **kwargs: Any) -> Any:
            start = time.thread_time_ns()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += time.thread_time_ns() - start

        wrapped = staticmethod(timed) if isinstance(owner.__dict__[name], staticmethod) else timed
        setattr(owner, name, wrapped)
    try:
        yield spent
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def _print_accounting(title: str, fn: Callable[[], object], targets: list[Any]) -> None:
    """Run ``fn`` 300 times with the stages timed inside the real flow; print each stage per
    call (stages nest: an indented stage is part of the one above it)."""
    calls = 300
    for _ in range(20):
        fn()
    with _accounting(targets) as spent:
        start = time.thread_time_ns()
        for _ in range(calls):
            fn()
        total = time.thread_time_ns() - start
    print(f"  -- {title}: where the time goes, per credential (thread CPU, timed in the flow) --")
    print_figure("    all of it (with the timing's own overhead)", total / calls / 1e9)
    for _, _, label in targets:
        print_figure(f"    {label}", spent[label] / calls / 1e9)


def _signing_stages(engine: DataIntegrityEngine, sign: Callable[[], object]) -> None:
    from app.core.jsonld_compiled import ShapeCompiler

    _print_accounting(
        "eddsa-rdfc-2022 signing",
        sign,
        [
            (JsonLdProcessor, "to_nquads_checked", "JSON-LD -> N-Quads (template; safe-mode)"),
            (ShapeCompiler, "render", "  of which: shape key, lookup and filling the holes"),
            (rdfc, "canonicalize_nquads", "RDFC-1.0 (pyoxigraph: parse, canonicalize, sort)"),
            (DataIntegrityEngine, "_config_hash", "proof configuration hash (memoized)"),
            (Ed25519Signer, "sign", "Ed25519 signature"),
            (data_integrity, "multibase_encode", "proofValue base58btc"),
        ],
    )


def _verification_stages(verify_one: Callable[[], object]) -> None:
    from app.verification.keys import KeyResolver
    from app.verification.service import Verifier
    from app.verification.status import StatusChecker

    _print_accounting(
        "verification",
        verify_one,
        [
            (Verifier, "_check_proofs", "proof check (key + canonical hash + Ed25519)"),
            (KeyResolver, "resolve", "  issuer key (org row read; key cached by version)"),
            (JsonLdProcessor, "to_nquads_checked", "  JSON-LD -> N-Quads (template; safe-mode)"),
            (rdfc, "canonicalize_nquads", "  RDFC-1.0 (pyoxigraph)"),
            (data_integrity, "verify_signature", "  Ed25519 verify"),
            (Verifier, "_finish", "validity + schema + terms + status"),
            (StatusChecker, "_fetch", "  status list row read from the store"),
            (StatusChecker, "_parsed", "  status list parse (cached by sha256)"),
            (Verifier, "_check_schema", "  OB 3.0 JSON Schema (jsonschema-rs)"),
        ],
    )
