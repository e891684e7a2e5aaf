"""Verification for anyone: VC-API ``POST /credentials/verify`` and the ``/verify`` page.

- ``POST /credentials/verify`` (VCALM §3.2.2): ``{verifiableCredential, options}`` where the
  credential is a JSON-LD object, a compact JWS (VC-JWT) or an EnvelopedVerifiableCredential.
  An invalid credential is an answer (200, ``verified: false``); a body over 1 MB, or one whose
  JSON-LD work outgrows the CPU budget of a verification, is a 413, one nested 100 deep or of
  the wrong shape a 422 problem+json naming the field.
- ``GET /verify`` and ``POST /verify``: the same checks on an HTML page that needs no
  JavaScript: paste the JSON or JWS, upload the file, or give a share link (``?url=``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from app.deps import ServicesDep, SessionDep
from app.errors import AppError, InvalidInput, PayloadTooLarge
from app.verification.report import VerificationReport
from app.verification.submission import (
    MAX_BYTES,
    MAX_DEPTH,
    SubmissionError,
    check_shape,
    parse_json,
)
from app.web.verify import verdict_view

router = APIRouter(tags=["verification"])

#: The page loads nothing from elsewhere and runs no script.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: A form carries the credential plus a little multipart framing and the other fields.
_FORM_OVERHEAD = 16_384


class _MalformedJson(AppError):
    status = 400
    code = "malformed-json"
    title = "Malformed request"


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
    summary="Verify a credential (VCALM §3.2.2): every check named, invalid is an answer",
    response_model=VerifyResponse,
    responses={
        400: {"description": "the body is not JSON"},
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
async def verify_credential(
    request: Request, services: ServicesDep, session: SessionDep
) -> Response:
    raw = await _read_limited(request, MAX_BYTES)
    try:
        body = parse_json(raw, max_depth=MAX_DEPTH + 2)  # the credential sits one level in
    except SubmissionError as exc:
        raise _app_error(exc) from None
    credential = _request_credential(body)
    try:
        report = await run_in_threadpool(services.verifier.verify_submission, session, credential)
    except SubmissionError as exc:
        raise _app_error(exc, default_field="verifiableCredential") from None
    return JSONResponse(report.to_json())


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
        raise _app_error(exc, default_field="verifiableCredential") from None
    if not isinstance(credential, dict | str):
        raise InvalidInput(
            '"verifiableCredential" must be an object or a compact JWS string',
            field="verifiableCredential",
        )
    return credential


def _app_error(exc: SubmissionError, default_field: str = "body") -> AppError:
    field = exc.field or default_field
    if exc.status == 413:
        return PayloadTooLarge(str(exc), field=field)
    if exc.status == 400:
        return _MalformedJson(str(exc), field=field)
    return InvalidInput(str(exc), field=field)


async def _read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the body is {declared} bytes; at most {limit} bytes are accepted", field="body"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


# -- the page -------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _templates(directory: str) -> Jinja2Templates:
    return Jinja2Templates(directory=directory)


def _page(
    request: Request,
    services: Any,
    *,
    report: VerificationReport | None = None,
    error: str | None = None,
    status: int = 200,
    text: str = "",
    url: str = "",
) -> HTMLResponse:
    templates = _templates(str(Path(services.settings.templates_dir)))
    context = {
        "view": verdict_view(report) if report is not None else None,
        "report_json": json.dumps(report.to_json(), indent=2) if report is not None else None,
        "error": error,
        "text": text,
        "url": url,
        "max_kb": MAX_BYTES // 1000,
    }
    response = templates.TemplateResponse(request, "verify.html", context, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response  # type: ignore[no-any-return]


@router.get(
    "/verify",
    response_class=HTMLResponse,
    summary="The verifier page: paste, upload or link a credential (HTML, no JavaScript)",
)
async def verify_page(
    request: Request, services: ServicesDep, session: SessionDep, url: str | None = None
) -> HTMLResponse:
    if not url:
        return _page(request, services)
    return await _verify_for_page(request, services, session, None, url)


@router.post("/verify", response_class=HTMLResponse, include_in_schema=False)
async def verify_page_submit(
    request: Request, services: ServicesDep, session: SessionDep
) -> HTMLResponse:
    try:
        raw = await _read_limited(request, MAX_BYTES + _FORM_OVERHEAD)
    except PayloadTooLarge:
        message = f"That is more than {MAX_BYTES // 1000} kB: no credential is that large."
        return _page(request, services, error=message, status=413)
    form = await _replay(request, raw).form(max_files=1, max_fields=8, max_part_size=MAX_BYTES + 1)
    upload = form.get("file")
    text = form.get("credential")
    url = form.get("url")
    text = text.strip() if isinstance(text, str) else ""
    url = url.strip() if isinstance(url, str) else ""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            message = f"The file is more than {MAX_BYTES // 1000} kB: no credential is that large."
            return _page(request, services, error=message, status=413)
        text = data.decode("utf-8", errors="replace").strip()
    if text:
        return await _verify_for_page(request, services, session, text, "")
    if url:
        return await _verify_for_page(request, services, session, None, url)
    message = "Paste a credential, choose a file or give a link to one."
    return _page(request, services, error=message, status=422)


async def _verify_for_page(
    request: Request, services: Any, session: Any, text: str | None, url: str
) -> HTMLResponse:
    def work() -> VerificationReport:
        value: Any = text
        if text is None:
            value = services.verifier.fetch_submission(session, url)
        elif text.startswith("{"):
            value = parse_json(text, what="the credential")
        return services.verifier.verify_submission(session, value)  # type: ignore[no-any-return]

    try:
        report = await run_in_threadpool(work)
    except SubmissionError as exc:
        status = exc.status if exc.status in (400, 413) else 422
        return _page(request, services, error=str(exc), status=status, text=text or "", url=url)
    shown = text if text is not None and len(text) <= 200_000 else ""
    return _page(request, services, report=report, text=shown, url=url)


def _replay(request: Request, body: bytes) -> Request:
    """A request whose body is ``body`` (already read under the size limit)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)
