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
