"""HTML error pages for browsers; every other client keeps application/problem+json.

The problem+json handlers (app/api/problems.py) stay in charge: this wraps them and answers
with templates/errors/<status>.html only when the request's Accept header prefers text/html.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import TemplateNotFound
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.accounts.errors import SignInRequired
from app.errors import AppError
from app.http import media
from app.web.context import WebContext
from app.web.i18n import N_
from app.web.i18n import gettext as _
from app.web.themes import DEFAULT_THEME

Handler = Callable[[Request, Exception], Awaitable[Response]]
#: What ``app.exception_handlers`` holds (Starlette allows sync handlers too).
AnyHandler = Callable[[Request, Any], Response | Awaitable[Response]]
_TITLES = {
    403: N_("Not allowed"),
    404: N_("Page not found"),
    406: N_("Not acceptable"),
    422: N_("Please check what you entered"),
    500: N_("Something went wrong"),
}
#: Pages whose forms a browser posts (learner sign-in and /me): refusals come back as a page.
_FORM_PAGES = ("/me", "/signin", "/signout")


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept")
    if request.method not in ("GET", "HEAD") or not accept:
        return False
    return media.preferred(accept, [media.JSON, media.HTML]) == media.HTML


def _browser_form(request: Request) -> bool:
    """A form a browser posted on the learner's pages (Accept prefers HTML)."""
    accept = request.headers.get("accept")
    return (
        request.method == "POST"
        and request.url.path.startswith(_FORM_PAGES)
        and bool(accept)
        and media.preferred(accept or "", [media.JSON, media.HTML]) == media.HTML
    )


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


def sign_in_redirect(request: Request) -> RedirectResponse:
    """A browser asking for a learner's page before signing in goes to the sign-in page,
    which brings it back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        "/signin?" + urlencode({"next": target}),
        status_code=303,
        headers={"Cache-Control": "no-store", "Vary": "Accept"},
    )


def install_html_errors(app: FastAPI, web: WebContext) -> None:
    """Wrap the problem+json handlers for AppError and HTTPException (after they exist)."""
    for exc_class in (AppError, HTTPException):
        inner = app.exception_handlers.get(exc_class)
        if inner is None:
            continue
        app.add_exception_handler(exc_class, _wrap(inner, web))


def _wrap(inner: AnyHandler, web: WebContext) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInRequired) and wants_html(request):
            return sign_in_redirect(request)
        if isinstance(exc, AppError) and _browser_form(request):
            return render_error(web, exc.status, exc.detail)
        status = getattr(exc, "status", None) or getattr(exc, "status_code", 500)
        if status in (404, 406, 410) and wants_html(request):
            return render_error(web, status)
        response = inner(request, exc)
        return await response if inspect.isawaitable(response) else response

    return handler
