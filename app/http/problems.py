"""Every error as application/problem+json (RFC 9457), naming the offending field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException

from app.errors import PROBLEM_BASE, AppError, Unauthorized

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("laurel")
#: PostgreSQL deadlock_detected, serialization_failure, lock_not_available.
_CONCURRENCY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_concurrency_error(exc: DBAPIError) -> bool:
    """A concurrent transaction won (a deadlock victim, a unique key taken at commit, SQLite
    busy): the request changed nothing and may simply be sent again."""
    if isinstance(exc, IntegrityError):
        return True
    if getattr(exc.orig, "sqlstate", None) in _CONCURRENCY_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def problem(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


#: What FastAPI raises (an HTTPException, 400) when parsing a JSON body fails outright.
_UNPARSEABLE_BODY = "There was an error parsing the body"


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = None
        if isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": exc.challenge}
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int):  # RateLimited (429)
            headers = {"Retry-After": str(retry_after)}
        return problem(exc.status, exc.to_problem(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        status = 400 if first.get("type") == "json_invalid" else 422
        if status == 400:  # the location is the character offset, not a field
            field = "body"
            at = first["loc"][-1] if first["loc"] else None
            where = f" at character {at}" if isinstance(at, int) else ""
            detail = f"malformed JSON{where}: {first['msg']}"
        else:
            field = _field_path(tuple(first["loc"]))
            detail = f'"{field}": {first["msg"]}'
        return problem(
            status,
            {
                "type": PROBLEM_BASE + ("malformed-json" if status == 400 else "invalid-input"),
                "title": "Malformed request" if status == 400 else "Invalid input",
                "status": status,
                "detail": detail,
                "field": field,
                "errors": [
                    {"field": _field_path(tuple(e["loc"])), "message": e["msg"]}
                    for e in errors[:20]
                ],
            },
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSEABLE_BODY:
            # FastAPI's own refusal of a body its parser gave up on (bad UTF-8, nesting past
            # the parser's depth, a number too long to convert): the same problem as any
            # malformed JSON, naming the body.
            return problem(
                400,
                {
                    "type": PROBLEM_BASE + "malformed-json",
                    "title": "Malformed request",
                    "status": 400,
                    "detail": "the body could not be parsed as JSON",
                    "field": "body",
                },
            )
        return problem(
            exc.status_code,
            {
                "type": "about:blank",
                "title": str(exc.detail),
                "status": exc.status_code,
                "detail": str(exc.detail),
            },
            getattr(exc, "headers", None),
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not is_concurrency_error(exc):
            return await _unexpected(request, exc)
        log.warning("concurrent update on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem(
            409,
            {
                "type": PROBLEM_BASE + "concurrent-update",
                "title": "Concurrent update",
                "status": 409,
                "detail": "a concurrent request changed the same data; nothing was changed, "
                "send the request again",
            },
            {"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return problem(
            500,
            {
                "type": PROBLEM_BASE + "internal",
                "title": "Internal error",
                "status": 500,
                "detail": "an unexpected error occurred; it has been logged",
            },
        )
