"""The openedx/credentials service API under its own paths, so that an unmodified Open edX
LMS can point ``CREDENTIALS_INTERNAL_SERVICE_URL`` at Laurel (docs/connect-openedx.md).

Authentication is the LMS's own ``Authorization: JWT <token>`` (checked before a body is
read); bodies are JSON or, for grades, form-encoded as the LMS sends them. Answers have the
original's shapes; errors are problem+json (the LMS looks only at the status code).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.deps import LmsCallerDep, ServicesDep, SessionDep
from app.errors import AppError, InvalidInput
from app.http.guard import GuardedRoute, check_form, checked_json

router = APIRouter(tags=["openedx"], route_class=GuardedRoute)

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadRequest(AppError):
    status = 400
    code = "bad-request"
    title = "Bad request"


async def read_payload(request: Request) -> dict[str, Any]:
    """The body as a dict: form fields (strings, as Python ``str()`` wrote them) or JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _FORMS:
        form = await request.form()
        check_form(form)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raw = await request.body()
    try:
        data = checked_json(raw) if raw else {}
    except ValueError:
        raise BadRequest("JSON parse error", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    return data


Payload = Annotated[dict[str, Any], Depends(read_payload)]


def _body(schema: dict[str, Any], form: bool = False) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_STR: dict[str, Any] = {"type": "string"}
_CREDENTIAL_IN = _object(
    ["username", "credential"],
    username=_STR,
    status={"type": "string", "enum": ["awarded", "revoked"], "default": "awarded"},
    lms_user_id={"type": ["integer", "string"]},
    credential=_object(
        [],
        type={"type": "string", "enum": ["course-run", "program"]},
        course_run_key=_STR,
        mode=_STR,
        program_uuid=_STR,
    ),
    date_override={"anyOf": [_object(["date"], date=_STR), {"type": "null"}]},
    attributes={"type": "array", "items": _object(["name", "value"], name=_STR, value=_STR)},
)
_GRADE_IN = _object(
    ["username", "course_run", "percent_grade"],
    username=_STR,
    course_run=_STR,
    letter_grade=_STR,
    percent_grade={"type": ["number", "string"]},
    verified={"type": ["boolean", "string"]},
    lms_last_updated_at=_STR,
)
_COURSE_CERT_IN = _object(
    ["course_id"],
    course_id=_STR,
    certificate_type=_STR,
    certificate_available_date={"type": ["string", "null"]},
    is_active={"type": "boolean"},
)
_STATUS_IN = _object(
    [],
    username=_STR,
    lms_user_id={"type": "integer"},
    course_runs={"type": "array", "items": _STR},
    courses={"type": "array", "items": _STR},
)


@router.post(
    "/api/v2/credentials/",
    status_code=201,
    summary="Award or revoke a learner's course-run or program credential (an upsert)",
    openapi_extra=_body(_CREDENTIAL_IN),
)
def post_credential(
    caller: LmsCallerDep, payload: Payload, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    return JSONResponse(services.openedx_api.post_credential(session, caller, payload), 201)


@router.get(
    "/api/v2/credentials/",
    summary="A learner's credentials, page by page (20 a page, DRF page-number pagination)",
)
def list_credentials(
    request: Request, caller: LmsCallerDep, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    url = str(request.url.replace(query=""))
    params = dict(request.query_params)
    return JSONResponse(services.openedx_api.list_credentials(session, caller, params, url))


@router.post(
    "/api/v2/grades/",
    status_code=201,
    summary="A learner's grade in a course run (JSON or form-encoded), stored",
    openapi_extra=_body(_GRADE_IN, form=True),
)
def post_grade(
    caller: LmsCallerDep, payload: Payload, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    return JSONResponse(services.openedx_api.post_grade(session, caller, payload), 201)


@router.post(
    "/api/v2/course_certificates/",
    status_code=201,
    summary="A course run's certificate settings (certificate available date, active)",
    openapi_extra=_body(_COURSE_CERT_IN),
)
def post_course_certificate(
    caller: LmsCallerDep, payload: Payload, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    body = services.openedx_api.post_course_certificate(session, caller, payload)
    return JSONResponse(body, 201)


@router.post(
    "/api/credentials/v1/learner_cert_status/",
    summary="A learner's course certificate status in some course runs",
    openapi_extra=_body(_STATUS_IN),
)
def learner_cert_status(
    caller: LmsCallerDep, payload: Payload, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    return JSONResponse(services.openedx_api.learner_cert_status(session, caller, payload))
