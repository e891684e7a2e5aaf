"""The ``/verify`` page: paste the JSON or JWS, upload the file (or a baked badge, PNG or SVG,
OB 3.0 §5.3), or give a share link (``?url=``); the same checks as
``POST /credentials/verify``, on a page that needs no JavaScript."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from app.db import as_utc
from app.deps import ServicesDep, SessionDep
from app.errors import PayloadTooLarge
from app.http.body import read_limited
from app.http.guard import GuardedRoute
from app.verification.baked import looks_like_image, unbake_text
from app.verification.report import VerificationReport
from app.verification.submission import MAX_BYTES, SubmissionError, parse_json
from app.web.context import WebContext
from app.web.i18n import format_number
from app.web.i18n import gettext as _
from app.web.themes import DEFAULT_THEME
from app.web.verify import verdict_view

router = APIRouter(tags=["verification"], route_class=GuardedRoute)

#: A form carries the credential plus a little multipart framing and the other fields.
_FORM_OVERHEAD = 16_384
#: The largest form the page reads (app/main.py gives the route this body limit).
MAX_FORM_BYTES = MAX_BYTES + _FORM_OVERHEAD


def _status_changed(services: Any, session: Any, report: VerificationReport) -> date | None:
    """When a credential this service issued was revoked or suspended (the status list says
    only that it is; our own history says since when). Only for an intact signature."""
    codes = {c.code for c in report.failed()}
    if not codes & {"REVOKED", "SUSPENDED"} or not any(
        c.name == "proof" and c.passed for c in report.checks
    ):
        return None
    credential_id = str((report.credential or {}).get("id") or "")
    if not credential_id.startswith("urn:uuid:"):
        return None
    events = services.credential_status.history(session, credential_id.removeprefix("urn:uuid:"))
    return as_utc(events[-1].at).date() if events else None


def _page(
    request: Request,
    services: Any,
    *,
    report: VerificationReport | None = None,
    status_changed: date | None = None,
    error: str | None = None,
    status: int = 200,
    text: str = "",
    url: str = "",
) -> HTMLResponse:
    web: WebContext = request.app.state.web
    html = web.render(
        ["verify.html"],
        theme=DEFAULT_THEME,
        root="",
        view=verdict_view(report, status_changed) if report is not None else None,
        report_json=json.dumps(report.to_json(), indent=2) if report is not None else None,
        error=error,
        text=text,
        url=url,
        max_kb=MAX_BYTES // 1000,
    )
    # The Content-Security-Policy (no script) and nosniff: app/web/security_headers.py.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status, headers=headers)


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
        raw = await read_limited(request, MAX_FORM_BYTES)
    except PayloadTooLarge:
        message = _("That is more than %(size)s kB: no credential is that large.", size=_kb())
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
            message = _(
                "The file is more than %(size)s kB: no credential is that large.", size=_kb()
            )
            return _page(request, services, error=message, status=413)
        if looks_like_image(data):  # a baked badge (OB 3.0 §5.3): PNG or SVG
            try:
                text = unbake_text(data, field="file")
            except SubmissionError as exc:
                return _page(request, services, error=str(exc), status=422)
        else:
            text = data.decode("utf-8", errors="replace").strip()
    if text:
        return await _verify_for_page(request, services, session, text, "")
    if url:
        return await _verify_for_page(request, services, session, None, url)
    message = _("Give a link to a credential, paste one or choose a file.")
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
        return services.verifier.verify_submission(session, value)

    try:
        report = await run_in_threadpool(work)
    except SubmissionError as exc:
        status = exc.status if exc.status in (400, 413) else 422
        return _page(request, services, error=str(exc), status=status, text=text or "", url=url)
    shown = text if text is not None and len(text) <= 200_000 else ""
    changed = await run_in_threadpool(_status_changed, services, session, report)
    return _page(request, services, report=report, status_changed=changed, text=shown, url=url)


def _kb() -> str:
    return format_number(MAX_BYTES // 1000)


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
