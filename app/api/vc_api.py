"""W3C VC-API (VCALM): issue, plus the public credential URL (verify: app/api/verify.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.core.proofs import jose
from app.credentials.issuance import IssueOptions
from app.deps import ServicesDep, SessionDep, require_scope
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.organizations import organization

router = APIRouter(tags=["vc-api"])


class IssueOptionsIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    credential_id: str | None = Field(default=None, alias="credentialId")
    format: Literal["ldp_vc", "jwt_vc_json", "vc+jwt"] = Field(
        default="ldp_vc",
        description="ldp_vc: embedded Data Integrity proof; jwt_vc_json: OB 3.0 VC-JWT "
        "(compact JWS string); vc+jwt: VC-JOSE-COSE, as an EnvelopedVerifiableCredential",
    )
    cryptosuite: str = Field(
        default="eddsa-rdfc-2022",
        description="Data Integrity cryptosuite of the proof (ldp_vc): eddsa-rdfc-2022 (the "
        "default, OB 3.0), eddsa-jcs-2022 or ecdsa-rdfc-2019 (the organization's P-256 key)",
    )
    alg: Literal["RS256", "ES256", "EdDSA"] | None = Field(
        default=None, description="JWS algorithm for the JWT formats (default RS256)"
    )


class IssueRequest(BaseModel):
    credential: dict[str, Any]
    options: IssueOptionsIn = Field(default_factory=IssueOptionsIn)


class IssueResponse(BaseModel):
    verifiableCredential: dict[str, Any] | str


def _envelope(token: str) -> dict[str, Any]:
    """VC DM 2.0 §4.13 enveloped credential carrying a VC-JOSE-COSE token."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }


@router.post(
    "/credentials/issue",
    status_code=201,
    response_model=IssueResponse,
    summary="Issue a credential (VC-API §3.2.1): sign with the caller's organization key",
)
def issue_credential(
    body: IssueRequest,
    session: SessionDep,
    services: ServicesDep,
    caller: Annotated[Caller, require_scope(scopes.ISSUE)],
) -> Response:
    org = organization(session, caller.org_id)
    options = body.options
    profile = {"jwt_vc_json": jose.OB_PROFILE, "vc+jwt": jose.VC_JOSE_PROFILE}.get(options.format)
    alg = options.alg or "RS256"
    if profile is not None:
        services.jwt.check(org, profile, alg)  # refuse before anything is stored
    record = services.issuance.issue(
        session,
        org,
        body.credential,
        IssueOptions(credential_id=options.credential_id, cryptosuite=options.cryptosuite),
        client_id=caller.client_id,
    )
    headers = {"Location": services.identity.credential_url(record.uuid)}
    if profile is not None:
        token = services.jwt.encode(session, record, profile, alg)
        answer = token if profile == jose.OB_PROFILE else _envelope(token)
        return Response(
            json.dumps({"verifiableCredential": answer}),
            status_code=201,
            media_type="application/json",
            headers=headers,
        )
    # Splice the stored text in, so the answer carries exactly the stored bytes.
    text = '{"verifiableCredential":' + record.document + "}"
    return Response(
        text,
        status_code=201,
        media_type="application/json",
        headers=headers,
    )
