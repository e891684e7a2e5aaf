"""API models of the verifier: the VC-API verification response (VCALM §3.2.2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CheckOut(BaseModel):
    check: str = Field(description="the check's stable name: proof, issuer, validity, ...")
    passed: bool
    message: str = Field(description="a sentence for people")
    code: str | None = Field(default=None, description="stable machine code when it failed")


class ProblemOut(BaseModel):
    type: str
    title: str
    detail: str
    code: str


class VerifyResponse(BaseModel):
    verified: bool
    checks: list[CheckOut]
    warnings: list[CheckOut]
    errors: list[CheckOut]
    problemDetails: list[ProblemOut]
    results: dict[str, Any]


class CredentialResultOut(VerifyResponse):
    credentialId: str | None = Field(default=None, description="the credential's id, if any")


class PresentationVerifyResponse(VerifyResponse):
    """VC-API ``POST /presentations/verify``: the presentation's checks at the top (plus one
    failed ``credential`` check per credential that fails), then the details."""

    presentationResult: VerifyResponse = Field(
        description="the presentation's own checks: data model, proof (authentication, "
        "challenge, domain), holder"
    )
    credentialResults: list[CredentialResultOut] = Field(
        description="each credential inside, as POST /credentials/verify reports it"
    )
