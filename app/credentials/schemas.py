"""API models of issued credentials: VC-API issue and status requests, credential records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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


#: Items of one POST /credentials/issue:batch.
MAX_ISSUE_BATCH = 1000


class IssueBatchRequest(BaseModel):
    """VC-API-shaped items, each as the body of POST /credentials/issue."""

    items: list[IssueRequest] = Field(min_length=1, max_length=MAX_ISSUE_BATCH)


class IssueBatchItemOut(BaseModel):
    """One item's answer: its status, and the credential (201) or a problem (4xx)."""

    status: int
    verifiableCredential: dict[str, Any] | str | None = None
    problem: dict[str, Any] | None = None


class IssueBatchResponse(BaseModel):
    items: list[IssueBatchItemOut]


class IssueResponse(BaseModel):
    verifiableCredential: dict[str, Any] | str


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=1000)


class StatusEventOut(BaseModel):
    action: str
    reason: str | None
    actor: str | None
    at: str


class CredentialRecord(BaseModel):
    uuid: str
    id: str
    kind: str
    status: str
    status_reason: str | None
    issued_at: str
    superseded_by: str | None = None
    history: list[StatusEventOut]


class StatusPurposeIn(BaseModel):
    type: str | None = None
    statusPurpose: str


class VcApiStatusRequest(BaseModel):
    """VC-API §3.2.3 update status."""

    credentialId: str
    credentialStatus: list[StatusPurposeIn] | StatusPurposeIn
    status: bool = True
