"""HTML error pages for browsers; every other client keeps application/problem+json.

The problem+json handlers (app/api/problems.py) stay in charge: this wraps them and answers
with templates/errors/<status>.html only when the request's Accept header prefers text/html.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import TemplateNotFound
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.errors import AppError
from app.http import media
from app.web.context import WebContext
from app.web.i18n import N_
from app.web.i18n import gettext as _
from app.web.themes import DEFAULT_THEME

Handler = Callable[[Request, Exception], Awaitable[Response]]
#: What ``app.exception_handlers`` holds (Starlette allows sync handlers too).
AnyHandler = Callable[[Request, Any], Response | Awaitable[Response]]
_TITLES = {404: N_("Page not found"), 406: N_("Not acceptable"), 500: N_("Something went wrong")}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept")
    if request.method not in ("GET", "HEAD") or not accept:
        return False
    return media.preferred(accept, [media.JSON, media.HTML]) == media.HTML


def render_error(web: WebContext, status: int, detail: str | None = None) -> HTMLResponse:
    title = _(_TITLES.get(status, N_("Error")))
    try:
        html = web.render(
            [f"errors/{status}.html", "errors/error.html"],
            theme=DEFAULT_THEME,
            status=status,
            title=title,
            detail=detail,
        )
    except TemplateNotFound:
        html = f"<!doctype html><title>{title}</title><h1>{title}</h1>"
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


def install_html_errors(app: FastAPI, web: WebContext) -> None:
    """Wrap the problem+json handlers for AppError and HTTPException (after they exist)."""
    for exc_class in (AppError, HTTPException):
        inner = app.exception_handlers.get(exc_class)
        if inner is None:
            continue
        app.add_exception_handler(exc_class, _wrap(inner, web))


def _wrap(inner: AnyHandler, web: WebContext) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status", None) or getattr(exc, "status_code", 500)
        if status in (404, 406, 410) and wants_html(request):
            return render_error(web, status)
        response = inner(request, exc)
        return await response if inspect.isawaitable(response) else response

    return handler
