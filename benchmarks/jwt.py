"""VC-JWT issuance per algorithm: signing the JWT form of an LD-signed OB 3.0 credential."""

from __future__ import annotations

import copy
import json

from fastapi.testclient import TestClient

from app.core.proofs import jose
from app.credentials.jwt_encoding import KEY_TYPE_FOR_ALG
from app.db import session_scope
from app.issuers.clients import create_client
from app.issuers.organizations import create_organization
from app.main import create_app
from benchmarks.common import measure, report, throwaway_services
from tests.factories import open_badge


def run() -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        ctx = services.signer.context_for(session, org)
        unsigned = copy.deepcopy(open_badge())
        unsigned.update(
            {
                "id": "urn:uuid:00000000-0000-4000-8000-000000000002",
                "issuer": ctx.profile().to_json(),
                "validFrom": "2026-01-01T00:00:00Z",
            }
        )
        signed = services.signer.sign(unsigned, ctx)
        keys = {
            alg: services.keyring.ensure_active_key(session, org.id, key_type)
            for alg, key_type in KEY_TYPE_FOR_ALG.items()
        }
        session.commit()
        print(
            f"== VC-JWT issuance (JWT form of a {len(json.dumps(signed))}-byte OB 3.0 "
            "credential), medians of 5 runs =="
        )
        for alg, key in keys.items():
            private = services.keyring.private_key(key)
            kid = services.identity.verification_method(ctx.did, key)
            report(
                f"{alg}: sign_vc_jwt (OB profile, typ JWT)",
                measure(lambda p=private, k=kid: jose.sign_vc_jwt(signed, p, k), 300),
            )
        client, secret = create_client(session, org)
    with TestClient(create_app(services.settings, services)) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, secret),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for alg in KEY_TYPE_FOR_ALG:
            body = {"credential": open_badge(), "options": {"format": "jwt_vc_json", "alg": alg}}

            def issue(b: dict[str, object] = body) -> None:
                assert http.post("/credentials/issue", json=b, headers=headers).status_code == 201

            report(
                f"{alg}: HTTP issue, format jwt_vc_json (LD proof + JWT + storage)",
                measure(issue, 100),
            )
