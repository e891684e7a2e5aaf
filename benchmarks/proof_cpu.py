"""Issue 13: the CPU of signing and verifying one OB 3.0 credential, as ms and as multiples of Y.

Y (``benchmarks/yardstick.py``) is pyld alone canonicalizing the same credential. Figures are
process CPU per credential, medians of 5 runs, over 20 different issued credentials in turn
(different ids, so no per-document memo helps). Then where the time goes, stage by stage, and
the same signing with the per-shape JSON-LD templates turned off (pyld for every document).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core import rdfc
from app.core.jsonld import FastCanonicalizer, JsonLdProcessor, SafeModeCanonicalizer
from app.core.multiformats import multibase_decode
from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import verify_signature
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
    _signing_stages(signing, unsigned, signer, totals["eddsa-rdfc-2022"])

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
    _verification_stages(services, verifier, documents, verify_total)
    compiler = services.processor.compiler
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


def _signing_stages(
    engine: DataIntegrityEngine, unsigned: list[dict[str, Any]], signer: Any, total: float
) -> None:
    """Where eddsa-rdfc-2022 signing time goes (each stage alone, same documents)."""
    suite = SUITES["eddsa-rdfc-2022"]
    processor = engine.processor
    take = _rotating(unsigned)
    probe = [
        {**d, "@context": [*d["@context"], {"@vocab": "urn:laurel:undefined-term:"}]}
        for d in unsigned
    ]
    take_probe = _rotating(probe)
    nquads = [processor.to_nquads_checked(d) for d in probe]
    take_nquads = _rotating(nquads)
    canonical = [rdfc.canonicalize_nquads(n).encode() for n, _ in nquads]

    def canonicalize() -> str:
        text, distinct = take_nquads()
        return rdfc.canonicalize_nquads(text, distinct_blank_nodes=distinct)

    take_canonical = _rotating(canonical)
    options = ProofOptions(
        verification_method=signer.verification_method, created="2026-01-01T00:00:00Z"
    )
    proof = engine._proof_options(suite, options)
    print("  -- signing stages, per credential --")
    for label, fn in (
        (
            "JSON-LD -> N-Quads by template (safe-mode context)",
            lambda: processor.to_nquads(take_probe()),
        ),
        ("RDFC-1.0 in pyoxigraph (parse, canonicalize, sort)", canonicalize),
        ("SHA-256 of canonical document", lambda: suite.digest(take_canonical())),
        (
            "proof configuration hash (memoized per config)",
            lambda: engine._config_hash(engine.proof_configuration(take(), proof), suite),
        ),
        ("Ed25519 signature", lambda: signer.sign(b"x" * 64)),
    ):
        spent = _cpu(fn)
        total -= spent
        print_figure(f"    {label}", spent)
    print_figure("    the rest (proof options, copies, safe-mode check, multibase)", total)


def _verification_stages(
    services: Any, verifier: Any, documents: list[dict[str, Any]], total: float
) -> None:
    """Where verification time goes (each stage alone)."""
    from app.verification.report import VerificationReport

    doc = documents[0]
    proof = doc["proof"]
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    suite = SUITES["eddsa-rdfc-2022"]
    vm = proof["verificationMethod"]
    print("  -- verification stages, per credential --")
    with Session(services.engine) as session:
        public_key = verifier.key_resolver(session)(vm, "assertionMethod")
        data = verifier.engine.hash_data(unsigned, proof, suite)
        signature = multibase_decode(proof["proofValue"])
        for label, fn in (
            (
                "issuer key (own did:web: org row, cached key)",
                lambda: verifier.key_resolver(session)(vm, "assertionMethod"),
            ),
            (
                "canonical document hash (template + RDFC-1.0 + SHA-256)",
                lambda: verifier.engine.hash_data(unsigned, proof, suite),
            ),
            ("Ed25519 verify", lambda: verify_signature(public_key, signature, data)),
            (
                "status list (read from the store, parse/proof/bits cached)",
                lambda: verifier.status.outcomes(session, doc),
            ),
            (
                "OB 3.0 JSON Schema (jsonschema-rs, compiled once)",
                lambda: verifier._check_schema(doc, VerificationReport(credential=doc)),
            ),
        ):
            spent = _cpu(fn)
            total -= spent
            print_figure(f"    {label}", spent)
    print_figure("    the rest (session, report, data model, validity, issuer checks)", total)
