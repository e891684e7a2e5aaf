"""OB 3.0 issuance: sign only, in-process with storage, and through HTTP; where time goes."""

from __future__ import annotations

import copy
import cProfile
import io
import json
import pstats

from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.issuers.organizations import create_organization
from benchmarks.common import measure, report, throwaway_services
from benchmarks.server import load, print_load, running_server
from tests.factories import open_badge


def run() -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
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
        with session_scope(services.engine) as session:
            services.issuance.issue(session, org, copy.deepcopy(credential), IssueOptions())

    report("in-process issue incl. checks + SQLite storage", measure(in_process, 200))

    with running_server() as server:
        server.laurel("orgs", "create", "--slug", "bench", "--name", "Bench U")
        creds = json.loads(server.laurel("clients", "create", "--org", "bench", "--json"))
        import httpx

        token = httpx.post(
            f"{server.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(creds["client_id"], creds["client_secret"]),
        ).json()
        headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"credential": credential}).encode()
        for concurrency in (1, 4):
            print_load(
                f"HTTP POST /credentials/issue, uvicorn, {concurrency} client(s)",
                load(
                    server,
                    method="POST",
                    path="/credentials/issue",
                    headers=headers,
                    body=body,
                    count=300,
                    concurrency=concurrency,
                ),
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
