"""OB 3.0 issuance: sign only, in-process with storage, and through HTTP; where time goes."""

from __future__ import annotations

import copy
import cProfile
import io
import pstats

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalog.organizations import create_organization
from app.clients.service import create_client
from app.issuance.service import IssueOptions
from app.main import create_app
from benchmarks.common import measure, report, throwaway_services
from tests.factories import open_badge


def run() -> None:
    services = throwaway_services()
    with Session(services.engine, expire_on_commit=False) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        client, secret = create_client(session, org)
        ctx = services.signer.context_for(session, org)
    credential = open_badge()
    unsigned = copy.deepcopy(credential)
    unsigned.update(
        {
            "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "issuer": ctx.profile().to_json(),
            "validFrom": "2026-01-01T00:00:00Z",
        }
    )

    print("== OB 3.0 issuance (eddsa-rdfc-2022), medians of 5 runs ==")
    report(
        "sign only (canonicalize + hash + Ed25519)",
        measure(lambda: services.signer.sign(unsigned, ctx), 300),
    )

    def in_process() -> None:
        with Session(services.engine, expire_on_commit=False) as session:
            services.issuance.issue(session, org, copy.deepcopy(credential), IssueOptions())

    report("in-process issue incl. checks + SQLite storage", measure(in_process, 200))

    app = create_app(services.settings, services)
    with TestClient(app) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, secret),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {"credential": credential}

        def through_http() -> None:
            response = http.post("/credentials/issue", json=body, headers=headers)
            assert response.status_code == 201

        report(
            "HTTP POST /credentials/issue (ASGI in-process, storage)", measure(through_http, 200)
        )

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(200):
        services.signer.sign(unsigned, ctx)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(12)
    print("-- where signing time goes (cProfile, cumulative) --")
    print("\n".join(line for line in out.getvalue().splitlines()[6:30] if line.strip()))
