"""One-click unsubscribe (RFC 8058): ``POST /mail/unsubscribe/{token}`` with the body
``List-Unsubscribe=One-Click`` (what mail clients send), and a page with a button for people
who open the link (a GET must not unsubscribe: link scanners follow links)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)

_KIND_NAMES = {
    "earned": "credential award e-mails",
    "program": "program completion e-mails",
    "revoked": "revocation notices",
    "expiry": "expiry reminders",
}
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width"></head><body>'
        f"<main><h1>{title}</h1>{body}</main></body></html>",
        headers=_HEADERS,
    )


@router.get("/mail/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    _, kind = services.notifier.check_token(session, token)
    name = escape(_KIND_NAMES[kind])
    return _page(
        "Unsubscribe",
        f"<p>Stop receiving {name}?</p>"
        f'<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">Unsubscribe</button></form>',
    )


@router.post("/mail/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    _, kind = services.notifier.unsubscribe(session, token)
    return _page("Unsubscribed", f"<p>You will no longer receive {escape(_KIND_NAMES[kind])}.</p>")
