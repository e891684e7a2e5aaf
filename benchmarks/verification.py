"""Verification of our own OB 3.0 credentials: every check, status list proof cached.

Each verification runs the full report: data model, the eddsa-rdfc-2022 proof (RDFC-1.0
canonicalization + Ed25519), the issuer's key from the database, validity, the OB 3.0 JSON
Schema, JSON-LD safe mode, and the revocation bit (the list read from the database; its proof
checked once and remembered by digest).
"""

from __future__ import annotations

import copy
import cProfile
import io
import json
import pstats

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.issuers.organizations import create_organization
from app.main import create_app
from benchmarks.common import measure, report, throwaway_services
from tests.factories import open_badge

CREDENTIALS = 20


def run() -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        issued = [
            services.issuance.issue(session, org, copy.deepcopy(open_badge()), IssueOptions())
            for _ in range(CREDENTIALS)
        ]
    documents = [json.loads(record.document) for record in issued]
    verifier = services.verifier
    position = 0

    def verify_one() -> None:
        nonlocal position
        with Session(services.engine) as session:
            result = verifier.verify(session, documents[position % CREDENTIALS])
        position += 1
        assert result.verified, result.to_json()

    print("== OB 3.0 verification (own credentials, eddsa-rdfc-2022), medians of 5 runs ==")
    report("in-process verify: all checks, status list cached", measure(verify_one, 200))

    with Session(services.engine) as session:
        doc = documents[0]

        def proof_only() -> None:
            verifier.engine.verify(doc, verifier.key_resolver(session))

        report("  of which: the proof alone (canonicalize + Ed25519)", measure(proof_only, 200))

    app = create_app(services.settings, services)
    with TestClient(app) as http:

        def through_http() -> None:
            nonlocal position
            body = {"verifiableCredential": documents[position % CREDENTIALS]}
            position += 1
            answer = http.post("/credentials/verify", json=body)
            assert answer.status_code == 200 and answer.json()["verified"] is True

        report("HTTP POST /credentials/verify (ASGI in-process)", measure(through_http, 200))

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(100):
        verify_one()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(14)
    print("-- where verification time goes (cProfile, cumulative) --")
    print("\n".join(line for line in out.getvalue().splitlines()[6:32] if line.strip()))
