"""Verification for anyone: VC-API ``POST /credentials/verify`` (the page: web/verify_page.py).

- ``POST /credentials/verify`` (VCALM §3.2.2): ``{verifiableCredential, options}`` where the
  credential is a JSON-LD object, a compact JWS (VC-JWT) or an EnvelopedVerifiableCredential;
  or a baked badge (OB 3.0 §5.3) as the body itself, ``Content-Type: image/png`` or
  ``image/svg+xml``: the credential is taken out of the image, then verified the same way
  (an image with no readable credential is a 422, ``field: body``).
  A verified credential is a 200; one that does not verify is an answer too, the same report
  with ``verified: false`` and status 400 (as the W3C VC-API and Data Integrity test suites,
  and the implementations in their reports, answer). A body over 1 MB, or one whose JSON-LD
  work outgrows the CPU budget of a verification, is a 413, one nested 100 deep or of the
  wrong shape a 422 problem+json naming the field, one that is not JSON a 400 problem+json.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.deps import ServicesDep, SessionDep
from app.errors import AppError, InvalidInput, PayloadTooLarge
from app.http.body import read_limited
from app.http.guard import GuardedRoute
from app.verification.baked import IMAGE_MEDIA, unbake_credential
from app.verification.errors import MalformedJson
from app.verification.report import VerificationReport
from app.verification.schemas import VerifyResponse
from app.verification.submission import (
    MAX_BYTES,
    MAX_DEPTH,
    SubmissionError,
    check_shape,
    parse_json,
)

router = APIRouter(tags=["verification"], route_class=GuardedRoute)


_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["verifiableCredential"],
    "properties": {
        "verifiableCredential": {
            "description": "A JSON-LD credential with embedded proof(s), a compact JWS "
            "(VC-JWT) string, or an EnvelopedVerifiableCredential (data:application/vc+jwt,...)",
            "oneOf": [{"type": "object"}, {"type": "string"}],
        },
        "options": {
            "type": "object",
            "description": "VCALM verify options (returnResults, returnProblemDetails); "
            "both are always returned",
        },
    },
}


@router.post(
    "/credentials/verify",
    summary="Verify a credential (VCALM §3.2.2): every check named; 200 verified, 400 not",
    response_model=VerifyResponse,
    responses={
        400: {
            "model": VerifyResponse,
            "description": "the credential does not verify: the same report as a 200, with "
            "verified false (application/json); or the body is not JSON "
            "(application/problem+json)",
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
            "content": {
                "application/json": {"schema": _REQUEST_SCHEMA},
                "image/png": {
                    "schema": {"type": "string", "format": "binary"},
                    "description": "a baked badge: the credential (JSON or compact JWS) in "
                    "the openbadgecredential iTXt chunk (OB 3.0 §5.3.1)",
                },
                "image/svg+xml": {
                    "schema": {"type": "string", "format": "binary"},
                    "description": "a baked badge: the credential in <openbadges:credential> "
                    "(https://purl.imsglobal.org/ob/v3p0, OB 3.0 §5.3.2)",
                },
            },
        }
    },
)
async def verify_credential(
    request: Request, services: ServicesDep, session: SessionDep
) -> Response:
    raw = await read_limited(request, MAX_BYTES)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in IMAGE_MEDIA:  # a baked badge (OB 3.0 §5.3): the image is the body
        try:
            credential = unbake_credential(raw)
        except SubmissionError as exc:
            raise app_error(exc) from None
    else:
        try:
            body = parse_json(raw, max_depth=MAX_DEPTH + 2)  # the credential sits one level in
        except SubmissionError as exc:
            raise app_error(exc) from None
        credential = _request_credential(body)
    try:
        report = await run_in_threadpool(services.verifier.verify_submission, session, credential)
    except SubmissionError as exc:
        raise app_error(exc, default_field="verifiableCredential") from None
    return report_response(report)


def report_response(report: VerificationReport) -> JSONResponse:
    """The report as the answer: 200 when verified, 400 with the same body when not."""
    return JSONResponse(report.to_json(), status_code=200 if report.verified else 400)


def _request_credential(body: Any) -> Any:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    if "verifiableCredential" not in body:
        raise InvalidInput('"verifiableCredential" is required', field="verifiableCredential")
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise InvalidInput('"options" must be an object', field="options")
    credential = body["verifiableCredential"]
    try:
        check_shape(credential, what='"verifiableCredential"')
    except SubmissionError as exc:
        raise app_error(exc, default_field="verifiableCredential") from None
    if not isinstance(credential, dict | str):
        raise InvalidInput(
            '"verifiableCredential" must be an object or a compact JWS string',
            field="verifiableCredential",
        )
    return credential


def app_error(exc: SubmissionError, default_field: str = "body") -> AppError:
    field = exc.field or default_field
    if exc.status == 413:
        return PayloadTooLarge(str(exc), field=field)
    if exc.status == 400:
        return MalformedJson(str(exc), field=field)
    return InvalidInput(str(exc), field=field)
