"""VC-API ``POST /presentations/verify``: a presentation's proof and every credential in it.

Body (VC-API "VerifyPresentationRequest"): ``{verifiablePresentation, options: {challenge,
domain}}``, the presentation a JSON-LD object, a compact JWS (``vp+jwt`` or VC-JWT 1.1) or an
``EnvelopedVerifiablePresentation``; or ``{presentation}`` for one without proof
("ProoflessVerifyPresentationRequest"). 200 when the presentation and every credential
verify, 400 with the same report when not (as ``/credentials/verify``); unreadable input is a
problem+json naming the field (400 not JSON, 413 too large or too costly, 422 wrong shape).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.api.verify import app_error
from app.deps import ServicesDep, SessionDep
from app.errors import InvalidInput
from app.http.body import read_limited
from app.http.guard import GuardedRoute
from app.verification.schemas import PresentationVerifyResponse
from app.verification.submission import MAX_BYTES, MAX_DEPTH, SubmissionError, parse_json

router = APIRouter(tags=["verification"], route_class=GuardedRoute)

_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verifiablePresentation": {
            "description": "A JSON-LD presentation with embedded proof(s) (proofPurpose "
            "authentication), a compact JWS (vp+jwt or VC-JWT 1.1 with a vp claim), or an "
            "EnvelopedVerifiablePresentation (data:application/vp+jwt,...)",
            "oneOf": [{"type": "object"}, {"type": "string"}],
        },
        "presentation": {
            "type": "object",
            "description": "A presentation without proof: only its credentials are verified",
        },
        "options": {
            "type": "object",
            "properties": {
                "challenge": {
                    "type": "string",
                    "description": "the proof (or the JWT nonce) must carry it",
                },
                "domain": {
                    "type": "string",
                    "description": "the proof's domain (or the JWT aud) must name it",
                },
            },
        },
    },
}


@router.post(
    "/presentations/verify",
    summary="Verify a presentation and each credential in it (VC-API); 200 verified, 400 not",
    response_model=PresentationVerifyResponse,
    responses={
        400: {
            "model": PresentationVerifyResponse,
            "description": "the presentation or a credential in it does not verify: the same "
            "report as a 200, with verified false (application/json); or the body is not "
            "JSON (application/problem+json)",
        },
        413: {
            "description": "the body is larger than 1 MB, or verifying it needs more CPU "
            "time than a request may use (LAUREL_VERIFY_CPU_BUDGET_SECONDS)"
        },
        422: {"description": "the body has the wrong shape or is nested too deep"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _REQUEST_SCHEMA}},
        }
    },
)
async def verify_presentation(
    request: Request, services: ServicesDep, session: SessionDep
) -> Response:
    raw = await read_limited(request, MAX_BYTES)
    try:
        body = parse_json(raw, max_depth=MAX_DEPTH + 4)  # credentials sit two levels in
    except SubmissionError as exc:
        raise app_error(exc) from None
    value, field, options = _request(body)
    try:
        report = await run_in_threadpool(
            lambda: services.verifier.verify_presentation(
                session,
                value,
                challenge=options.get("challenge"),
                domain=options.get("domain"),
                proof_required=field == "verifiablePresentation",
            )
        )
    except SubmissionError as exc:
        raise app_error(exc, default_field=field) from None
    return JSONResponse(report.to_json(), status_code=200 if report.verified else 400)


def _request(body: Any) -> tuple[Any, str, dict[str, Any]]:
    """(presentation, the field it came in, options), or a 422 naming the field."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    field = "verifiablePresentation" if "verifiablePresentation" in body else "presentation"
    if field not in body:
        raise InvalidInput(
            '"verifiablePresentation" (or "presentation", without proof) is required',
            field="verifiablePresentation",
        )
    value = body[field]
    if field == "presentation" and not isinstance(value, dict):
        raise InvalidInput('"presentation" must be an object', field="presentation")
    if not isinstance(value, dict | str):
        raise InvalidInput(f'"{field}" must be an object or a compact JWS string', field=field)
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise InvalidInput('"options" must be an object', field="options")
    for name in ("challenge", "domain"):
        if name in options and not isinstance(options[name], str):
            raise InvalidInput(f'"options.{name}" must be a string', field=f"options.{name}")
    return value, field, options
